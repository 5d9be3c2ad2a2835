package sipmsg

import (
	"bytes"
	"strconv"
	"strings"
)

// maxCSeq is the largest CSeq number: "MUST be less than 2**31"
// (RFC 3261 §8.1.1.5).
const maxCSeq = 1<<31 - 1

// mandatory are the header fields every request carries (RFC 3261 §8.1.1)
// and every response copies (§8.2.6.2). Max-Forwards is left out on
// purpose: RFC 2543 requests lack it and RFC 4475 §3.4.1 says to accept
// them.
var mandatory = [...]struct{ canon, name string }{
	{"call-id", "Call-ID"}, {"cseq", "CSeq"}, {"from", "From"}, {"to", "To"}, {"via", "Via"},
}

// singleValued are header fields that may appear once only (RFC 3261
// §7.3.1: a header may repeat only when its grammar is a comma list).
var singleValued = [...]struct{ canon, name string }{
	{"call-id", "Call-ID"}, {"cseq", "CSeq"}, {"from", "From"}, {"to", "To"},
	{"max-forwards", "Max-Forwards"}, {"content-length", "Content-Length"},
	{"content-type", "Content-Type"},
}

// validate applies the RFC 3261 rules that sipgo does not check, and
// explains the defects sipgo refuses with a precise reason. It returns one
// reason per defect, nil for a well-formed message.
func validate(m *Message, r *rawMsg, sl *startLine) []string {
	var reasons []string
	add := func(s string) { reasons = append(reasons, s) }

	reasons = append(reasons, sl.issues...)
	if sl.version != "SIP/2.0" {
		add("SIP version " + quoteShort([]byte(sl.version)) + " is not SIP/2.0 (RFC 3261 §7.1)")
	}
	if r.lfOnly {
		add("LF line endings (RFC 3261 §7: lines end with CRLF)")
	}
	for _, l := range r.noColon {
		add("header line without colon " + quoteShort(l) + " (RFC 3261 §7.3.1)")
	}
	if r.bodyStart < 0 {
		add("no empty line after the headers (RFC 3261 §7)")
	}

	// Mandatory and single-valued headers (RFC 3261 §8.1.1, §7.3.1).
	for _, h := range mandatory {
		if r.count(h.canon) == 0 {
			add("missing " + h.name + " header (RFC 3261 §8.1.1)")
		}
	}
	for _, h := range singleValued {
		if n := r.count(h.canon); n > 1 {
			add(strconv.Itoa(n) + " " + h.name + " headers, one allowed (RFC 3261 §7.3.1)")
		}
	}

	// CSeq = 1*DIGIT LWS Method, number < 2**31 (RFC 3261 §20.16, §8.1.1.5)
	if v, ok := r.get("cseq"); ok {
		num := v
		if i := bytes.IndexAny(v, " \t"); i >= 0 {
			num = v[:i]
		}
		if n, ok := atoi(num); !ok || n > maxCSeq {
			add("CSeq number " + quoteShort(num) + " is not an integer below 2^31 (RFC 3261 §8.1.1.5)")
		}
		if m.CSeqMethod == "" {
			add("CSeq without method (RFC 3261 §20.16)")
		} else if m.Request && m.Method != "" && m.CSeqMethod != m.Method {
			add("CSeq method " + m.CSeqMethod + " does not match request method " + m.Method + " (RFC 3261 §8.1.1.5)")
		}
	}

	// Content-Length = 1*DIGIT; the body must be complete (RFC 3261
	// §20.14, §18.3). Octets past it in a datagram are discarded, not an
	// error (RFC 4475 §3.1.1.8).
	if v, ok := r.get("content-length"); ok {
		n, ok := atoi(v)
		switch {
		case !ok:
			add("Content-Length " + quoteShort(v) + " is not a non-negative integer (RFC 3261 §20.14)")
		case r.bodyStart >= 0 && n > len(m.Raw)-r.bodyStart:
			add("Content-Length " + strconv.Itoa(n) + " but only " + strconv.Itoa(len(m.Raw)-r.bodyStart) +
				" body octets (RFC 3261 §18.3)")
		}
	}

	// Max-Forwards = 1*DIGIT, at most 255 (RFC 4475 §3.1.2.4).
	if v, ok := r.get("max-forwards"); ok {
		if n, ok := atoi(v); !ok || n > 255 {
			add("Max-Forwards " + quoteShort(v) + " is not an integer 0-255 (RFC 3261 §20.22)")
		}
	}

	// Date must be in GMT (RFC 3261 §20.17, rfc1123-date).
	if v, ok := r.get("date"); ok && !bytes.HasSuffix(v, []byte("GMT")) {
		add("Date " + quoteShort(v) + " is not in GMT (RFC 3261 §20.17)")
	}

	// A Request-URI carries no headers (RFC 3261 §19.1.1 table: "headers"
	// not allowed in a Request-URI; RFC 4475 §3.1.2.11).
	if m.Request && isSIPURI(m.RequestURI) && hasURIHeaders(m.RequestURI) {
		add("Request-URI carries headers after '?' (RFC 3261 §19.1.1)")
	}

	// IPv6reference = "[" IPv6address "]" in URIs and Via sent-by
	// (RFC 3261 §25.1, RFC 5118 §4.1).
	if m.Request && isSIPURI(m.RequestURI) && unbracketedIPv6(m.RequestURI) {
		add("IPv6 address not in [ ] in the Request-URI (RFC 3261 §25.1)")
	}
	for _, v := range m.Via {
		if strings.IndexByte(v.Host, ':') >= 0 && !strings.HasPrefix(v.Host, "[") {
			add("IPv6 address not in [ ] in Via sent-by (RFC 3261 §25.1)")
			break
		}
	}

	for i := range r.headers {
		h := &r.headers[i]
		switch h.canon {
		case "via", "contact":
			// Extraneous ";" or "," without a parameter or value
			// (RFC 3261 §25.1 grammar; RFC 4475 §3.1.2.1).
			if emptyElement(h.value) {
				add("empty parameter or list element in " + string(h.name) + " (RFC 3261 §25.1)")
			}
		}
		switch h.canon {
		case "from", "to", "contact", "route", "record-route":
		default:
			continue
		}
		if uri := addrURI(h.value); isSIPURI(uri) && unbracketedIPv6(uri) {
			add("IPv6 address not in [ ] in " + string(h.name) + " URI (RFC 3261 §25.1)")
		}
		if h.canon == "from" || h.canon == "to" {
			// display-name = *(token LWS) / quoted-string (RFC 3261 §25.1)
			if lt := bytes.IndexByte(h.value, '<'); lt > 0 {
				if d := bytes.TrimSpace(h.value[:lt]); len(d) > 0 && d[0] != '"' && !tokensOnly(d) {
					add(string(h.name) + " display name " + quoteShort(d) + " has non-token characters and is not quoted (RFC 3261 §25.1)")
				}
			}
		}
		if !quotesBalanced(h.value) {
			add("unterminated quoted string in " + string(h.name) + " (RFC 3261 §25.1)")
		}
		// A URI with ',', '?' or ';' must be in < > (RFC 3261 §20.10);
		// outside < > a ';' starts header parameters, so only '?' and
		// ',' (in From/To) are sure defects.
		if bytes.IndexByte(h.value, '<') < 0 {
			uri := h.value
			if j := bytes.IndexByte(uri, ';'); j >= 0 {
				uri = uri[:j]
			}
			if hasURIHeaders(uri) {
				add(string(h.name) + " URI with '?' not enclosed in < > (RFC 3261 §20.10)")
			}
		}
	}
	return reasons
}

