package rtpstats_test

import (
	"fmt"
	"time"

	"voiplab/analyze/rtpstats"
)

// A PCMA stream of five 20 ms packets, one lost, one arriving 5 ms late.
func Example() {
	var s rtpstats.Stream
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock, _ := rtpstats.ClockRate(8, "", 0)
	for i, arrMs := range []int{0, 20, 45, 60, 80} {
		seq := uint16(1000 + i)
		if i >= 2 {
			seq++ // packet 1002 is lost
		}
		s.Add(rtpstats.Packet{
			Arrival:     start.Add(time.Duration(arrMs) * time.Millisecond),
			Seq:         seq,
			Timestamp:   uint32(160 * int(seq-1000)),
			PayloadType: 8,
			ClockRate:   clock,
		})
	}
	st := s.Stats()
	fmt.Printf("packets %d, lost %d (%.1f%%), max delta %.3f ms, max jitter %.3f ms\n",
		st.Packets, st.Lost, st.LostPct, st.MaxDeltaMs, st.MaxJitterMs)
	r, mos := rtpstats.EModel(rtpstats.EModelInput{Ie: 0, Bpl: 4.3, LossPct: st.LostPct, BurstR: st.LossBurstRatio})
	fmt.Printf("R %.1f, MOS %.2f\n", r, mos)
	// By hand: expected 1005 − 1000 + 1 = 6, lost 1. Jitter (RFC 3550
	// §6.4.1): |D| = 0, 15, 5, 0 → J = 0, 0.9375, 1.19140625, 1.1169.
	// BurstR = 1/(1/5 + 1/1) = 0.8333; Ie,eff = 95·16.667/(16.667/0.8333 +
	// 4.3) = 65.16; R = 93.2 − 65.16 = 28.04; MOS = 1 + 0.9815 − 0.4514 = 1.53.

	// Output:
	// packets 5, lost 1 (16.7%), max delta 25.000 ms, max jitter 1.191 ms
	// R 28.0, MOS 1.53
}
