package rtpstats

import "math"

// EModelInput are the inputs of the simplified ITU-T G.107 E-model.
type EModelInput struct {
	// Ie is the codec's equipment impairment factor and Bpl its packet-loss
	// robustness factor (ITU-T G.113 Appendix I; see codec.Info).
	Ie, Bpl float64
	// LossPct is the packet-loss probability Ppl in percent (0-100);
	// negative values (Wireshark's negative loss) count as 0.
	LossPct float64
	// BurstR is the burst ratio (1 = random loss, see Stats.LossBurstRatio);
	// values ≤ 0 count as 1.
	BurstR float64
	// DelayMs is the one-way network delay in ms, 0 when unknown. EModel adds
	// DelayAllowanceMs to it to get the mouth-to-ear delay Ta.
	DelayMs float64
}

const (
	// DefaultR is R with every G.107 (06/2015) Table 1 default value: Ro −
	// Is − Id at T = Ta = 0 = 94.77 − 1.41 − 0.15 = 93.2 (§7.1).
	DefaultR = 93.2
	// DelayAllowanceMs is the delay EModel adds to the network delay for
	// the end points: 20 ms packetisation, 40 ms jitter buffer. Below
	// Ta = 100 ms delay costs nothing in G.107 (Idd = 0), so this allowance
	// only matters once the network delay exceeds 40 ms.
	DelayAllowanceMs = 60
)

// EModel returns the transmission rating R and the MOS estimate (MOS-CQE)
// of ITU-T G.107 (06/2015), simplified for VoIP with default values:
//
//	R = Ro − Is − Id − Ie,eff + A  (§7.1, eq. 7-1)
//
// where Ro − Is and the talker-echo and listener-echo parts of Id keep their
// default values (DefaultR = 93.2: with TELR = 65 dB the echo terms barely
// move with delay), Id grows with the mouth-to-ear delay through Idd
// (§7.3, eq. 7-28), A = 0 (wired access), and
//
//	Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl)  (§7.4, eq. 7-29).
//
// R is clamped to [0, 100]; MOS comes from R by Annex B (eq. B-4).
func EModel(in EModelInput) (r, mos float64) {
	ppl := min(max(in.LossPct, 0), 100)
	burst := in.BurstR
	if burst <= 0 {
		burst = 1
	}
	bpl := in.Bpl
	if bpl <= 0 {
		bpl = 1 // G.107 Table 1 default
	}
	ieEff := in.Ie
	if ppl > 0 {
		ieEff = in.Ie + (95-in.Ie)*ppl/(ppl/burst+bpl)
	}
	r = DefaultR - idd(in.DelayMs+DelayAllowanceMs) - ieEff
	r = min(max(r, 0), 100)
	return r, MOSFromR(r)
}

// idd is the impairment of an absolute delay Ta in ms, ITU-T G.107 §7.3
// eq. 7-28: 0 up to 100 ms, then with X = log2(Ta/100):
// Idd = 25·((1+X⁶)^(1/6) − 3·(1+(X/3)⁶)^(1/6) + 2).
func idd(ta float64) float64 {
	if ta <= 100 {
		return 0
	}
	x := math.Log2(ta / 100)
	return 25 * (math.Pow(1+math.Pow(x, 6), 1.0/6) - 3*math.Pow(1+math.Pow(x/3, 6), 1.0/6) + 2)
}

// MOSFromR converts a rating R to the estimated MOS (MOS-CQE), ITU-T G.107
// Annex B eq. B-4: 1 below R = 0, 4.5 above 100, else
// 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶.
func MOSFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return 1 + 0.035*r + r*(r-60)*(100-r)*7e-6
}
