package capture

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// IP reassembly limits. gopacket's ip4defrag keeps pointers into the reused
// zero-copy frame buffer and has no IPv6 counterpart with the same API, so
// this small reassembler copies each fragment and handles both families.
const (
	fragTimeout    = 30 * time.Second // Linux ipfrag_time, by packet time
	fragMaxEntries = 1024             // datagrams being reassembled at once
	fragMaxPieces  = 128              // fragments per datagram
	fragMaxBytes   = 65535 + 40       // largest IPv4/IPv6 datagram payload
)

// fragKey identifies one datagram being reassembled (RFC 791 §3.2: source,
// destination, protocol and identification; RFC 8200 §4.5 for IPv6).
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
	v6       bool
}

type fragPiece struct {
	off  int
	data []byte
}

type fragEntry struct {
	key       fragKey
	pieces    []fragPiece
	total     int // payload length, known once the last fragment arrived; -1 before
	first     time.Time
	lastFrame int
	lastTime  time.Time
	truncated bool
	depth     int
	bytes     int
}

type fragTable struct {
	m         map[fragKey]*fragEntry
	nextSweep time.Time
}

func (t *fragTable) init() { t.m = make(map[fragKey]*fragEntry) }

// add stores one fragment and, when the datagram is complete, decodes it.
func (t *fragTable) add(d *decoder, k fragKey, off int, more bool, data []byte, truncated bool, depth int) {
	e := t.m[k]
	if e == nil {
		if len(t.m) >= fragMaxEntries {
			t.evictOldest(d)
		}
		e = &fragEntry{key: k, total: -1, first: d.ts, depth: depth}
		t.m[k] = e
	}
	e.lastFrame, e.lastTime = d.frameNo, d.ts
	e.truncated = e.truncated || truncated
	if !more && !truncated {
		e.total = off + len(data)
	}
	if len(e.pieces) >= fragMaxPieces || e.bytes+len(data) > 2*fragMaxBytes || off+len(data) > fragMaxBytes {
		d.warn(fmt.Sprintf("frame %d: IP fragment dropped (reassembly limits)", d.frameNo))
		return
	}
	e.pieces = append(e.pieces, fragPiece{off: off, data: append([]byte(nil), data...)})
	e.bytes += len(data)
	if e.total < 0 {
		return
	}
	n := e.contiguous()
	if n < e.total {
		return
	}
	delete(t.m, k)
	t.deliver(d, e, e.total, false)
}

// contiguous returns how many payload bytes from offset 0 are present.
func (e *fragEntry) contiguous() int {
	slices.SortFunc(e.pieces, func(a, b fragPiece) int { return a.off - b.off })
	n := 0
	for _, p := range e.pieces {
		if p.off > n {
			break
		}
		if end := p.off + len(p.data); end > n {
			n = end
		}
	}
	return n
}

// deliver assembles the first n bytes and decodes the upper layer. The
// frame number and time are those of the last fragment received.
func (t *fragTable) deliver(d *decoder, e *fragEntry, n int, incomplete bool) {
	start := len(d.arena)
	d.arena = slices.Grow(d.arena, n)[:start+n]
	buf := d.arena[start : start+n : start+n]
	for _, p := range e.pieces { // sorted by contiguous()
		if p.off < n {
			copy(buf[p.off:], p.data)
		}
	}
	frameNo, ts := d.frameNo, d.ts
	d.frameNo, d.ts = e.lastFrame, e.lastTime
	k := e.key
	if k.v6 {
		d.ipv6Chain(k.proto, k.src, k.dst, buf, incomplete || e.truncated, e.depth)
	} else {
		d.transport(k.proto, k.src, k.dst, buf, incomplete || e.truncated, e.depth)
	}
	d.frameNo, d.ts = frameNo, ts
}

// flush delivers an incomplete datagram with what was captured from its
// start, so that the analyser can still show it (marked Truncated).
func (t *fragTable) flush(d *decoder, e *fragEntry) {
	delete(t.m, e.key)
	n := e.contiguous()
	want := "?"
	if e.total >= 0 {
		want = fmt.Sprint(e.total)
	}
	if n == 0 {
		d.warn(fmt.Sprintf("frame %d: IP fragments of %s > %s dropped: first fragment missing", e.lastFrame, e.key.src, e.key.dst))
		return
	}
	d.warn(fmt.Sprintf("frame %d: IP datagram %s > %s incomplete: %d of %s bytes captured", e.lastFrame, e.key.src, e.key.dst, n, want))
	t.deliver(d, e, n, true)
}

func (t *fragTable) evictOldest(d *decoder) {
	var old *fragEntry
	for _, e := range t.m {
		if old == nil || e.first.Before(old.first) {
			old = e
		}
	}
	if old != nil {
		t.flush(d, old)
	}
}

// expire flushes datagrams whose first fragment is older than fragTimeout.
func (t *fragTable) expire(d *decoder, now time.Time) {
	if len(t.m) == 0 || now.Before(t.nextSweep) {
		return
	}
	t.nextSweep = now.Add(time.Second)
	var old []*fragEntry
	for _, e := range t.m {
		if now.Sub(e.first) > fragTimeout {
			old = append(old, e)
		}
	}
	slices.SortFunc(old, func(a, b *fragEntry) int { return a.lastFrame - b.lastFrame })
	for _, e := range old {
		t.flush(d, e)
	}
}

func (t *fragTable) flushAll(d *decoder) {
	var all []*fragEntry
	for _, e := range t.m {
		all = append(all, e)
	}
	slices.SortFunc(all, func(a, b *fragEntry) int { return a.lastFrame - b.lastFrame })
	for _, e := range all {
		t.flush(d, e)
	}
}
