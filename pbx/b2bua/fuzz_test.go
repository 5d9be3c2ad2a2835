package b2bua_test

import (
	"net/netip"
	"testing"

	"voiplab/analyze/sdpneg"
	"voiplab/pbx/b2bua"
)

// FuzzRewriteSDP: the relay rewrite never panics, and a body that parsed
// still parses afterwards with as many m= lines, the first audio one on
// the relay's address.
func FuzzRewriteSDP(f *testing.F) {
	relayAddr := netip.MustParseAddrPort("10.0.0.1:20000")
	f.Add([]byte(sdpBody(netip.MustParseAddrPort("192.168.1.5:4000"), []int{0, 8, 101}, "sendrecv")))
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\nm=audio 5000 RTP/AVP 8\r\nc=IN IP4 0.0.0.0\r\na=rtcp:5001\r\n"))
	f.Add([]byte("m=\nm=audio\nc="))
	f.Fuzz(func(t *testing.T, body []byte) {
		out := b2bua.RewriteSDPForTest(body, relayAddr, []int{8, 101})
		in, err := sdpneg.Parse(body)
		if err != nil || in == nil {
			return
		}
		got, err := sdpneg.Parse(out)
		if err != nil || got == nil {
			t.Fatalf("rewrite broke a valid body: %v\n%q\n%q", err, body, out)
		}
		if len(got.Media) != len(in.Media) {
			t.Fatalf("%d m= lines became %d", len(in.Media), len(got.Media))
		}
	})
}
