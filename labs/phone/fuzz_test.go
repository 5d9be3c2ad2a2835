package phone

import (
	"testing"

	"github.com/pion/rtp"
)

// FuzzRemoteSDP: whatever SDP a peer answers, reading it never panics, and
// a codec it picks is one the phone can encode.
func FuzzRemoteSDP(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 1 1 IN IP4 127.0.0.12\r\ns=voiplab\r\nc=IN IP4 127.0.0.12\r\nt=0 0\r\nm=audio 16000 RTP/AVP 9 0 101\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"))
	f.Add([]byte("v=0\r\nc=IN IP4 192.168.1.50\r\nm=audio 0 RTP/AVP 8\r\n"))
	f.Add([]byte("m=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rm, err := parseRemote(b)
		if err != nil {
			return
		}
		audio, _, err := pick(rm.formats)
		if err == nil && newEncoder(audio.Name, 440) == nil {
			t.Fatalf("picked %q, which the phone cannot encode", audio.Name)
		}
	})
}

// FuzzReceiveEvent: any RTP payload on the event payload type is read
// without panic, and only RFC 4733 event codes 0-15 become digits.
func FuzzReceiveEvent(f *testing.F) {
	f.Add([]byte{1, 0x8a, 0x03, 0x20}, uint32(160))
	f.Add([]byte{11, 0x0a, 0x00, 0xa0}, uint32(0))
	f.Add([]byte{200, 0x80}, uint32(7))
	f.Fuzz(func(t *testing.T, payload []byte, ts uint32) {
		m := &media{}
		m.readEvent(&rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: payload})
		for _, r := range m.digits.String() {
			if !(r >= '0' && r <= '9' || r == '*' || r == '#' || r >= 'A' && r <= 'D') {
				t.Fatalf("digit %q", r)
			}
		}
	})
}
