package synth

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// isRTPPort says whether a datagram belongs to media: synth puts RTP on
// even ports from 10000 and RTCP on the next odd one.
func isMedia(r record) bool { return r.Src.Port() >= 10000 && r.Dst.Port() >= 10000 }
func isRTP(r record) bool   { return isMedia(r) && r.Src.Port()%2 == 0 }
func isRTCP(r record) bool  { return isMedia(r) && r.Src.Port()%2 == 1 }

type flow struct{ src, dst netip.AddrPort }

type rtpRec struct {
	h       rtp.Header
	payload []byte
	at      time.Time
}

// streams groups the RTP of a capture by direction, in arrival order.
func streams(t *testing.T, recs []record) map[flow][]rtpRec {
	t.Helper()
	out := map[flow][]rtpRec{}
	for _, r := range recs {
		if !isRTP(r) {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(r.Payload); err != nil {
			t.Fatalf("frame %d: rtp: %v", r.Frame, err)
		}
		k := flow{r.Src, r.Dst}
		out[k] = append(out[k], rtpRec{h: p.Header, payload: p.Payload, at: r.Time})
	}
	return out
}

// jitterMs is the RFC 3550 §6.4.1 interarrival jitter at the end of a
// stream, computed independently of the generator from arrival times and
// RTP timestamps, as Wireshark's RTP stream analysis does.
func jitterMs(pkts []rtpRec, clock float64) (last, mean float64) {
	var j, prev, sum float64
	n := 0
	for i, p := range pkts {
		transit := p.at.Sub(pkts[0].at).Seconds()*clock - float64(int32(p.h.Timestamp-pkts[0].h.Timestamp))
		if i > 0 {
			d := math.Abs(transit - prev)
			j += (d - j) / 16
			sum += j
			n++
		}
		prev = transit
	}
	if n == 0 {
		return 0, 0
	}
	return j / clock * 1000, sum / float64(n) / clock * 1000
}

// lossPct is lost/expected from sequence numbers (RFC 3550 §A.3).
func lossPct(pkts []rtpRec) float64 {
	var ext, base, max uint32
	var cycles uint32
	for i, p := range pkts {
		s := uint32(p.h.SequenceNumber)
		if i == 0 {
			base, max = s, s
			continue
		}
		if s < max&0xffff && max&0xffff-s > 0x8000 {
			cycles += 1 << 16
		}
		ext = cycles | s
		if ext > max {
			max = ext
		}
	}
	expected := float64(max - base + 1)
	return (expected - float64(len(pkts))) / expected * 100
}

// µ-law and A-law decoders (ITU-T G.711), independent of the encoders
// under test, following the reference tables.
func ulawDecode(u byte) int {
	u = ^u
	t := (int(u&0x0f)<<3 + 0x84) << (int(u&0x70) >> 4)
	if u&0x80 != 0 {
		return 0x84 - t
	}
	return t - 0x84
}

func alawDecode(a byte) int {
	a ^= 0x55
	t := int(a&0x0f) << 4
	seg := int(a&0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return t
	}
	return -t
}
