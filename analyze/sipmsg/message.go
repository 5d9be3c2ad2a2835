package sipmsg

import (
	"strconv"
	"strings"
)

// Message is one SIP message, reduced to what the analyser needs. It owns
// its memory (see the package documentation).
type Message struct {
	// Request is true for a request, false for a response.
	Request bool
	// Method and RequestURI are set for a request (RFC 3261 §7.1).
	Method     string
	RequestURI string
	// Status and Reason are set for a response (RFC 3261 §7.2).
	Status int
	Reason string
	// Version is the SIP version of the start line, normally "SIP/2.0".
	Version string

	CallID     string
	CSeq       uint32
	CSeqMethod string
	From, To   NameAddr
	// Via lists every Via value, the top (most recent hop) first.
	Via []Via
	// Contact lists every Contact value; ContactExpires[i] is the expires
	// parameter of Contact[i], or -1 when absent. A wildcard "*" contact
	// has URI "*".
	Contact        []NameAddr
	ContactExpires []int
	// Expires is the Expires header (RFC 3261 §20.19), -1 when absent.
	Expires int
	// UserAgent is User-Agent, or Server for a response when User-Agent is
	// absent.
	UserAgent   string
	ContentType string
	// Body is the message body (Content-Length octets when the header is
	// present and not larger than what follows the headers).
	Body []byte
	// TrailingBytes counts octets after the Content-Length body of a
	// datagram; RFC 3261 §18.3 says they are discarded, so they do not make
	// the message malformed.
	TrailingBytes int
	// MaxForwards is the Max-Forwards header, -1 when absent.
	MaxForwards int
	// Authorization is Authorization or Proxy-Authorization (the first).
	Authorization *Credentials
	// Challenge is WWW-Authenticate or Proxy-Authenticate (the first).
	Challenge *Challenge
	// Warning is the Warning header (RFC 3261 §20.43), values joined by ", ".
	Warning string
	// ReasonHeader is the Reason header (RFC 3326), values joined by ", ".
	ReasonHeader string
	// Require and Supported list option tags (RFC 3261 §20.32, §20.37).
	Require, Supported []string
	// RSeq and RAck are the reliable-provisional headers (RFC 3262 §7).
	RSeq uint32
	RAck string
	// RecordRoute and Route list their URIs (with parameters), top first.
	RecordRoute, Route []string
	// Raw is the whole message as received (own copy).
	Raw []byte
	// Malformed is non-nil when the message is not well formed: it wraps
	// ErrMalformed and is a *MalformedError with the reasons.
	Malformed error

	sdp []byte // the SDP body, or the SDP part of a multipart body
}

// NameAddr is a From, To or Contact value (RFC 3261 §20.10, §20.20, §20.39).
type NameAddr struct {
	Display string // display name, without quotes
	URI     string // the URI as written, without < >
	User    string // user part of a sip/sips URI (or the number of a tel URI)
	Host    string
	Port    int // 0 when absent
	Tag     string
	// Params holds the header parameters (after the URI), names in lower
	// case; nil when there are none.
	Params map[string]string
}

// Via is one Via value (RFC 3261 §20.42, §18.2.1, RFC 3581).
type Via struct {
	Transport string // UDP, TCP, TLS, SCTP, WS, WSS…, upper case
	Host      string
	Port      int // 0 when absent
	Branch    string
	Received  string
	// RPort is the rport value; HasRPort is true when the parameter is
	// present at all (a request carries it without a value).
	RPort    int
	HasRPort bool
}

// SentBy returns "host" or "host:port" (IPv6 hosts in brackets as written).
func (v Via) SentBy() string {
	if v.Port == 0 {
		return v.Host
	}
	return joinHostPort(v.Host, v.Port)
}

// Credentials are the parameters of an Authorization or
// Proxy-Authorization header (RFC 3261 §22.4, RFC 2617 §3.2.2).
type Credentials struct {
	Proxy     bool   // Proxy-Authorization
	Scheme    string // "Digest" normally
	Username  string
	Realm     string
	Nonce     string
	URI       string
	Response  string
	Algorithm string
	QOP       string
	NC        string
	CNonce    string
	Opaque    string
}

// Challenge is the parameters of a WWW-Authenticate or Proxy-Authenticate
// header (RFC 3261 §22.4, RFC 2617 §3.2.1).
type Challenge struct {
	Proxy     bool   // Proxy-Authenticate
	Scheme    string // "Digest" normally
	Realm     string
	Nonce     string
	Algorithm string
	QOP       string
	Stale     bool
	Opaque    string
	Domain    string
}

// Summary returns one line for a ladder: "INVITE sip:201@lab.local",
// "180 Ringing", "401 Unauthorized (realm lab.local)". It is never empty.
func (m *Message) Summary() string {
	if m.Request {
		method := m.Method
		if method == "" {
			method = "request"
		}
		if m.RequestURI == "" {
			return method
		}
		return method + " " + m.RequestURI
	}
	var b strings.Builder
	if m.Status > 0 {
		b.WriteString(strconv.Itoa(m.Status))
	} else {
		b.WriteString("response")
	}
	if m.Reason != "" {
		b.WriteByte(' ')
		b.WriteString(m.Reason)
	}
	if m.Challenge != nil && m.Challenge.Realm != "" {
		b.WriteString(" (realm ")
		b.WriteString(m.Challenge.Realm)
		b.WriteByte(')')
	}
	return b.String()
}

// IsSDP reports whether the message carries an SDP body: Content-Type
// application/sdp with a body, or an application/sdp part inside a
// multipart body (RFC 5621).
func (m *Message) IsSDP() bool { return len(m.sdp) > 0 }

// SDPBody returns the SDP body (the SDP part of a multipart body), or nil.
func (m *Message) SDPBody() []byte { return m.sdp }

func joinHostPort(host string, port int) string {
	if port == 0 {
		return host
	}
	if strings.IndexByte(host, ':') >= 0 && !strings.HasPrefix(host, "[") {
		host = "[" + host + "]"
	}
	return host + ":" + strconv.Itoa(port)
}
