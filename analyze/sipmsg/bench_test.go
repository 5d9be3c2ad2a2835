package sipmsg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func BenchmarkParseInvite(b *testing.B) {
	b.SetBytes(int64(len(inviteSDP)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(inviteSDP)
		if err != nil || m.Malformed != nil {
			b.Fatal(err, m.Malformed)
		}
	}
}

// BenchmarkParseFallback measures a message that sipgo refuses (LF-only).
func BenchmarkParseFallback(b *testing.B) {
	msg := []byte("BYE sip:200@10.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKlf\n" +
		"From: <sip:201@lab.local>;tag=b\nTo: <sip:200@lab.local>;tag=a\nCall-ID: lf-1\n" +
		"CSeq: 3 BYE\nContent-Length: 0\n\n")
	b.ReportAllocs()
	for b.Loop() {
		if m, _ := Parse(msg); m.Malformed == nil {
			b.Fatal("not flagged")
		}
	}
}

func BenchmarkParseTortureWsinv(b *testing.B) {
	path := filepath.Join(corpusDir(b), "sip-torture", "valid", "wsinv.dat")
	msg, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Parse(msg)
	}
}

func BenchmarkLooksLikeSIP(b *testing.B) {
	rtp := []byte("\x80\x08\x00\x01\x00\x00\x00\xa0\x12\x34\x56\x78")
	b.ReportAllocs()
	for b.Loop() {
		if !LooksLikeSIP(inviteSDP) || LooksLikeSIP(rtp) {
			b.Fatal("wrong")
		}
	}
}

// TestLooksLikeSIPNoAlloc keeps the pre-check allocation-free.
func TestLooksLikeSIPNoAlloc(t *testing.T) {
	resp := []byte("SIP/2.0 200 OK\r\n")
	if n := testing.AllocsPerRun(100, func() {
		LooksLikeSIP(inviteSDP)
		LooksLikeSIP(resp)
	}); n != 0 {
		t.Fatalf("LooksLikeSIP allocates %v times", n)
	}
}

// BenchmarkSipgoOnly is the reference: sipgo's parser alone on the same
// message.
func BenchmarkSipgoOnly(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sip.ParseMessage(inviteSDP); err != nil {
			b.Fatal(err)
		}
	}
}
