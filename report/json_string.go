package report

import (
	"math/bits"
	"unicode/utf8"
)

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
		i = nextSpecial(s, i)
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

// nextSpecial returns the index of the first byte of s from i on that is
// not plain (see jsonPlain), or len(s).
//
// It looks at eight bytes at a time: most of a SIP message is printable
// ASCII, and a byte at a time was a quarter of the time of WriteJSON. The
// tests are the classic SWAR ones (Anderson, "Bit Twiddling Hacks": a word
// with a byte less than n, with a zero byte). A borrow can flag a byte
// after a true hit, never one before it, so the lowest flagged byte is the
// first one that needs attention. The last partial word is read as the last
// eight bytes of s, with the bytes before i (already seen, and perhaps
// special) replaced by plain ones so that they flag and borrow nothing.
func nextSpecial(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := specialBytes(load8(s[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i == len(s) {
		return i
	}
	if len(s) >= 8 {
		j := len(s) - 8
		seen := uint64(1)<<((i-j)*8) - 1
		if m := specialBytes(load8(s[j:])&^seen | 'a'*ones&seen); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
		return len(s)
	}
	for i < len(s) && jsonPlain[s[i]] {
		i++
	}
	return i
}

// load8 reads the eight bytes of w as a little-endian word (one load).
func load8(w string) uint64 {
	return uint64(w[7])<<56 | uint64(w[6])<<48 | uint64(w[5])<<40 | uint64(w[4])<<32 |
		uint64(w[3])<<24 | uint64(w[2])<<16 | uint64(w[1])<<8 | uint64(w[0])
}

// specialBytes flags, in bit 7 of each byte of the result, the bytes of x
// that are not plain: below 0x20, '"', '\\' or above 0x7f.
func specialBytes(x uint64) uint64 {
	quote, backslash := x^('"'*ones), x^('\\'*ones)
	less := (x - 0x20*ones) &^ x          // a byte < 0x20
	q := (quote - ones) &^ quote          // a byte == '"'
	bs := (backslash - ones) &^ backslash // a byte == '\\'
	return (less | q | bs | x) & highs    // or a byte >= 0x80
}
