package sipmsg

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestParserReuseEqualsParse parses every RFC 4475 torture message (valid
// and invalid: long header lists, lines without a colon, LF-only, folded
// headers) twice over with one Parser and checks each Message equals what a
// fresh Parse gives: nothing of one message leaks into the next.
func TestParserReuseEqualsParse(t *testing.T) {
	var msgs [][]byte
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join(corpusDir(t), "sip-torture", dir, "*.dat"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, b)
		}
	}
	if len(msgs) < 40 {
		t.Fatalf("%d torture messages, want the 49 of RFC 4475", len(msgs))
	}
	msgs = append(msgs, inviteSDP)
	var p Parser
	for round := range 2 {
		for i, b := range msgs {
			want, werr := Parse(b)
			got, gerr := p.Parse(b)
			if werr != gerr || !reflect.DeepEqual(want, got) {
				t.Fatalf("round %d message %d: reused Parser differs from Parse", round, i)
			}
		}
	}
}

func BenchmarkParserInvite(b *testing.B) {
	var p Parser
	b.SetBytes(int64(len(inviteSDP)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := p.Parse(inviteSDP)
		if err != nil || m.Malformed != nil {
			b.Fatal(err, m.Malformed)
		}
	}
}
