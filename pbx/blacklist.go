package pbx

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"voiplab/pbx/admin"
)

// blacklist implements security.max_failed_auth and blacklist_seconds: a
// source address that fails digest authentication max times in a row
// (failures more than failWindow apart do not add up; a success starts
// again) is blacklisted for ttl, in the manner of 3CX's IP blacklist or
// fail2ban in front of Asterisk: its requests are dropped before they are
// parsed, so that a password-guessing tool (sipvicious svcrack) gets
// nothing more to test passwords against and costs the PBX nothing. RFC
// 3261 §26.1 leaves the defence against online guessing to the server.
// Safe for concurrent use; bounded: at most maxTracked addresses are
// followed at once.
type blacklist struct {
	max int
	ttl time.Duration
	now func() time.Time

	// touched is set by the first failure: until then (the usual case of
	// a PBX under load) a packet costs one atomic load, not the mutex.
	touched atomic.Bool

	mu        sync.Mutex
	fails     map[netip.Addr]failures
	banned    map[netip.Addr]time.Time // until
	lastSweep time.Time
}

type failures struct {
	n    int
	last time.Time
}

const (
	// failWindow is how long a failure counts towards a ban.
	failWindow = 10 * time.Minute
	// maxTracked bounds each map, so that a spoofed flood cannot grow it.
	maxTracked = 65536
)

// newBlacklist returns nil (nothing is ever blacklisted) when max or ttl is 0.
func newBlacklist(max int, ttl time.Duration, now func() time.Time) *blacklist {
	if max <= 0 || ttl <= 0 {
		return nil
	}
	return &blacklist{max: max, ttl: ttl, now: now,
		fails: make(map[netip.Addr]failures), banned: make(map[netip.Addr]time.Time)}
}

// failed records a failed authentication from a; it returns true when that
// failure blacklists a, and until when.
func (b *blacklist) failed(a netip.Addr) (bool, time.Time) {
	if b == nil || !a.IsValid() {
		return false, time.Time{}
	}
	a = a.Unmap()
	now := b.now()
	b.touched.Store(true)
	b.mu.Lock()
	defer b.mu.Unlock()
	if until, ok := b.banned[a]; ok && now.Before(until) {
		return false, until // already banned (a request that was in flight)
	}
	f := b.fails[a]
	if f.n > 0 && now.Sub(f.last) > failWindow {
		f.n = 0
	}
	f.n++
	f.last = now
	if f.n < b.max {
		if len(b.fails) >= maxTracked {
			b.sweep(now)
		}
		if _, known := b.fails[a]; known || len(b.fails) < maxTracked {
			b.fails[a] = f
		}
		return false, time.Time{}
	}
	delete(b.fails, a)
	if len(b.banned) >= maxTracked {
		b.sweep(now)
	}
	until := now.Add(b.ttl)
	if len(b.banned) < maxTracked {
		b.banned[a] = until
	}
	return true, until
}

// succeeded forgets the failures of a.
func (b *blacklist) succeeded(a netip.Addr) {
	if b == nil || !b.touched.Load() {
		return
	}
	a = a.Unmap()
	b.mu.Lock()
	delete(b.fails, a)
	b.mu.Unlock()
}

// blocked reports whether a is blacklisted now.
func (b *blacklist) blocked(a netip.Addr) bool {
	if b == nil || !b.touched.Load() {
		return false
	}
	a = a.Unmap()
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.banned[a]
	if !ok {
		return false
	}
	if !b.now().Before(until) {
		delete(b.banned, a)
		return false
	}
	return true
}

// list returns the addresses blacklisted now, the earliest ban to end
// first, at most max of them, and how many there are.
func (b *blacklist) list(max int) ([]admin.Ban, int) {
	if b == nil {
		return nil, 0
	}
	now := b.now()
	b.mu.Lock()
	var out []admin.Ban
	for a, until := range b.banned {
		if now.Before(until) {
			out = append(out, admin.Ban{Addr: a.String(), Until: until})
		}
	}
	b.mu.Unlock()
	slices.SortFunc(out, func(x, y admin.Ban) int {
		if c := x.Until.Compare(y.Until); c != 0 {
			return c
		}
		return strings.Compare(x.Addr, y.Addr)
	})
	n := len(out)
	if len(out) > max {
		out = out[:max]
	}
	return out, n
}

// sweep forgets expired bans and stale failures, at most once a second (a
// full map under a flood must not cost a scan per packet); b.mu is held.
func (b *blacklist) sweep(now time.Time) {
	if now.Sub(b.lastSweep) < time.Second && !b.lastSweep.IsZero() {
		return
	}
	b.lastSweep = now
	for a, until := range b.banned {
		if !now.Before(until) {
			delete(b.banned, a)
		}
	}
	for a, f := range b.fails {
		if now.Sub(f.last) > failWindow {
			delete(b.fails, a)
		}
	}
}
