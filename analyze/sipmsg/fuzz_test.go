package sipmsg

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no panic; a parsed message has a non-empty Summary; Malformed
// wraps ErrMalformed; the only error is ErrNotSIP. Seeded with the RFC 4475
// torture messages and the byte-literal test messages.
func FuzzParse(f *testing.F) {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sip-torture", "*", "*.dat"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(inviteSDP)
	f.Add([]byte("SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"a\\\"\r\n\r\n"))
	f.Add([]byte("BYE sip:a@b SIP/2.0\nv: SIP/2.0/UDP [::1]:5060\n\n"))
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nContent-Type: multipart/mixed;boundary=x\r\n\r\n--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrNotSIP) || m != nil {
				t.Fatalf("Parse = %v, %v", m, err)
			}
			if LooksLikeSIP(b) {
				t.Fatal("ErrNotSIP for bytes LooksLikeSIP accepts")
			}
			return
		}
		if m.Summary() == "" {
			t.Fatal("empty Summary")
		}
		if m.Malformed != nil && !errors.Is(m.Malformed, ErrMalformed) {
			t.Fatalf("Malformed %v does not wrap ErrMalformed", m.Malformed)
		}
		if len(m.ContactExpires) != len(m.Contact) {
			t.Fatalf("%d Contact, %d ContactExpires", len(m.Contact), len(m.ContactExpires))
		}
		_ = m.IsSDP()
	})
}
