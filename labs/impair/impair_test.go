package impair_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"voiplab/labs/impair"
)

const packets = 100_000

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func mustNew(t testing.TB, cfg impair.Config) *impair.Impairment {
	t.Helper()
	imp, err := impair.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// run decides n packets spaced by step and returns, per packet, whether it
// was dropped and its delay after its nominal time.
func run(imp *impair.Impairment, n int, step time.Duration) (drops []bool, delays []time.Duration) {
	drops = make([]bool, n)
	delays = make([]time.Duration, n)
	for i := range n {
		now := t0.Add(time.Duration(i) * step)
		drop, at := imp.Decide(now)
		drops[i] = drop
		if !drop {
			delays[i] = at.Sub(now)
		}
	}
	return drops, delays
}

func count(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  impair.Config
		ok   bool
	}{
		{"zero", impair.Config{}, true},
		{"typical", impair.Config{LossPct: 5, DelayMs: 40, JitterMs: 40, ReorderPct: 1, Seed: 7}, true},
		{"burst", impair.Config{Burst: &impair.GilbertElliott{P: 0.01, R: 0.3, LossBad: 1}}, true},
		{"loss_over_100", impair.Config{LossPct: 101}, false},
		{"negative_delay", impair.Config{DelayMs: -1}, false},
		{"negative_jitter", impair.Config{JitterMs: -1}, false},
		{"nan_jitter", impair.Config{JitterMs: math.NaN()}, false},
		{"reorder_over_100", impair.Config{ReorderPct: 150}, false},
		{"burst_p_over_1", impair.Config{Burst: &impair.GilbertElliott{P: 2, R: 0.5}}, false},
		{"both_loss_models", impair.Config{LossPct: 1, Burst: &impair.GilbertElliott{P: 0.1, R: 0.5}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := impair.New(tc.cfg)
			if tc.ok && err != nil {
				t.Fatalf("New: %v", err)
			}
			if !tc.ok && !errors.Is(err, impair.ErrConfig) {
				t.Fatalf("New: %v, want ErrConfig", err)
			}
		})
	}
}

func TestZeroConfigChangesNothing(t *testing.T) {
	imp := mustNew(t, impair.Config{})
	drops, delays := run(imp, 1000, 20*time.Millisecond)
	if n := count(drops); n != 0 {
		t.Errorf("%d packets dropped", n)
	}
	for i, d := range delays {
		if d != 0 {
			t.Fatalf("packet %d delayed by %v", i, d)
		}
	}
}

// TestBernoulliLoss: the measured loss of 100k packets lies within 4
// standard deviations of the binomial count N·p (σ = √(N·p·(1-p))).
func TestBernoulliLoss(t *testing.T) {
	for _, pct := range []float64{1, 5, 20, 100} {
		t.Run(formatPct(pct), func(t *testing.T) {
			imp := mustNew(t, impair.Config{LossPct: pct, Seed: 42})
			drops, _ := run(imp, packets, 20*time.Millisecond)
			p := pct / 100
			want := packets * p
			sigma := math.Sqrt(packets * p * (1 - p))
			got := float64(count(drops))
			t.Logf("lost %.0f of %d (%.3f%%), expected %.0f ± %.0f", got, packets, 100*got/packets, want, 4*sigma)
			if math.Abs(got-want) > 4*sigma {
				t.Errorf("lost %.0f, want %.0f ± %.0f", got, want, 4*sigma)
			}
			if s := imp.Stats(); s.Packets != packets || float64(s.Dropped) != got {
				t.Errorf("Stats %+v, want %d packets, %.0f dropped", s, packets, got)
			}
		})
	}
}

