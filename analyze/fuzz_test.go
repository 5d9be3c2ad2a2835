package analyze_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
)

// FuzzDatagrams: no sequence of datagrams makes the analyser panic. The
// input is split into datagrams at 0xFF 0xFF; the first byte picks the
// transport and ports, so SIP, RTP and RTCP paths are all reached.
func FuzzDatagrams(f *testing.F) {
	for _, name := range []string{"valid/wsinv.dat", "invalid/badaspec.dat"} {
		if b, err := os.ReadFile(filepath.Join("..", "..", "shared", "corpus", "sip-torture", name)); err == nil {
			f.Add(append([]byte{0}, b...))
		}
	}
	f.Add([]byte("\x00INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Type: application/sdp\r\nContent-Length: 48\r\n\r\nv=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n\xff\xff\x01\x80\x00\x00\x01\x00\x00\x00\xa0\x12\x34\x56\x78\xd5\xd5"))
	f.Add([]byte("\x02\x81\xc8\x00\x06\x12\x34\x56\x78\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\xa0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		a := analyze.New(analyze.DefaultOptions())
		sel := data[0]
		frame := 0
		for _, p := range splitFF(data[1:]) {
			frame++
			src := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), []uint16{5060, 4000, 4001, 2944}[sel%4])
			dst := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), []uint16{5060, 4000, 4001, 2945}[(sel/4)%4])
			tr := capture.UDP
			if sel&0x10 != 0 {
				tr = capture.TCP
			}
			a.Datagram(&capture.Datagram{Frame: frame, Time: time.Unix(1e9, int64(frame)*20e6), Src: src, Dst: dst,
				Transport: tr, Payload: p, Truncated: sel&0x20 != 0})
		}
		r := a.Result()
		for _, f := range r.Findings {
			if f.Message == "" || f.Code == "" {
				t.Fatalf("empty finding %+v", f)
			}
		}
	})
}

func splitFF(b []byte) [][]byte {
	var out [][]byte
	for {
		i := -1
		for j := 0; j+1 < len(b); j++ {
			if b[j] == 0xff && b[j+1] == 0xff {
				i = j
				break
			}
		}
		if i < 0 {
			return append(out, b)
		}
		out = append(out, b[:i])
		b = b[i+2:]
	}
}
