package relay

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"voiplab/analyze/codec"
	"voiplab/analyze/rtpstats"
	"voiplab/pbx/cdr"
)

// direction scores the RTP of one direction with rtpstats. Only the reader
// goroutine of its leg adds packets; the mutex guards against Stats.
type direction struct {
	mu     sync.Mutex
	stream rtpstats.Stream
	codec  int // first audio payload type seen, -1 before

	pts atomic.Pointer[ptTable]

	fwdRTP, fwdRTCP, dropped atomic.Uint64
}

// ptTable resolves payload types to clock rates (for jitter) and codecs
// (for the E-model), from the negotiated SDP.
type ptTable struct {
	known [128]bool
	clock [128]int
	event [128]bool
	name  [128]string
}

func (t *ptTable) set(pt uint8, name string, rate int) {
	clock, event := rtpstats.ClockRate(pt, name, rate)
	t.known[pt], t.clock[pt], t.event[pt], t.name[pt] = true, clock, event, name
}

func (d *direction) init() { d.codec = -1 }

// add scores one datagram received at now; it never allocates (rtpstats
// grows its chart series a few times per stream, not per packet).
func (d *direction) add(b []byte, now time.Time) {
	h, ok := rtpstats.ParseHeader(b)
	if !ok || h.PayloadType > 127 {
		return // not RTP (STUN, a keep-alive): forwarded, not scored
	}
	pt := h.PayloadType
	var clock int
	var event bool
	if t := d.pts.Load(); t != nil && t.known[pt] {
		clock, event = t.clock[pt], t.event[pt]
	} else {
		clock, event = rtpstats.ClockRate(pt, "", 0)
	}
	d.mu.Lock()
	if d.codec < 0 && !event && pt != 13 && pt != 19 {
		d.codec = int(pt)
	}
	d.stream.Add(rtpstats.Packet{
		Arrival: now, Seq: h.Seq, Timestamp: h.Timestamp, PayloadType: pt, Marker: h.Marker,
		ClockRate: clock, Event: event, PayloadLen: len(b) - h.PayloadOffset - h.PaddingLen,
	})
	d.mu.Unlock()
}

// summary returns the CDR figures of the direction: packets, lost and mean
// jitter as Wireshark computes them, and the ITU-T G.107 MOS estimate for
// the codec of the first audio packet.
func (d *direction) summary() cdr.Direction {
	d.mu.Lock()
	st := d.stream.Stats()
	pt := d.codec
	d.mu.Unlock()
	out := cdr.Direction{Packets: st.Packets, Lost: st.Lost}
	if st.HasJitter {
		out.JitterMs = st.MeanJitterMs
	}
	if st.Packets == 0 || pt < 0 {
		return out
	}
	info, ok := codec.ByPayloadType(uint8(pt))
	if t := d.pts.Load(); t != nil && t.known[pt] && t.name[pt] != "" && !strings.EqualFold(t.name[pt], info.Name) {
		info, ok = codec.ByName(t.name[pt], t.clock[pt])
	}
	if !ok || !info.HasEModel {
		return out
	}
	_, out.MOS = rtpstats.EModel(rtpstats.EModelInput{Ie: info.Ie, Bpl: info.Bpl, LossPct: st.LostPct, BurstR: st.LossBurstRatio})
	return out
}
