package capture

import "bytes"

// Helpers to find SIP messages in a byte stream (RFC 3261 §7 and §18.3).

func skipCRLF(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

// lineOf returns the first line of b without its CRLF, and whether it is
// complete.
func lineOf(b []byte) ([]byte, bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, false
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), true
}

func firstLine(b []byte) []byte {
	l, _ := lineOf(b)
	return l
}

func indexCRLFCRLF(b []byte) int { return bytes.Index(b, []byte("\r\n\r\n")) }

// isTokenChar reports whether c may appear in a SIP token (RFC 3261 §25.1).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '!', '%', '*', '_', '+', '`', '\'', '~':
		return true
	}
	return false
}

// isSIPStart reports whether line is a SIP Status-Line ("SIP/2.0 200 OK",
// RFC 3261 §7.2) or Request-Line ("INVITE sip:bob@x SIP/2.0", §7.1).
func isSIPStart(line []byte) bool {
	if bytes.HasPrefix(line, []byte("SIP/2.0 ")) {
		return len(line) >= 11 && isDigit(line[8]) && isDigit(line[9]) && isDigit(line[10])
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !bytes.HasSuffix(line, []byte(" SIP/2.0")) || len(line) < sp+1+len(" SIP/2.0")+1 {
		return false
	}
	for _, c := range line[:sp] {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isHTTPStart reports whether line is an HTTP/1.x request or status line.
func isHTTPStart(line []byte) bool {
	if bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return true
	}
	return bytes.HasSuffix(line, []byte(" HTTP/1.1")) || bytes.HasSuffix(line, []byte(" HTTP/1.0"))
}

// findSIPStart returns the offset of the first line after the first one
// that is a SIP start line, or -1.
func findSIPStart(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		if l, ok := lineOf(b[i:]); ok && isSIPStart(l) {
			return i
		}
	}
}

// lastLineStart returns the offset just after the last LF, or 0.
func lastLineStart(b []byte) int {
	return bytes.LastIndexByte(b, '\n') + 1
}

// headerLines calls f with the name and value of each header line of a
// message head (start line excluded); folded lines are seen as values of
// their own and ignored by callers.
func headerLines(head []byte, f func(name, value []byte) bool) {
	_, rest, _ := bytes.Cut(head, []byte("\n"))
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		name, value, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\r")), []byte(":"))
		if !ok {
			continue
		}
		if !f(bytes.TrimSpace(name), bytes.TrimSpace(value)) {
			return
		}
	}
}

// contentLength returns the Content-Length (or compact "l") of a message
// head (RFC 3261 §20.14, §7.3.3), 0 when absent, -1 when invalid.
func contentLength(head []byte) int {
	n := 0
	headerLines(head, func(name, value []byte) bool {
		if !bytes.EqualFold(name, []byte("content-length")) && !bytes.EqualFold(name, []byte("l")) {
			return true
		}
		n = 0
		if len(value) == 0 || len(value) > 9 {
			n = -1
			return false
		}
		for _, c := range value {
			if !isDigit(c) {
				n = -1
				return false
			}
			n = n*10 + int(c-'0')
		}
		return false
	})
	return n
}

// headerHasToken reports whether a header named name has token among its
// comma-separated values (case-insensitive), e.g. "Upgrade: websocket".
func headerHasToken(head []byte, name, token string) bool {
	found := false
	headerLines(head, func(n, v []byte) bool {
		if !bytes.EqualFold(n, []byte(name)) {
			return true
		}
		for _, t := range bytes.Split(v, []byte(",")) {
			if bytes.EqualFold(bytes.TrimSpace(t), []byte(token)) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
