package sipmsg

import (
	"bytes"
	"math"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// headerLister is what sipgo's *sip.Request and *sip.Response provide.
type headerLister interface{ Headers() []sip.Header }

// Parse parses one SIP message. err is ErrNotSIP when b does not start like
// SIP at all; a message that sipgo rejects, or that breaks a rule of RFC
// 3261 sipgo does not check, returns (m, nil) with m.Malformed set and every
// field the parsers could read.
func Parse(b []byte) (*Message, error) {
	var p Parser
	return p.Parse(b)
}

// Parser parses SIP messages one after the other and keeps its scratch
// space (the header index of the raw scan, sipgo's parser) from one message
// to the next, so that a stream of messages allocates only what the
// messages keep. The zero value is ready to use; a Parser is not safe for
// concurrent use.
type Parser struct {
	raw rawMsg
	sip *sip.Parser
}

// Parse parses one SIP message as the package function Parse does. The
// Message shares nothing with the Parser or with b.
func (ps *Parser) Parse(b []byte) (*Message, error) {
	if !LooksLikeSIP(b) {
		return nil, ErrNotSIP
	}
	m := &Message{Expires: -1, MaxForwards: -1}
	m.Raw = append([]byte(nil), b...)

	r := &ps.raw
	r.reset()
	r.scan(m.Raw)
	sl := parseStartLine(r.start)
	m.Request = sl.request
	m.Method, m.RequestURI, m.Version = sl.method, sl.uri, sl.version
	m.Status, m.Reason = sl.status, sl.reason

	if ps.sip == nil {
		ps.sip = sip.NewParser()
	}
	p := ps.sip
	sm, sipErr := p.ParseSIP(m.Raw)
	if sipErr != nil && sl.request && schemeNeedsWorkaround(sl.uri) {
		// sipgo v1.7.3 accepts only letters in a URI scheme, while RFC 3261
		// §25.1 allows scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
		// (RFC 4475 §3.3.3 "soap.beep"). Let sipgo judge the rest of the
		// message with a placeholder Request-URI; the real one is kept.
		alt := make([]byte, 0, len(m.Raw)+32)
		alt = append(alt, sl.method...)
		alt = append(alt, " sip:placeholder.invalid "...)
		alt = append(alt, sl.version...)
		alt = append(alt, m.Raw[len(r.start):]...)
		if sm2, err2 := p.ParseSIP(alt); err2 == nil {
			sm, sipErr = sm2, nil
		}
	}

	var lineErrs []string
	if sipErr == nil {
		if hl, ok := sm.(headerLister); ok {
			m.fillTyped(hl.Headers())
		}
	} else {
		lineErrs = m.fillTypedFallback(r)
	}
	m.fillRaw(r)
	m.fillBody(r)
	m.sdp = extractSDP(m.ContentType, m.Body)

	reasons := validate(m, r, &sl)
	if sipErr != nil && len(reasons) == 0 {
		reasons = lineErrs
		if len(reasons) == 0 {
			reasons = []string{"sipgo: " + sipErr.Error()}
		}
	}
	if len(reasons) > 0 {
		m.Malformed = &MalformedError{Reasons: reasons, Cause: sipErr}
	}
	return m, nil
}

// schemeNeedsWorkaround reports whether uri has a scheme that RFC 3261
// §25.1 allows but sipgo v1.7.3 refuses (one with a digit, "+", "-", ".").
func schemeNeedsWorkaround(uri string) bool {
	i := strings.IndexByte(uri, ':')
	if i <= 0 || strings.ContainsAny(uri, " <>") {
		return false
	}
	c := uri[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return false
	}
	other := false
	for j := 1; j < i; j++ {
		c := uri[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case isDigit(c), c == '+', c == '-', c == '.':
			other = true
		default:
			return false
		}
	}
	return other
}

// fillTyped takes Via, From, To, Contact, Route and Record-Route from the
// typed headers sipgo produced.
func (m *Message) fillTyped(hs []sip.Header) {
	var seenFrom, seenTo bool
	for _, h := range hs {
		switch h := h.(type) {
		case *sip.FromHeader:
			if !seenFrom {
				m.From, seenFrom = nameAddrOf(h.DisplayName, &h.Address, h.Params), true
			}
		case *sip.ToHeader:
			if !seenTo {
				m.To, seenTo = nameAddrOf(h.DisplayName, &h.Address, h.Params), true
			}
		case *sip.ContactHeader:
			na := nameAddrOf(h.DisplayName, &h.Address, h.Params)
			m.Contact = append(m.Contact, na)
			m.ContactExpires = append(m.ContactExpires, paramInt(h.Params, "expires"))
		case *sip.RouteHeader:
			m.Route = append(m.Route, h.Address.String())
		case *sip.RecordRouteHeader:
			m.RecordRoute = append(m.RecordRoute, h.Address.String())
		}
	}
}

// fillTypedFallback parses the address and Via lines one by one with sipgo's
// header parser (so that one bad line does not lose the others) and, where
// sipgo refuses a line too, reads it by hand. It returns sipgo's complaints,
// one per refused line.
func (m *Message) fillTypedFallback(r *rawMsg) []string {
	hp := sip.HeadersParser(sip.DefaultHeadersParser())
	var errs []string
	var line []byte
	var out []sip.Header
	for i := range r.headers {
		h := &r.headers[i]
		switch h.canon {
		case "from", "to", "contact", "route", "record-route":
		default:
			continue
		}
		line = append(append(append(line[:0], h.canon...), ": "...), h.value...)
		var err error
		out, err = hp.ParseHeader(out[:0], line)
		if err == nil {
			m.fillTyped(out)
			continue
		}
		errs = append(errs, string(h.name)+" header: "+err.Error())
		m.fillCrude(h.canon, string(h.value))
	}
	return errs
}

// fillCrude reads a header value that sipgo refused.
func (m *Message) fillCrude(canon, v string) {
	switch canon {
	case "from":
		if m.From.URI == "" {
			m.From = crudeNameAddr(v)
		}
	case "to":
		if m.To.URI == "" {
			m.To = crudeNameAddr(v)
		}
	case "contact":
		for _, part := range splitList(v) {
			na := crudeNameAddr(part)
			exp := -1
			if s, ok := na.Params["expires"]; ok {
				if n, ok := atoi(s); ok {
					exp = n
				}
			}
			m.Contact = append(m.Contact, na)
			m.ContactExpires = append(m.ContactExpires, exp)
		}
	case "route":
		for _, part := range splitList(v) {
			m.Route = append(m.Route, strings.Trim(part, "<> "))
		}
	case "record-route":
		for _, part := range splitList(v) {
			m.RecordRoute = append(m.RecordRoute, strings.Trim(part, "<> "))
		}
	}
}

// fillRaw takes every other field from the raw header lines.
func (m *Message) fillRaw(r *rawMsg) {
	var server string
	for i := range r.headers {
		h := &r.headers[i]
		v := h.value
		switch h.canon {
		case "via":
			// Read by hand: sipgo v1.7.3 mis-reads LWS around the "/" of
			// sent-protocol, which RFC 3261 §25.1 allows (SLASH = SWS "/"
			// SWS; RFC 4475 §3.1.1.1).
			if bytes.IndexByte(v, ',') < 0 {
				m.Via = append(m.Via, parseVia(string(v)))
				break
			}
			for _, part := range splitList(string(v)) {
				m.Via = append(m.Via, parseVia(part))
			}
		case "call-id":
			if m.CallID == "" {
				m.CallID = string(v)
			}
		case "cseq":
			if m.CSeqMethod == "" && m.CSeq == 0 {
				// CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16)
				num, method := v, []byte(nil)
				if j := bytes.IndexAny(v, " \t"); j >= 0 {
					num, method = v[:j], bytes.TrimSpace(v[j+1:])
				}
				if n, ok := atoi(num); ok && n <= math.MaxUint32 {
					m.CSeq = uint32(n)
				}
				m.CSeqMethod = string(method)
			}
		case "max-forwards":
			if n, ok := atoi(v); ok && m.MaxForwards < 0 {
				m.MaxForwards = n
			}
		case "content-type":
			if m.ContentType == "" {
				m.ContentType = string(v)
			}
		case "expires":
			if n, ok := atoi(v); ok && m.Expires < 0 {
				m.Expires = n
			}
		case "user-agent":
			if m.UserAgent == "" {
				m.UserAgent = string(v)
			}
		case "server":
			if server == "" {
				server = string(v)
			}
		case "authorization", "proxy-authorization":
			if m.Authorization == nil {
				m.Authorization = parseCredentials(string(v), h.canon == "proxy-authorization")
			}
		case "www-authenticate", "proxy-authenticate":
			if m.Challenge == nil {
				m.Challenge = parseChallenge(string(v), h.canon == "proxy-authenticate")
			}
		case "warning":
			m.Warning = joinValue(m.Warning, v)
		case "reason":
			m.ReasonHeader = joinValue(m.ReasonHeader, v)
		case "require":
			m.Require = appendTokens(m.Require, v)
		case "supported":
			m.Supported = appendTokens(m.Supported, v)
		case "rseq":
			if n, ok := atoi(v); ok && n <= math.MaxUint32 {
				m.RSeq = uint32(n)
			}
		case "rack":
			if m.RAck == "" {
				m.RAck = string(v)
			}
		}
	}
	if m.UserAgent == "" && !m.Request {
		m.UserAgent = server
	}
}

// fillBody sets Body and TrailingBytes from Content-Length and what follows
// the headers. RFC 3261 §18.3: octets past Content-Length in a datagram are
// discarded; a Content-Length larger than the rest is an error (reported by
// validate), and the body is then what is there.
func (m *Message) fillBody(r *rawMsg) {
	if r.bodyStart < 0 || r.bodyStart >= len(m.Raw) {
		return
	}
	avail := m.Raw[r.bodyStart:]
	body := avail
	if v, ok := r.get("content-length"); ok {
		if n, ok := atoi(v); ok && n <= len(avail) {
			body = avail[:n]
			m.TrailingBytes = len(avail) - n
		}
	}
	if len(body) > 0 {
		m.Body = body[:len(body):len(body)]
	}
}

func joinValue(dst string, v []byte) string {
	if dst == "" {
		return string(v)
	}
	return dst + ", " + string(v)
}

func appendTokens(dst []string, v []byte) []string {
	for len(v) > 0 {
		var tok []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			tok, v = v[:i], v[i+1:]
		} else {
			tok, v = v, nil
		}
		if tok = bytes.TrimSpace(tok); len(tok) > 0 {
			dst = append(dst, string(tok))
		}
	}
	return dst
}