func isSIPURI[T ~string | ~[]byte](u T) bool {
	return len(u) > 4 && (string(u[:4]) == "sip:" || string(u[:4]) == "SIP:" ||
		len(u) > 5 && (string(u[:5]) == "sips:" || string(u[:5]) == "SIPS:"))
}

// quotesBalanced reports whether every quoted-string in v is closed
// (quoted-pair "\\x" inside quotes escapes x, RFC 3261 §25.1).
func quotesBalanced(v []byte) bool {
	in := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if in {
				i++
			}
		case '"':
			in = !in
		}
	}
	return !in
}

func tokensOnly(b []byte) bool {
	for _, c := range b {
		if !isTokenChar(c) && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// hasURIHeaders reports whether a SIP URI has "?headers" (RFC 3261 §19.1.1).
// A '?' may appear in the user part (user-unreserved), so only the part
// after the last '@' is searched.
func hasURIHeaders[T ~string | ~[]byte](uri T) bool {
	for i := len(uri) - 1; i >= 0; i-- {
		switch uri[i] {
		case '?':
			return true
		case '@':
			return false
		}
	}
	return false
}

// addrURI returns the URI of a name-addr or addr-spec value: inside < >,
// or up to the first ';'.
func addrURI(v []byte) []byte {
	if lt := bytes.IndexByte(v, '<'); lt >= 0 {
		v = v[lt+1:]
		if gt := bytes.IndexByte(v, '>'); gt >= 0 {
			v = v[:gt]
		}
	} else if i := bytes.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return bytes.TrimSpace(v)
}

// unbracketedIPv6 reports whether the hostport of a sip/sips URI holds two
// or more ':' outside "[ ]": an IPv6 address written without brackets.
func unbracketedIPv6[T ~string | ~[]byte](uri T) bool {
	hp := uri
	for i := 0; i < len(hp); i++ { // drop the scheme
		if hp[i] == ':' {
			hp = hp[i+1:]
			break
		}
	}
	for i := len(hp) - 1; i >= 0; i-- {
		if hp[i] == '@' {
			hp = hp[i+1:]
			break
		}
	}
	colons := 0
	for i := 0; i < len(hp); i++ {
		switch hp[i] {
		case ';', '?', '>':
			return colons >= 2 && hp[0] != '['
		case ':':
			colons++
		}
	}
	return colons >= 2 && hp[0] != '['
}

// emptyElement reports whether v has a ';' or ',' separator with nothing
// but white space before it or after the last one (outside quotes and
// < >).
func emptyElement(v []byte) bool {
	inQuote, inAngle, content := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inQuote:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote, content = true, true
		case c == '<':
			inAngle, content = true, true
		case c == '>':
			inAngle = false
		case inAngle:
		case c == ';' || c == ',':
			if !content {
				return true
			}
			content = false
		case c != ' ' && c != '\t':
			content = true
		}
	}
	return !content
}