// TestGilbertElliott: over 100k packets the loss rate matches the stationary
// rate P/(P+R)·LossBad + R/(P+R)·LossGood, and with the simple Gilbert model
// the mean loss burst length matches 1/R.
func TestGilbertElliott(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ge        impair.GilbertElliott
		wantLoss  float64 // hand-computed stationary loss rate
		wantBurst float64 // 1/R, only checked when LossGood = 0, LossBad = 1
	}{
		// Gilbert(0.05, 3): R = 1/3, P = R·0.05/0.95 = 0.017544.
		{"gilbert_5pct_burst3", impair.Gilbert(0.05, 3), 0.05, 3},
		// P = 0.01, R = 0.25: Bad 0.01/0.26 = 3.846 % of the time.
		{"gilbert_p01_r25", impair.GilbertElliott{P: 0.01, R: 0.25, LossBad: 1}, 0.01 / 0.26, 4},
		// Elliott: 1 % loss in Good, 50 % in Bad; P = 0.02, R = 0.2:
		// 0.02/0.22·0.5 + 0.2/0.22·0.01 = 0.054545.
		{"elliott", impair.GilbertElliott{P: 0.02, R: 0.2, LossGood: 0.01, LossBad: 0.5}, 0.02/0.22*0.5 + 0.2/0.22*0.01, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ge := tc.ge
			if got := ge.LossRate(); math.Abs(got-tc.wantLoss) > 1e-9 {
				t.Errorf("LossRate() = %v, want %v", got, tc.wantLoss)
			}
			imp := mustNew(t, impair.Config{Burst: &ge, Seed: 1})
			drops, _ := run(imp, packets, 20*time.Millisecond)
			loss := float64(count(drops)) / packets
			// Bursts make the count vary more than a binomial one:
			// allow 12 % relative (about 4σ for these settings).
			t.Logf("loss %.4f, want %.4f", loss, tc.wantLoss)
			if math.Abs(loss-tc.wantLoss) > 0.12*tc.wantLoss {
				t.Errorf("measured loss %.4f, want %.4f ± 12 %%", loss, tc.wantLoss)
			}
			if tc.wantBurst == 0 {
				return
			}
			bursts, lost := 0, 0
			for i, d := range drops {
				if d {
					lost++
					if i == 0 || !drops[i-1] {
						bursts++
					}
				}
			}
			mean := float64(lost) / float64(bursts)
			t.Logf("%d bursts, mean length %.3f, want 1/R = %.3f", bursts, mean, ge.MeanBurst())
			if math.Abs(ge.MeanBurst()-tc.wantBurst) > 1e-9 {
				t.Errorf("MeanBurst() = %v, want %v", ge.MeanBurst(), tc.wantBurst)
			}
			if math.Abs(mean-tc.wantBurst) > 0.08*tc.wantBurst {
				t.Errorf("mean burst length %.3f, want %.3f ± 8 %%", mean, tc.wantBurst)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	cfg := impair.Config{Burst: &impair.GilbertElliott{P: 0.02, R: 0.3, LossBad: 1}, DelayMs: 40, JitterMs: 30, ReorderPct: 2, Seed: 2026}
	d1, l1 := run(mustNew(t, cfg), 10_000, 20*time.Millisecond)
	d2, l2 := run(mustNew(t, cfg), 10_000, 20*time.Millisecond)
	for i := range d1 {
		if d1[i] != d2[i] || l1[i] != l2[i] {
			t.Fatalf("packet %d: (%v, %v) then (%v, %v) with the same seed", i, d1[i], l1[i], d2[i], l2[i])
		}
	}
	t.Run("other_seed", func(t *testing.T) {
		other := cfg
		other.Seed++
		d3, _ := run(mustNew(t, other), 10_000, 20*time.Millisecond)
		same := 0
		for i := range d1 {
			if d1[i] == d3[i] {
				same++
			}
		}
		if same == len(d1) {
			t.Error("another seed gives the same loss pattern")
		}
	})
	t.Run("loss_independent_of_jitter", func(t *testing.T) {
		other := cfg
		other.JitterMs, other.DelayMs, other.ReorderPct = 0, 0, 0
		d4, _ := run(mustNew(t, other), 10_000, 20*time.Millisecond)
		for i := range d1 {
			if d1[i] != d4[i] {
				t.Fatalf("packet %d: changing delay, jitter and reordering changed the loss pattern", i)
			}
		}
	})
}

// TestJitterStatistics: with packets far apart (1 s, so the queue order
// never binds), delays are uniform on [Delay-Jitter, Delay+Jitter]: mean
// Delay, standard deviation Jitter/√3, and RFC 3550 §6.4.1's interarrival
// jitter J += (|D|-J)/16 averages 2·Jitter/3 (the mean absolute difference
// of two independent uniform draws of width 2·Jitter).
func TestJitterStatistics(t *testing.T) {
	const delay, jitter = 50.0, 40.0
	imp := mustNew(t, impair.Config{DelayMs: delay, JitterMs: jitter, Seed: 3})
	_, delays := run(imp, packets, time.Second)
	var sum, sumSq, j, jSum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, d := range delays {
		ms := float64(d) / float64(time.Millisecond)
		sum += ms
		sumSq += ms * ms
		lo, hi = min(lo, ms), max(hi, ms)
		if i > 0 {
			diff := ms - float64(delays[i-1])/float64(time.Millisecond)
			j += (math.Abs(diff) - j) / 16
			jSum += j
		}
	}
	mean := sum / packets
	std := math.Sqrt(sumSq/packets - mean*mean)
	meanJ := jSum / (packets - 1)
	t.Logf("delay mean %.2f ms, std %.2f ms, range [%.2f, %.2f], RFC 3550 jitter mean %.2f ms", mean, std, lo, hi, meanJ)
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", mean, delay, 0.5},
		{"std", std, jitter / math.Sqrt(3), 0.3},
		{"rfc3550_jitter", meanJ, 2 * jitter / 3, 0.5},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.3f, want %.3f ± %.1f", c.name, c.got, c.want, c.tol)
		}
	}
	if lo < delay-jitter || hi > delay+jitter {
		t.Errorf("delays span [%.2f, %.2f], want within [%v, %v]", lo, hi, delay-jitter, delay+jitter)
	}
	t.Run("clamped_at_zero", func(t *testing.T) {
		imp := mustNew(t, impair.Config{JitterMs: 40, Seed: 3})
		_, delays := run(imp, 1000, time.Second)
		for i, d := range delays {
			if d < 0 {
				t.Fatalf("packet %d sent %v before its time", i, -d)
			}
		}
	})
}

