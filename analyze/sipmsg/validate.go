package sipmsg

import (
	"bytes"
	"strconv"
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
	if m.Request && isSIPURI(m.RequestURI) && hasURIHeaders([]byte(m.RequestURI)) {
		add("Request-URI carries headers after '?' (RFC 3261 §19.1.1)")
	}

	for i := range r.headers {
		h := &r.headers[i]
		switch h.canon {
		case "from", "to", "contact", "route", "record-route":
		default:
			continue
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

func isSIPURI(u string) bool {
	return len(u) > 4 && (u[:4] == "sip:" || u[:4] == "SIP:" || len(u) > 5 && (u[:5] == "sips:" || u[:5] == "SIPS:"))
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
func hasURIHeaders(uri []byte) bool {
	if i := bytes.LastIndexByte(uri, '@'); i >= 0 {
		uri = uri[i+1:]
	}
	return bytes.IndexByte(uri, '?') >= 0
}
