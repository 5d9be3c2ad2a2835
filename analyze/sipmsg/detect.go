package sipmsg

// maxStartLine bounds the scan for the end of the first line.
const maxStartLine = 4096

// LooksLikeSIP is a fast pre-check on the first line of b: a request line
// "METHOD uri SIP/x.y" or a status line "SIP/x.y NNN". It is deliberately
// a little lenient (extra spaces, any version, any status digits) so that
// such defects reach Parse and are explained; it does not allocate.
func LooksLikeSIP(b []byte) bool {
	// A start line begins with a method token or "SIP/": RTP (0x80...),
	// RTCP and most binary payloads are refused on their first octet,
	// before the line is searched for its end.
	if len(b) < 8 || !isTokenChar(b[0]) {
		return false
	}
	line := firstLine(b)
	if len(line) < 8 {
		return false
	}
	// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
	if n := versionLen(line); n > 0 {
		rest := line[n:]
		if len(rest) < 4 || rest[0] != ' ' {
			return false
		}
		return isDigit(rest[1]) && isDigit(rest[2]) && isDigit(rest[3])
	}
	// Request-Line = Method SP Request-URI SP SIP-Version CRLF (RFC 3261 §7.1)
	i := 0
	for i < len(line) && isTokenChar(line[i]) {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != ' ' {
		return false
	}
	end := len(line)
	for end > i && line[end-1] == ' ' {
		end--
	}
	// The line ends in " SIP/x.y".
	j := end - 1
	for j > i && isDigit(line[j]) {
		j--
	}
	if j == end-1 || line[j] != '.' {
		return false
	}
	j--
	k := j
	for k > i && isDigit(line[k]) {
		k--
	}
	if k == j || k < i+5 {
		return false
	}
	return line[k] == '/' && line[k-1] == 'P' && line[k-2] == 'I' && line[k-3] == 'S' && line[k-4] == ' '
}

// firstLine returns b up to the first CR or LF (at most maxStartLine bytes).
func firstLine(b []byte) []byte {
	if len(b) > maxStartLine {
		b = b[:maxStartLine]
	}
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return b[:i]
		}
	}
	return b
}

// versionLen returns the length of a leading "SIP/digits.digits", or 0.
func versionLen(b []byte) int {
	if len(b) < 7 || b[0] != 'S' || b[1] != 'I' || b[2] != 'P' || b[3] != '/' {
		return 0
	}
	i := 4
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	if i == 4 || i >= len(b) || b[i] != '.' {
		return 0
	}
	i++
	j := i
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j == i {
		return 0
	}
	return j
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isTokenChar: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" /
// "+" / "`" / "'" / "~") (RFC 3261 §25.1).
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
