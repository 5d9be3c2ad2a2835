package pbx

import (
	"context"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// overload tells when the PBX is behind. Its signal is the Go scheduler
// latency (runtime/metrics /sched/latencies:seconds): when the 90th
// percentile of the time goroutines waited to run over the last 100 ms
// passes a threshold, requests queue faster than they are served. A UDP
// registrar that keeps accepting then drowns in retransmissions (RFC 3261
// §17.1.2.1 Timer E doubles only up to T2), so the PBX answers new
// unauthenticated requests 503 with Retry-After while it lets the second,
// authenticated step of registrations already under way complete.
type overload struct {
	threshold time.Duration
	on        atomic.Bool
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
	hold := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		h := sample[0].Value.Float64Histogram()
		if quantile(h.Buckets, h.Counts, prev, 0.90) > o.threshold.Seconds() {
			o.on.Store(true)
			hold = 2 // stay on for 200 ms: shedding must outlast the burst
		} else if hold > 0 {
			hold--
		} else {
			o.on.Store(false)
		}
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
