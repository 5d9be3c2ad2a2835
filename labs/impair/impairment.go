package impair

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Stream constants of the per-aspect PCG generators: each aspect draws from
// its own stream of the same Seed (see the package doc).
const (
	streamLoss    = 0x6c6f7373 // "loss"
	streamJitter  = 0x6a697474 // "jitt"
	streamReorder = 0x72656f72 // "reor"
)

// Impairment decides the fate of each packet of one stream. It is safe for
// concurrent use, but the pattern is only reproducible when packets are
// decided in a reproducible order.
type Impairment struct {
	cfg Config

	mu      sync.Mutex
	loss    *rand.Rand
	jitter  *rand.Rand
	reorder *rand.Rand
	bad     bool      // Gilbert-Elliott state: true in Bad
	last    time.Time // send time of the last in-order packet
	stats   Stats
}

// Stats counts the decisions taken so far.
type Stats struct {
	// Packets is the number of packets decided.
	Packets int
	// Dropped is the number of packets lost.
	Dropped int
	// Reordered is the number of packets held back (not dropped) so that
	// later packets may overtake them.
	Reordered int
}

// New returns the Impairment for cfg, or an error wrapping ErrConfig.
func New(cfg Config) (*Impairment, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ReorderMs == 0 {
		cfg.ReorderMs = DefaultReorderMs
	}
	return &Impairment{
		cfg:     cfg,
		loss:    rand.New(rand.NewPCG(cfg.Seed, streamLoss)),
		jitter:  rand.New(rand.NewPCG(cfg.Seed, streamJitter)),
		reorder: rand.New(rand.NewPCG(cfg.Seed, streamReorder)),
	}, nil
}

// Config returns the configuration in use (with ReorderMs defaulted).
func (i *Impairment) Config() Config { return i.cfg }

// Stats returns the counts so far.
func (i *Impairment) Stats() Stats {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.stats
}

// Decide takes the next packet, which would leave at now, and returns
// whether it is lost and, if not, when it should leave (never before now).
// Call it once per packet, in sending order.
func (i *Impairment) Decide(now time.Time) (drop bool, sendAt time.Time) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.stats.Packets++

	// Every stream draws the same number of values for every packet, so
	// that the i-th packet meets the same draws whatever the other
	// settings and outcomes.
	drop = i.lost()
	u := i.jitter.Float64()
	held := i.reorder.Float64()*100 < i.cfg.ReorderPct

	if drop {
		i.stats.Dropped++
		return true, time.Time{}
	}
	delay := i.cfg.DelayMs + i.cfg.JitterMs*(2*u-1)
	sendAt = now.Add(msToDuration(max(delay, 0)))
	// A queue does not reorder: never leave before the previous packet.
	if sendAt.Before(i.last) {
		sendAt = i.last
	}
	if held {
		// Held back ReorderMs after its place in the queue, outside the
		// queue order: later packets are not held behind it, so they
		// overtake it (and it never overtakes earlier ones).
		i.stats.Reordered++
		return false, sendAt.Add(msToDuration(i.cfg.ReorderMs))
	}
	i.last = sendAt
	return false, sendAt
}

// lost draws the loss of one packet: two draws per packet for
// Gilbert-Elliott (loss in the current state, then the transition), one for
// Bernoulli.
func (i *Impairment) lost() bool {
	g := i.cfg.Burst
	if g == nil {
		return i.loss.Float64()*100 < i.cfg.LossPct
	}
	pLoss, pMove := g.LossGood, g.P
	if i.bad {
		pLoss, pMove = g.LossBad, g.R
	}
	lost := i.loss.Float64() < pLoss
	if i.loss.Float64() < pMove {
		i.bad = !i.bad
	}
	return lost
}

func msToDuration(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}
