package synth

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"voiplab/capture"
)

// kind is what a generated packet carries, for Stats.
type kind uint8

const (
	kindSIP kind = iota
	kindRTP
	kindRTCP
)

// pkt is one datagram on the timeline, At from Scenario.Start.
type pkt struct {
	at       time.Duration
	src, dst netip.AddrPort
	tr       capture.Transport
	payload  []byte
	kind     kind
}

// source yields packets in time order. at is the time of the pending
// packet; emit renders it (the payload may alias buf); advance moves to the
// next one and reports false when the source is done.
type source interface {
	at() time.Duration
	emit(buf []byte) pkt
	advance() bool
}

// listSource plays a precomputed, time-sorted list (the SIP of one event).
type listSource struct {
	pkts []pkt
	i    int
}

func (s *listSource) at() time.Duration { return s.pkts[s.i].at }
func (s *listSource) emit([]byte) pkt   { return s.pkts[s.i] }
func (s *listSource) advance() bool     { s.i++; return s.i < len(s.pkts) }

// newListSource sorts p by time, stably: packets created for the same
// instant keep their causal order.
func newListSource(p []pkt) *listSource {
	slices.SortStableFunc(p, func(a, b pkt) int { return cmp.Compare(a.at, b.at) })
	return &listSource{pkts: p}
}

// item is one heap entry: a live source, or an event not yet expanded
// (build != nil) so that only the events in progress hold memory.
type item struct {
	t     time.Duration
	id    uint64
	src   source
	build func() ([]source, error)
}

// timeline is a binary min-heap on (t, id); id breaks ties so the merge is
// deterministic.
type timeline []item

func (h timeline) less(i, j int) bool {
	if h[i].t != h[j].t {
		return h[i].t < h[j].t
	}
	return h[i].id < h[j].id
}

func (h *timeline) push(it item) {
	*h = append(*h, it)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h timeline) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (h *timeline) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	s[n] = item{}
	*h = s[:n]
	if n > 0 {
		(*h).down(0)
	}
}

// Write generates the scenario and writes every datagram, in time order, to
// w. Media is streamed from one small generator per active stream: memory
// depends on the number of simultaneous calls, not on the capture size.
func (s Scenario) Write(w DatagramWriter) (Stats, error) {
	var st Stats
	if s.Start.IsZero() {
		s.Start = defaultStart()
	}
	h := make(timeline, 0, len(s.Calls)+len(s.Registrations)+len(s.Scans))
	for i := range s.Calls {
		c := &s.Calls[i]
		id := uint64(i+1) << 8
		h.push(item{t: c.At, id: id, build: func() ([]source, error) { return buildCall(s.Seed, s.Start, id, c) }})
	}
	for i := range s.Registrations {
		r := &s.Registrations[i]
		id := (uint64(i+1) << 8) | 1<<62
		h.push(item{t: r.At, id: id, build: func() ([]source, error) { return buildRegistration(s.Seed, id, r) }})
	}
	for i := range s.Scans {
		sc := &s.Scans[i]
		id := (uint64(i+1) << 8) | 1<<63
		h.push(item{t: sc.At, id: id, build: func() ([]source, error) { return buildScan(s.Seed, id, sc) }})
	}
	buf := make([]byte, 2048)
	var d capture.Datagram
	for len(h) > 0 {
		top := &h[0]
		if top.build != nil {
			srcs, err := top.build()
			if err != nil {
				return st, err
			}
			id := top.id
			h.pop()
			for k, src := range srcs {
				h.push(item{t: src.at(), id: id + uint64(k) + 1, src: src})
			}
			continue
		}
		p := top.src.emit(buf)
		st.Packets++
		switch p.kind {
		case kindSIP:
			st.SIPMessages++
		case kindRTP:
			st.RTPPackets++
		case kindRTCP:
			st.RTCPPackets++
		}
		d = capture.Datagram{
			Frame: st.Packets, Time: s.Start.Add(p.at),
			Src: p.src, Dst: p.dst, Transport: p.tr, Payload: p.payload,
		}
		if err := w.WriteDatagram(&d); err != nil {
			return st, fmt.Errorf("synth: frame %d: %w: %w", st.Packets, ErrWrite, err)
		}
		if top.src.advance() {
			top.t = top.src.at()
			h.down(0)
		} else {
			h.pop()
		}
	}
	return st, nil
}
