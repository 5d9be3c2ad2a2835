package synth

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
)

// sipMsg is a SIP message before rendering (RFC 3261 §7).
type sipMsg struct {
	method      string // request when not empty
	ruri        string
	status      int
	reason      string
	via         []string // Via values, topmost first
	recordRoute []string
	route       []string
	maxForwards int
	from, to    string
	callID      string
	cseq        int
	cseqMethod  string
	contact     string
	extra       []header
	agent       string // User-Agent of a request, Server of a response
	ctype       string
	body        []byte
}

type header struct{ name, value string }

func (m *sipMsg) clone() *sipMsg {
	c := *m
	c.via = append([]string(nil), m.via...)
	c.recordRoute = append([]string(nil), m.recordRoute...)
	c.route = append([]string(nil), m.route...)
	c.extra = append([]header(nil), m.extra...)
	return &c
}

// render writes the message with CRLF line ends and an exact
// Content-Length (RFC 3261 §7.3, §20.14).
func (m *sipMsg) render() []byte {
	var b strings.Builder
	b.Grow(600 + len(m.body))
	if m.method != "" {
		fmt.Fprintf(&b, "%s %s SIP/2.0\r\n", m.method, m.ruri)
	} else {
		fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", m.status, m.reason)
	}
	for _, v := range m.via {
		b.WriteString("Via: " + v + "\r\n")
	}
	for _, v := range m.recordRoute {
		b.WriteString("Record-Route: " + v + "\r\n")
	}
	for _, v := range m.route {
		b.WriteString("Route: " + v + "\r\n")
	}
	if m.method != "" {
		b.WriteString("Max-Forwards: " + strconv.Itoa(m.maxForwards) + "\r\n")
	}
	b.WriteString("From: " + m.from + "\r\n")
	b.WriteString("To: " + m.to + "\r\n")
	b.WriteString("Call-ID: " + m.callID + "\r\n")
	fmt.Fprintf(&b, "CSeq: %d %s\r\n", m.cseq, m.cseqMethod)
	if m.contact != "" {
		b.WriteString("Contact: " + m.contact + "\r\n")
	}
	for _, h := range m.extra {
		b.WriteString(h.name + ": " + h.value + "\r\n")
	}
	if m.agent != "" {
		if m.method != "" {
			b.WriteString("User-Agent: " + m.agent + "\r\n")
		} else {
			b.WriteString("Server: " + m.agent + "\r\n")
		}
	}
	if len(m.body) > 0 {
		b.WriteString("Content-Type: " + m.ctype + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(m.body)) + "\r\n\r\n")
	b.Write(m.body)
	return []byte(b.String())
}

// response builds a response to req as the responder received it: the Via
// list, From, To, Call-ID and CSeq are copied (RFC 3261 §8.2.6.2).
func response(req *sipMsg, status int, reason, toTag, agent string) *sipMsg {
	r := &sipMsg{
		status: status, reason: reason,
		via:  append([]string(nil), req.via...),
		from: req.from, to: req.to, callID: req.callID,
		cseq: req.cseq, cseqMethod: req.cseqMethod,
		agent: agent,
	}
	if toTag != "" && !strings.Contains(r.to, ";tag=") {
		r.to += ";tag=" + toTag
	}
	return r
}

// ids draws the random identifiers of SIP from a seeded source.
type ids struct{ rng *rand.Rand }

func (g ids) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

// branch returns a Via branch with the RFC 3261 §8.1.1.7 magic cookie.
func (g ids) branch() string { return "z9hG4bK" + g.hex(16) }
func (g ids) tag() string    { return g.hex(10) }

// deriveBranch is the branch a stateful proxy uses for the request it
// forwards: a function of the incoming branch, so that a CANCEL or a
// non-2xx ACK gets the same branch as the INVITE it goes with (RFC 3261
// §16.6 step 8, §9.1).
func deriveBranch(in string) string {
	sum := md5.Sum([]byte("proxy" + in))
	return "z9hG4bK" + hex.EncodeToString(sum[:8])
}

func hostport(ap netip.AddrPort) string {
	return ap.String()
}

func hostOnly(a netip.Addr) string {
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

// sdpAddr is the address an endpoint writes in SDP and Contact.
func (e Endpoint) sdpAddr() netip.Addr {
	if e.SDPAddr.IsValid() {
		return e.SDPAddr
	}
	return e.Addr.Addr()
}

// contactHostport is what the endpoint puts in Via sent-by and Contact.
func (e Endpoint) contactHostport() string {
	return netip.AddrPortFrom(e.sdpAddr(), e.Addr.Port()).String()
}

func (e Endpoint) uri() string {
	return "sip:" + e.User + "@" + e.contactHostport()
}

func (e Endpoint) aor(domain string) string {
	return "sip:" + e.User + "@" + domain
}

func viaValue(transport, sentBy, branch string) string {
	return "SIP/2.0/" + transport + " " + sentBy + ";rport;branch=" + branch
}

// markReceived adds received and rport to the top Via when the packet came
// from another address than the Via's sent-by (RFC 3261 §18.2.1, RFC 3581).
func markReceived(m *sipMsg, src netip.AddrPort) {
	if len(m.via) == 0 {
		return
	}
	v := m.via[0]
	sp := strings.IndexByte(v, ' ')
	semi := strings.IndexByte(v, ';')
	if sp < 0 || semi < sp {
		return
	}
	sentBy := v[sp+1 : semi]
	if ap, err := netip.ParseAddrPort(sentBy); err == nil && ap == src {
		return
	}
	m.via[0] = strings.Replace(v, ";rport", ";received="+src.Addr().String()+";rport="+strconv.Itoa(int(src.Port())), 1)
}

// Digest authentication (RFC 2617 §3.2.2 with qop=auth, MD5 as RFC 8760
// still allows).
func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func digestChallenge(realm, nonce string) string {
	return fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, realm, nonce)
}

func digestAuthorization(user, password, realm, nonce, method, uri, cnonce string, nc int) string {
	ha1 := md5hex(user + ":" + realm + ":" + password)
	ha2 := md5hex(method + ":" + uri)
	ncs := fmt.Sprintf("%08x", nc)
	resp := md5hex(ha1 + ":" + nonce + ":" + ncs + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, cnonce="%s", qop=auth, nc=%s`,
		user, realm, nonce, uri, resp, cnonce, ncs)
}

const (
	realm         = "voiplab"
	password      = "secret"
	wrongPassword = "Secret1"
	allowMethods  = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, UPDATE"
)
