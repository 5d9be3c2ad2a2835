package sipmsg

import (
	"bytes"
)

// The raw scanner is written by hand because sipgo refuses the whole
// message on the first defect and gives no access to the lines it read; the
// analyser needs every line of a defective message, and the checks of
// validate.go need the header lines exactly as written.

// rawHeader is one header line, unfolded.
type rawHeader struct {
	name  []byte // as written
	canon string // canonical lower-case long name; "" when not one we use
	value []byte // trimmed; continuation lines joined with one SP
}

// rawMsg is a SIP message split into lines.
type rawMsg struct {
	start     []byte
	headers   []rawHeader
	bodyStart int      // offset of the body; -1 when no empty line ends the headers
	lfOnly    bool     // some line ends with a bare LF
	noColon   [][]byte // header lines without a colon
	hbuf      [24]rawHeader
}

// canonNames maps a lower-case header name, long or compact (RFC 3261
// §7.3.3, §20), to the long form. Immutable lookup table.
var canonNames = map[string]string{
	"via": "via", "v": "via",
	"from": "from", "f": "from",
	"to": "to", "t": "to",
	"call-id": "call-id", "i": "call-id",
	"cseq":    "cseq",
	"contact": "contact", "m": "contact",
	"content-length": "content-length", "l": "content-length",
	"content-type": "content-type", "c": "content-type",
	"supported": "supported", "k": "supported",
	"subject": "subject", "s": "subject",
	"content-encoding": "content-encoding", "e": "content-encoding",
	"max-forwards":        "max-forwards",
	"expires":             "expires",
	"user-agent":          "user-agent",
	"server":              "server",
	"authorization":       "authorization",
	"proxy-authorization": "proxy-authorization",
	"www-authenticate":    "www-authenticate",
	"proxy-authenticate":  "proxy-authenticate",
	"warning":             "warning",
	"reason":              "reason",
	"require":             "require",
	"rseq":                "rseq",
	"rack":                "rack",
	"route":               "route",
	"record-route":        "record-route",
	"date":                "date",
}

func canonName(name []byte) string {
	var buf [24]byte
	if len(name) > len(buf) {
		return ""
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return canonNames[string(buf[:len(name)])]
}

// scan splits b into start line, headers and body. It accepts CRLF and bare
// LF line ends (and records the latter) and unfolds continuation lines
// (RFC 3261 §7.3.1).
// reset forgets the previous message, keeping the space of its lists (a
// Parser reuses one rawMsg).
func (r *rawMsg) reset() {
	r.start, r.lfOnly, r.bodyStart = nil, false, -1
	r.headers, r.noColon = r.headers[:0], r.noColon[:0]
}

func (r *rawMsg) scan(b []byte) {
	r.headers = r.hbuf[:0]
	r.bodyStart = -1
	pos := 0
	first := true
	for pos < len(b) {
		nl := bytes.IndexByte(b[pos:], '\n')
		var line []byte
		next := len(b)
		if nl >= 0 {
			line = b[pos : pos+nl]
			next = pos + nl + 1
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			} else {
				r.lfOnly = true
			}
		} else {
			line = b[pos:]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
		}
		pos = next
		if first {
			r.start = line
			first = false
			continue
		}
		if len(line) == 0 {
			if nl >= 0 {
				r.bodyStart = pos
			}
			return
		}
		if line[0] == ' ' || line[0] == '\t' {
			// Continuation of the previous header (LWS, RFC 3261 §7.3.1).
			if n := len(r.headers); n > 0 {
				h := &r.headers[n-1]
				cont := bytes.TrimSpace(line)
				joined := make([]byte, 0, len(h.value)+1+len(cont))
				joined = append(joined, h.value...)
				joined = append(joined, ' ')
				h.value = append(joined, cont...)
				continue
			}
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			r.noColon = append(r.noColon, line)
			continue
		}
		name := bytes.TrimSpace(line[:colon])
		r.headers = append(r.headers, rawHeader{
			name:  name,
			canon: canonName(name),
			value: bytes.TrimSpace(line[colon+1:]),
		})
	}
}