// TestJitterKeepsOrder: at 20 ms spacing, jitter of ±40 ms would reorder
// packets if drawn independently; the queue order keeps them in sequence.
func TestJitterKeepsOrder(t *testing.T) {
	imp := mustNew(t, impair.Config{DelayMs: 50, JitterMs: 40, Seed: 4})
	var last time.Time
	for i := range 10_000 {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		_, at := imp.Decide(now)
		if at.Before(now) {
			t.Fatalf("packet %d leaves before it is sent", i)
		}
		if at.Before(last) {
			t.Fatalf("packet %d overtakes packet %d", i, i-1)
		}
		last = at
	}
}

// TestReorder: with ReorderPct p, 20 ms spacing and no jitter, a held-back
// packet (30 ms more) is overtaken by the next packet unless that one is held
// back too: N·p held, N·p·(1-p) packets arriving after their successor.
func TestReorder(t *testing.T) {
	const pct = 2.0
	p := pct / 100
	imp := mustNew(t, impair.Config{DelayMs: 10, ReorderPct: pct, Seed: 5})
	_, delays := run(imp, packets, 20*time.Millisecond)
	overtaken := 0
	for i := 0; i+1 < len(delays); i++ {
		at := time.Duration(i)*20*time.Millisecond + delays[i]
		next := time.Duration(i+1)*20*time.Millisecond + delays[i+1]
		if next < at {
			overtaken++
		}
	}
	held := float64(imp.Stats().Reordered)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"held", held, packets * p},
		{"overtaken", float64(overtaken), packets * p * (1 - p)},
	} {
		sigma := math.Sqrt(c.want * (1 - p))
		t.Logf("%s %.0f, expected %.0f ± %.0f", c.name, c.got, c.want, 4*sigma)
		if math.Abs(c.got-c.want) > 4*sigma {
			t.Errorf("%s = %.0f, want %.0f ± %.0f", c.name, c.got, c.want, 4*sigma)
		}
	}
}

// TestReorderNeverOvertakesEarlier: a held-back packet leaves after every
// in-order packet sent before it, even when jitter delays those more.
func TestReorderNeverOvertakesEarlier(t *testing.T) {
	imp := mustNew(t, impair.Config{DelayMs: 50, JitterMs: 45, ReorderPct: 10, ReorderMs: 1, Seed: 6})
	var latest time.Time // latest send time of the in-order packets so far
	for i := range 10_000 {
		now := t0.Add(time.Duration(i) * 5 * time.Millisecond)
		before := imp.Stats().Reordered
		_, at := imp.Decide(now)
		if imp.Stats().Reordered == before {
			latest = at
			continue
		}
		if !at.After(latest) {
			t.Fatalf("held-back packet %d leaves at %v, not after an earlier packet (%v)", i, at, latest)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	ge := impair.Gilbert(0.05, 3)
	imp := mustNew(b, impair.Config{Burst: &ge, DelayMs: 40, JitterMs: 20, ReorderPct: 1})
	now := t0
	for b.Loop() {
		now = now.Add(20 * time.Millisecond)
		imp.Decide(now)
	}
}

func formatPct(p float64) string {
	return time.Duration(p * float64(time.Second)).String() // "1s" for 1 %: a unique, readable name
}
