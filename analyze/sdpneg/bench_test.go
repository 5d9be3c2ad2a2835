package sdpneg

import "testing"

func BenchmarkParse(b *testing.B) {
	body := crlf(rfc4317AV1Offer)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTolerant(b *testing.B) {
	body := append(crlf(rfc4317AV1Offer), "y=unknown\r\n"...)
	b.ReportAllocs()
	for b.Loop() {
		if s, _ := Parse(body); s == nil {
			b.Fatal("no session")
		}
	}
}
