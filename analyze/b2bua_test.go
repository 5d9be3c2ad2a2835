package analyze_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
)

// TestB2BUADirectMedia: a B2BUA (a PBX) passes each phone's SDP untouched
// into the other leg, and the phones send RTP to each other directly. The
// two legs have different Call-IDs; the audio of both directions belongs to
// both legs, so neither leg is one-way.
func TestB2BUADirectMedia(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.11:5060")
	pbx := netip.MustParseAddrPort("198.51.100.10:5060")
	b := netip.MustParseAddrPort("198.51.100.12:5060")
	mediaA := netip.MustParseAddrPort("198.51.100.11:40000")
	mediaB := netip.MustParseAddrPort("198.51.100.12:42000")
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	an := analyze.New(analyze.DefaultOptions())
	frame := 0
	send := func(at time.Duration, src, dst netip.AddrPort, payload []byte) {
		frame++
		an.Datagram(&capture.Datagram{Frame: frame, Time: t0.Add(at), Src: src, Dst: dst, Transport: capture.UDP, Payload: payload})
	}
	sdp := func(m netip.AddrPort) string {
		return fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", m.Addr(), m.Addr(), m.Port())
	}
	msg := func(first, callID, fromTag, toTag string, cseq string, body string) []byte {
		to := "<sip:202@lab.local>"
		if toTag != "" {
			to += ";tag=" + toTag
		}
		s := first + "\r\nVia: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK" + callID + cseq[:1] + "\r\nFrom: <sip:201@lab.local>;tag=" + fromTag +
			"\r\nTo: " + to + "\r\nCall-ID: " + callID + "\r\nCSeq: " + cseq + "\r\nMax-Forwards: 70\r\n"
		if body != "" {
			s += "Content-Type: application/sdp\r\n"
		}
		return []byte(s + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
	}
	send(0, a, pbx, msg("INVITE sip:202@lab.local SIP/2.0", "leg1", "a1", "", "1 INVITE", sdp(mediaA)))
	send(10*time.Millisecond, pbx, b, msg("INVITE sip:202@198.51.100.12 SIP/2.0", "leg2", "p1", "", "1 INVITE", sdp(mediaA)))
	send(500*time.Millisecond, b, pbx, msg("SIP/2.0 200 OK", "leg2", "p1", "b1", "1 INVITE", sdp(mediaB)))
	send(510*time.Millisecond, pbx, a, msg("SIP/2.0 200 OK", "leg1", "a1", "p2", "1 INVITE", sdp(mediaB)))
	send(520*time.Millisecond, a, pbx, msg("ACK sip:202@lab.local SIP/2.0", "leg1", "a1", "p2", "1 ACK", ""))
	send(530*time.Millisecond, pbx, b, msg("ACK sip:202@198.51.100.12 SIP/2.0", "leg2", "p1", "b1", "1 ACK", ""))
	for i := range 100 {
		at := 600*time.Millisecond + time.Duration(i)*20*time.Millisecond
		rtpPkt := func(ssrc uint32) []byte {
			p := make([]byte, 12+160)
			p[0], p[1] = 0x80, 0
			p[2], p[3] = byte(i>>8), byte(i)
			ts := uint32(i * 160)
			p[4], p[5], p[6], p[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
			p[8], p[9], p[10], p[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
			return p
		}
		send(at, mediaA, mediaB, rtpPkt(0x1111))
		send(at+time.Millisecond, mediaB, mediaA, rtpPkt(0x2222))
	}
	send(3*time.Second, a, pbx, msg("BYE sip:202@lab.local SIP/2.0", "leg1", "a1", "p2", "2 BYE", ""))
	send(3010*time.Millisecond, pbx, b, msg("BYE sip:202@198.51.100.12 SIP/2.0", "leg2", "p1", "b1", "2 BYE", ""))
	send(3020*time.Millisecond, b, pbx, msg("SIP/2.0 200 OK", "leg2", "p1", "b1", "2 BYE", ""))
	send(3030*time.Millisecond, pbx, a, msg("SIP/2.0 200 OK", "leg1", "a1", "p2", "2 BYE", ""))
	r := an.Result()
	if len(r.Calls) != 2 || len(r.Streams) != 2 {
		t.Fatalf("%d calls, %d streams; want 2 legs and 2 streams", len(r.Calls), len(r.Streams))
	}
	for _, c := range r.Calls {
		if c.State != analyze.StateCompleted || len(c.Streams) != 2 {
			t.Errorf("leg %s: %s with streams %v, want completed with both streams", c.CallID, c.State, c.Streams)
		}
		for _, code := range []string{analyze.CodeOneWayAudio, analyze.CodeRTPAddressMismatch, analyze.CodeNoRTP} {
			if slices.Contains(codes(c.Findings), code) {
				t.Errorf("leg %s: false %s: %v", c.CallID, code, c.Findings)
			}
		}
	}
}

// TestSharedMediaPorts: two overlapping calls between the same two hosts
// on the same media ports (as one SIPp instance makes them), each with its
// own SSRCs, keep their own streams: they are not the legs of a B2BUA.
func TestSharedMediaPorts(t *testing.T) {
	uac := netip.MustParseAddrPort("127.0.0.1:31000")
	uas := netip.MustParseAddrPort("127.0.0.1:5080")
	mUAC := netip.MustParseAddrPort("127.0.0.1:42000")
	mUAS := netip.MustParseAddrPort("127.0.0.1:25080")
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	an := analyze.New(analyze.DefaultOptions())
	frame := 0
	send := func(at time.Duration, src, dst netip.AddrPort, payload []byte) {
		frame++
		an.Datagram(&capture.Datagram{Frame: frame, Time: t0.Add(at), Src: src, Dst: dst, Transport: capture.UDP, Payload: payload})
	}
	sdp := func(m netip.AddrPort) string {
		return fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n", m.Addr(), m.Addr(), m.Port())
	}
	msg := func(first, callID, toTag, cseq, body string) []byte {
		to := "<sip:299@127.0.0.1>"
		if toTag != "" {
			to += ";tag=" + toTag
		}
		s := first + "\r\nVia: SIP/2.0/UDP 127.0.0.1:31000;branch=z9hG4bK" + callID + cseq[:1] + "\r\nFrom: <sip:200@127.0.0.1>;tag=f" + callID +
			"\r\nTo: " + to + "\r\nCall-ID: " + callID + "\r\nCSeq: " + cseq + "\r\n"
		if body != "" {
			s += "Content-Type: application/sdp\r\n"
		}
		return []byte(s + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
	}
	rtpPkt := func(i int, ssrc uint32) []byte {
		p := make([]byte, 12+160)
		p[0], p[2], p[3] = 0x80, byte(i>>8), byte(i)
		ts := uint32(i * 160)
		p[4], p[5], p[6], p[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		p[8], p[9], p[10], p[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
		return p
	}
	for k, id := range []string{"c1", "c2"} {
		start := time.Duration(k) * time.Second
		send(start, uac, uas, msg("INVITE sip:299@127.0.0.1 SIP/2.0", id, "", "1 INVITE", sdp(mUAC)))
		send(start+10*time.Millisecond, uas, uac, msg("SIP/2.0 200 OK", id, "u"+id, "1 INVITE", sdp(mUAS)))
		send(start+20*time.Millisecond, uac, uas, msg("ACK sip:299@127.0.0.1 SIP/2.0", id, "u"+id, "1 ACK", ""))
	}
	for i := range 150 { // both calls' media interleaved after both answers... and call 1's from the start
		at := 30*time.Millisecond + time.Duration(i)*20*time.Millisecond
		send(at, mUAC, mUAS, rtpPkt(i, 0xA1))
		send(at, mUAS, mUAC, rtpPkt(i, 0xB1))
		if at > 1100*time.Millisecond {
			send(at, mUAC, mUAS, rtpPkt(i, 0xA2))
			send(at, mUAS, mUAC, rtpPkt(i, 0xB2))
		}
	}
	r := an.Result()
	total := 0
	for _, c := range r.Calls {
		total += len(c.Streams)
	}
	if len(r.Streams) != 4 || total != 4 {
		t.Errorf("%d streams, %d stream memberships over %d calls: each stream must belong to one call", len(r.Streams), total, len(r.Calls))
	}
}
