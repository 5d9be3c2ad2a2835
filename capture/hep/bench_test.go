package hep

import (
	"context"
	"os"
	"testing"
)

func benchPacket(b *testing.B) []byte {
	raw, err := os.ReadFile("testdata/sngrep_ipv4_udp_invite.hep")
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func BenchmarkEncode(b *testing.B) {
	p, err := Decode(benchPacket(b))
	if err != nil {
		b.Fatal(err)
	}
	p.CorrelationID = "1-16732@127.0.1.1"
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(p.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Encode(buf[:0], p)
	}
}

func BenchmarkDecode(b *testing.B) {
	raw := benchPacket(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendReceive: SIP messages through a Sender and a Listener on
// loopback, over UDP and TCP.
func BenchmarkSendReceive(b *testing.B) {
	p, err := Decode(benchPacket(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, proto := range []string{"udp", "tcp"} {
		b.Run(proto, func(b *testing.B) {
			l, err := Listen(context.Background(), "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			s, err := Dial(context.Background(), l.Addr().String(), proto, 1)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Send(p); err != nil {
					b.Fatal(err)
				}
				if _, err := l.Next(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
