package hep

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode: Decode never panics, and what it decodes survives an
// Encode/Decode round trip. Seeds: the sngrep fixtures and Encode's output.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.hep")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add(Encode(nil, &Packet{
		Src: mustAddrPort("[2001:db8::1]:5060"), Dst: mustAddrPort("[2001:db8::2]:5060"),
		ProtoType: ProtoRTCPJSON, Payload: []byte("{}"), CorrelationID: "c", AuthKey: "k",
	}))
	f.Add(build(chunk(0, 0x0c, 7, 0xd2), chunk(3, 1), chunk(0, 0x10, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if EncodedLen(p) > MaxLen || p.Time.Unix() > math.MaxUint32 {
			return // re-encoding would cut the payload or wrap the time
		}
		q, err := Decode(Encode(nil, p))
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		if q.Src != p.Src || q.Dst != p.Dst || q.Transport != p.Transport || q.IPProto != p.IPProto ||
			!q.Time.Equal(p.Time) || q.ProtoType != p.ProtoType || q.AgentID != p.AgentID ||
			!bytes.Equal(q.Payload, p.Payload) || q.CorrelationID != p.CorrelationID || q.AuthKey != p.AuthKey {
			t.Fatalf("round trip:\n got %+v\nwant %+v", q, p)
		}
	})
}
