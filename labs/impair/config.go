package impair

import (
	"fmt"
	"math"
)

// DefaultReorderMs is the extra delay of a reordered packet when
// Config.ReorderMs is zero: more than one 20 ms packet interval, so the next
// packet of a typical voice stream overtakes it.
const DefaultReorderMs = 30

// Config describes the impairment of one packet stream. The zero value
// changes nothing. The field tags name the keys of a lab definition
// (snake_case, as Validate's messages do).
type Config struct {
	// LossPct is the Bernoulli loss probability in percent, 0 to 100.
	LossPct float64 `yaml:"loss_pct,omitempty" json:"loss_pct,omitempty"`
	// Burst, when not nil, replaces LossPct by Gilbert-Elliott bursty loss.
	Burst *GilbertElliott `yaml:"burst,omitempty" json:"burst,omitempty"`
	// DelayMs is a fixed one-way delay added to every packet, in ms.
	DelayMs float64 `yaml:"delay_ms,omitempty" json:"delay_ms,omitempty"`
	// JitterMs is the half-width of the uniform delay variation, in ms: each
	// packet's delay is DelayMs + U(-JitterMs, +JitterMs), at least 0.
	JitterMs float64 `yaml:"jitter_ms,omitempty" json:"jitter_ms,omitempty"`
	// ReorderPct is the percentage of packets held back by ReorderMs so that
	// later packets overtake them.
	ReorderPct float64 `yaml:"reorder_pct,omitempty" json:"reorder_pct,omitempty"`
	// ReorderMs is the extra delay of a held-back packet in ms; 0 means
	// DefaultReorderMs.
	ReorderMs float64 `yaml:"reorder_ms,omitempty" json:"reorder_ms,omitempty"`
	// Seed seeds the random streams: the same Seed gives the same pattern.
	Seed uint64 `yaml:"seed,omitempty" json:"seed,omitempty"`
}

// GilbertElliott is the two-state bursty loss model (Gilbert 1960, Elliott
// 1963): per packet, the chain moves from Good to Bad with probability P and
// from Bad to Good with probability R; a packet is lost with probability
// LossGood in Good and LossBad in Bad. All four are probabilities in [0, 1].
// Linux netem's "loss gemodel p r 1-h 1-k" takes the same four numbers in
// percent, in the order P, R, LossBad, LossGood.
type GilbertElliott struct {
	P        float64 `yaml:"p" json:"p"`
	R        float64 `yaml:"r" json:"r"`
	LossGood float64 `yaml:"loss_good,omitempty" json:"loss_good,omitempty"`
	LossBad  float64 `yaml:"loss_bad" json:"loss_bad"`
}

// Gilbert returns the simple Gilbert model for a target loss rate (0 ≤ loss
// < 1) and mean loss burst length in packets (≥ 1): LossGood = 0,
// LossBad = 1, R = 1/meanBurst and P = R·loss/(1-loss), so that
// P/(P+R) = loss. (Memoryless Bernoulli loss is the case P + R = 1, that is
// meanBurst = 1/(1-loss).) The rate must stay within what the burst length
// allows (P ≤ 1), which Config.Validate checks.
func Gilbert(loss, meanBurst float64) GilbertElliott {
	r := 1 / meanBurst
	return GilbertElliott{P: r * loss / (1 - loss), R: r, LossBad: 1}
}

// LossRate is the long-run loss probability: the stationary probabilities of
// the two states, R/(P+R) for Good and P/(P+R) for Bad, weighted by each
// state's loss probability.
func (g GilbertElliott) LossRate() float64 {
	if g.P+g.R == 0 {
		return g.LossGood // the chain never leaves Good, where it starts
	}
	bad := g.P / (g.P + g.R)
	return (1-bad)*g.LossGood + bad*g.LossBad
}

// MeanBurst is the mean number of consecutive packets spent in the Bad
// state, 1/R: with LossBad = 1 and LossGood = 0 it is the mean loss burst
// length.
func (g GilbertElliott) MeanBurst() float64 {
	return 1 / g.R
}

// rangeCheck is one value that Validate bounds to [0, max].
type rangeCheck struct {
	name   string
	v, max float64
}

// Validate reports the first out-of-range value, wrapping ErrConfig.
func (c Config) Validate() error {
	checks := []rangeCheck{
		{"loss_pct", c.LossPct, 100},
		{"delay_ms", c.DelayMs, math.MaxFloat64},
		{"jitter_ms", c.JitterMs, math.MaxFloat64},
		{"reorder_pct", c.ReorderPct, 100},
		{"reorder_ms", c.ReorderMs, math.MaxFloat64},
	}
	if g := c.Burst; g != nil {
		if c.LossPct != 0 {
			return fmt.Errorf("impair: loss_pct and burst both set: %w", ErrConfig)
		}
		checks = append(checks,
			rangeCheck{"burst.p", g.P, 1},
			rangeCheck{"burst.r", g.R, 1},
			rangeCheck{"burst.loss_good", g.LossGood, 1},
			rangeCheck{"burst.loss_bad", g.LossBad, 1},
		)
	}
	for _, ch := range checks {
		if math.IsNaN(ch.v) || ch.v < 0 || ch.v > ch.max {
			return fmt.Errorf("impair: %s = %v out of range [0, %v]: %w", ch.name, ch.v, ch.max, ErrConfig)
		}
	}
	return nil
}
