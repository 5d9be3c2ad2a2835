package pbx

import (
	"context"
	"math/rand/v2"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// overload tells when the PBX is behind. Its signals are the Go scheduler
// latency (runtime/metrics /sched/latencies:seconds: when the 90th
// percentile of the time goroutines waited to run over the last 100 ms
// passes a threshold, requests queue faster than they are served) and the
// bytes waiting in the SIP UDP socket (Linux /proc/net/udp rx_queue). A UDP
// registrar that keeps accepting then drowns in retransmissions (RFC 3261
// §17.1.2.1 Timer E doubles only up to T2), so the PBX answers new
// unauthenticated requests (a rising share of them) 503 with Retry-After
// while it lets the second,
// authenticated step of registrations already under way complete.
type overload struct {
	threshold time.Duration
	// queue, when set, returns the bytes waiting in the SIP UDP socket;
	// more than maxQueue also means overload.
	queue    func() (int, bool)
	maxQueue int
	// shed is the share of fresh requests refused, in per mille: it rises
	// by 100 every 100 ms while the PBX is behind and falls by 50 when it
	// is not, so that shedding follows the excess load instead of
	// refusing everything.
	shed atomic.Int32
	// wasOver: the last sample was over a threshold (watch only).
	wasOver bool
}

// refuse reports whether to shed one fresh request now.
func (o *overload) refuse() bool {
	p := o.shed.Load()
	return p > 0 && rand.Int32N(1000) < p
}

// behind judges one 100 ms sample: latOver, the scheduler latency passed
// the threshold; queue, the bytes waiting in the SIP socket (-1 unknown).
// The PBX is behind when a signal is over its threshold in two samples in
// a row (it lasted 100 ms: a GC cycle or another process on a busy
// machine stalls the read loop for less, and the backlog then drains
// without a retransmission, RFC 3261 T1 being 500 ms), or at once when the
// socket holds over twice maxQueue (the kernel drops datagrams at the
// 8 MiB buffer).
func (o *overload) behind(latOver bool, queue int) bool {
	over := latOver || (o.maxQueue > 0 && queue > o.maxQueue)
	b := (over && o.wasOver) || (o.maxQueue > 0 && queue > 2*o.maxQueue)
	o.wasOver = over
	return b
}

const schedLatency = "/sched/latencies:seconds"

// watch samples the scheduler every 100 ms until ctx is done.
func (o *overload) watch(ctx context.Context) {
	sample := []metrics.Sample{{Name: schedLatency}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return
	}
	prev := append([]uint64(nil), sample[0].Value.Float64Histogram().Counts...)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		h := sample[0].Value.Float64Histogram()
		queue := -1
		if o.queue != nil {
			if n, ok := o.queue(); ok {
				queue = n
			}
		}
		behind := o.behind(quantile(h.Buckets, h.Counts, prev, 0.90) > o.threshold.Seconds(), queue)
		p := o.shed.Load()
		if behind {
			p = min(p+100, 950) // always let some through: the state must be observable
		} else {
			p = max(p-50, 0)
		}
		o.shed.Store(p)
		copy(prev, h.Counts)
	}
}

// quantile of the counts added since prev; buckets has len(counts)+1 bounds.
func quantile(buckets []float64, counts, prev []uint64, q float64) float64 {
	var total uint64
	for i := range counts {
		total += counts[i] - prev[i]
	}
	if total < 50 { // too few events to judge
		return 0
	}
	want := uint64(float64(total) * q)
	var n uint64
	for i := range counts {
		n += counts[i] - prev[i]
		if n >= want {
			return buckets[i] // the bucket's lower bound
		}
	}
	return buckets[len(buckets)-1]
}