// get returns the first value of the canonical header name, or nil.
func (r *rawMsg) get(canon string) ([]byte, bool) {
	for i := range r.headers {
		if r.headers[i].canon == canon {
			return r.headers[i].value, true
		}
	}
	return nil, false
}

// count returns how many lines carry the canonical header name.
func (r *rawMsg) count(canon string) int {
	n := 0
	for i := range r.headers {
		if r.headers[i].canon == canon {
			n++
		}
	}
	return n
}

// startLine is the start line split into its parts.
type startLine struct {
	request bool
	method  string
	uri     string
	version string
	status  int
	statusS string // the status code as written
	reason  string
	issues  []string
}

// parseStartLine reads a request line or a status line (RFC 3261 §7.1,
// §7.2), leniently: several SP, trailing SP, a Request-URI in < > or with
// embedded spaces are read and reported as issues.
func parseStartLine(line []byte) startLine {
	var s startLine
	if n := versionLen(line); n > 0 && (n == len(line) || line[n] == ' ') {
		s.version = string(line[:n])
		rest := line[n:]
		if len(rest) > 0 {
			rest = rest[1:]
		}
		sp := bytes.IndexByte(rest, ' ')
		code := rest
		if sp >= 0 {
			code = rest[:sp]
			s.reason = string(rest[sp+1:])
		} else if len(rest) > 0 {
			s.issues = append(s.issues, "status line without a reason phrase (RFC 3261 §7.2)")
		}
		s.statusS = string(code)
		if len(code) != 3 || !allDigits(code) {
			s.issues = append(s.issues, "status code "+quoteShort(code)+" is not 3 digits (RFC 3261 §7.2)")
		}
		if v, ok := atoi(code); ok {
			s.status = v
		}
		if s.status < 100 || s.status > 699 {
			s.issues = append(s.issues, "status code "+quoteShort(code)+" outside 100-699 (RFC 3261 §7.2)")
		}
		return s
	}
	s.request = true
	// Fast path: exactly "Method SP Request-URI SP SIP-Version".
	if i := bytes.IndexByte(line, ' '); i > 0 {
		if j := bytes.IndexByte(line[i+1:], ' '); j > 0 && i+1+j+1 < len(line) &&
			bytes.IndexByte(line[i+1+j+1:], ' ') < 0 && line[i+1] != '<' {
			s.method, s.uri, s.version = string(line[:i]), string(line[i+1:i+1+j]), string(line[i+1+j+1:])
			return s
		}
	}
	fields := bytes.Fields(line)
	if len(fields) == 0 {
		return s
	}
	s.method = string(fields[0])
	if len(fields) >= 2 {
		s.version = string(fields[len(fields)-1])
	}
	if len(fields) >= 3 {
		uri := bytes.Join(fields[1:len(fields)-1], []byte(" "))
		if len(fields) > 3 {
			s.issues = append(s.issues, "space inside the Request-URI (RFC 3261 §7.1)")
		}
		if len(uri) >= 2 && uri[0] == '<' && uri[len(uri)-1] == '>' {
			s.issues = append(s.issues, "Request-URI enclosed in < > (RFC 3261 §7.1)")
			uri = uri[1 : len(uri)-1]
		}
		s.uri = string(uri)
	} else {
		s.issues = append(s.issues, "request line without Request-URI or version (RFC 3261 §7.1)")
	}
	if len(fields) == 3 && bytes.Count(line, []byte(" ")) != 2 {
		s.issues = append(s.issues, "request line elements not separated by single SP (RFC 3261 §7.1)")
	}
	return s
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return len(b) > 0
}

// atoi parses a decimal number up to 2^62; ok is false otherwise.
func atoi[T ~string | ~[]byte](b T) (int, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// quoteShort quotes b for a reason text, cut to 40 bytes.
func quoteShort(b []byte) string {
	const max = 40
	s := string(b)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return "\"" + s + "\""
}
