package report

import "unicode/utf8"

// jsonPlain marks the bytes that appendString copies as they are: printable
// ASCII except " and \. Control characters, quotes, backslashes and every
// byte of a multi-byte sequence take the slow path.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const jsonHex = "0123456789abcdef"

// ones and highs are the byte masks of the word-at-a-time scan.
const ones, highs = 0x0101010101010101, 0x8080808080808080

// appendString appends s as a JSON string exactly as encoding/json does
// without HTML escaping (its appendString with escapeHTML false): \b \f \n
// \r \t and \" \\ escaped short, other control characters as \u00XX, U+2028
// and U+2029 as \u2028 and \u2029 (JSONP), each byte of invalid UTF-8 as
// \ufffd. <, > and & stay readable (SIP URIs are full of them).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs attention: most of a SIP
		// message is printable ASCII, and a byte at a time was a quarter of
		// the time of WriteJSON. These are the classic SWAR tests (Anderson,
		// "Bit Twiddling Hacks": a word with a byte less than n, with a zero
		// byte), which may flag a byte after a true hit but never flag a word
		// without one; the byte loop below then finds the exact byte.
		for ; i+8 <= len(s); i += 8 {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			quote, backslash := x^('"'*ones), x^('\\'*ones)
			less := (x - 0x20*ones) &^ x          // a byte < 0x20
			q := (quote - ones) &^ quote          // a byte == '"'
			bs := (backslash - ones) &^ backslash // a byte == '\\'
			if (less|q|bs|x)&highs != 0 {         // or a byte >= 0x80
				break
			}
		}
		for i < len(s) && jsonPlain[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
