package rtpstats

import (
	"math"
	"testing"
)

func TestEModel(t *testing.T) {
	tests := []struct {
		name   string
		in     EModelInput
		r, mos float64
		tolR   float64
	}{
		// G.107 §7: all default values give R = 93.2; Annex B eq. B-4:
		// MOS = 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 1 + 3.262 + 0.14729 = 4.409.
		{"G.711 no loss", EModelInput{Ie: 0, Bpl: 4.3}, 93.2, 4.409, 0.01},
		// G.729A+VAD (G.113 Table I.3: Ie 11): R = 93.2 − 11 = 82.2,
		// MOS = 1 + 2.877 + 82.2·22.2·17.8·7e-6 = 4.104.
		{"G.729 no loss", EModelInput{Ie: 11, Bpl: 19}, 82.2, 4.104, 0.01},
		// G.711 without PLC, 1 % random loss: Ie,eff = 95·1/(1/1 + 4.3) =
		// 17.925; R = 75.275; MOS = 1 + 2.6346 + 75.275·15.275·24.725·7e-6 = 3.833.
		{"G.711 1% random loss", EModelInput{Ie: 0, Bpl: 4.3, LossPct: 1, BurstR: 1}, 75.275, 3.833, 0.01},
		// With PLC (Bpl 25.1), 2 % random loss: Ie,eff = 95·2/(2 + 25.1) = 7.011;
		// R = 86.189; MOS = 1 + 3.0166 + 86.189·26.189·13.811·7e-6 = 4.235.
		{"G.711 PLC 2% loss", EModelInput{Ie: 0, Bpl: 25.1, LossPct: 2, BurstR: 1}, 86.189, 4.235, 0.01},
		// Bursty loss hurts more: BurstR 2 → Ie,eff = 95·2/(1 + 25.1) = 7.280;
		// R = 85.920; MOS = 1 + 3.0072 + 85.92·25.92·14.08·7e-6 = 4.227.
		{"G.711 PLC 2% bursty", EModelInput{Ie: 0, Bpl: 25.1, LossPct: 2, BurstR: 2}, 85.920, 4.227, 0.01},
		// Ta = 140 + 60 = 200 ms: X = 1, Idd = 25·(2^(1/6) − 3·(1+3^-6)^(1/6) + 2)
		// = 25·(1.122462 − 3.000686 + 2) = 3.044; R = 90.156;
		// MOS = 1 + 3.1555 + 90.156·30.156·9.844·7e-6 = 4.343.
		{"delay 200 ms mouth-to-ear", EModelInput{Bpl: 4.3, DelayMs: 140}, 90.156, 4.343, 0.01},
		{"delay below 100 ms is free", EModelInput{Bpl: 4.3, DelayMs: 40}, 93.2, 4.409, 0.01},
		{"negative loss counts as none", EModelInput{Bpl: 4.3, LossPct: -50}, 93.2, 4.409, 0.01},
		{"total loss clamps at 0", EModelInput{Ie: 20, Bpl: 1, LossPct: 100}, 0, 1, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, mos := EModel(tt.in)
			if math.Abs(r-tt.r) > tt.tolR {
				t.Errorf("R = %.3f, want %.3f", r, tt.r)
			}
			if math.Abs(mos-tt.mos) > 0.01 {
				t.Errorf("MOS = %.3f, want %.3f", mos, tt.mos)
			}
		})
	}
}

func TestMOSFromR(t *testing.T) {
	// ITU-T G.109 Table 1 pairs R and MOS-CQE at the category limits,
	// rounded to two decimals: 90 → 4.34, 80 → 4.03, 70 → 3.60, 60 → 3.10,
	// 50 → 2.58 (eq. B-4 gives 4.024 at 80, hence the 0.01 tolerance).
	tests := []struct{ r, mos float64 }{
		{90, 4.34}, {80, 4.03}, {70, 3.60}, {60, 3.10}, {50, 2.58},
		{-5, 1}, {0, 1}, {100, 4.5}, {120, 4.5},
	}
	for _, tt := range tests {
		if got := MOSFromR(tt.r); math.Abs(got-tt.mos) > 0.01 {
			t.Errorf("MOSFromR(%v) = %.3f, want %.2f", tt.r, got, tt.mos)
		}
	}
}
