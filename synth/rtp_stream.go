package synth

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/pion/rtp"

	"voiplab/capture"
)

// rtpConfig is one RTP direction of a call, fixed when the call is built.
type rtpConfig struct {
	seed       int64
	key        uint64 // distinct per stream: seeds its random source
	src, dst   netip.AddrPort
	start, end time.Duration // send times of the first slot and the end (exclusive)
	ptime      time.Duration
	clock      int
	pt         uint8 // payload type of the audio packets
	size       int   // audio payload bytes per packet
	table      []byte
	dtmf       string
	dtmfPT     uint8
	dtmfStart  time.Duration
	imp        Impairment
	delay      time.Duration // base one-way transit time
}

// RFC 4733 §2.5: an event is sent as dtmfRegular packets of growing
// duration then dtmfEnd packets with the E bit, then dtmfGap slots of audio
// before the next digit.
const (
	dtmfRegular = 5
	dtmfEnd     = 3
	dtmfGap     = 5
	dtmfVolume  = 10
)

// rtpStream generates the packets of one rtpConfig, lazily.
type rtpStream struct {
	cfg              *rtpConfig
	rng              *rand.Rand
	ssrc             uint32
	seq0             uint16
	ts0              uint32
	step             uint32
	nslots           int
	dtmfSlot0        int
	slot             int // slot of the current packet
	gen              int // next slot to draw
	pending          []pending
	arrival, last    time.Duration
	bad              bool // Gilbert-Elliott state
	nLost            int  // packets lost so far (Gilbert-Elliott steering)
	pGoodBad, pBadGd float64
	meanDelay        float64 // mean extra transit delay, ns
	hdr              rtp.Header
}

func newRTPStream(cfg *rtpConfig) *rtpStream {
	s := &rtpStream{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.seed), cfg.key))}
	// RFC 3550 §5.1: random initial sequence number, timestamp and SSRC.
	s.ssrc = s.rng.Uint32()
	s.seq0 = uint16(s.rng.Uint32())
	s.ts0 = s.rng.Uint32()
	s.step = uint32(int64(cfg.clock) * int64(cfg.ptime) / int64(time.Second))
	if cfg.end > cfg.start {
		s.nslots = int((cfg.end - cfg.start + cfg.ptime - 1) / cfg.ptime)
	}
	s.dtmfSlot0 = int((cfg.dtmfStart - cfg.start) / cfg.ptime)
	p := cfg.imp.LossPct / 100
	if bl := cfg.imp.BurstLen; bl > 1 && p > 0 && p < 1 {
		// Gilbert-Elliott with a loss-only bad state: mean bad run = BurstLen,
		// stationary P(bad) = p.
		s.pBadGd = 1 / bl
		s.pGoodBad = p * s.pBadGd / (1 - p)
	}
	if cfg.imp.JitterMs > 0 {
		s.meanDelay = meanExtraDelay(cfg.imp.JitterMs*float64(time.Millisecond), float64(cfg.ptime), cfg.imp.Reorder)
	}
	return s
}

// meanExtraDelay returns the mean of the exponential extra transit delay
// that gives an RFC 3550 §6.4.1 interarrival jitter of target (both in ns).
// With i.i.d. delays of mean m, E|D(i-1,i)| = m, so when packets may be
// reordered m = target. Without reordering, an arrival is held behind the
// previous one, which lowers the jitter: m is found by bisection on a fixed
// simulated stream (common random numbers make the jitter monotonic in m).
// The jitter cannot exceed 2×ptime without reordering (D ≥ -ptime and
// E[D] = 0 bound E|D|), and the mean delay is capped at 150 ms (or 5×ptime),
// so targets above about 1.7×ptime saturate.
func meanExtraDelay(target, ptime float64, reorder bool) float64 {
	if reorder {
		return target
	}
	const n = 4000
	rng := rand.New(rand.NewPCG(1, 2))
	draws := make([]float64, n)
	for i := range draws {
		draws[i] = rng.ExpFloat64()
	}
	sim := func(m float64) float64 {
		var j, last, prevTransit, sum float64
		for i, e := range draws {
			send := float64(i) * ptime
			a := send + m*e
			if i > 0 && a <= last {
				a = last + float64(time.Microsecond)
			}
			last = a
			transit := a - send
			if i > 0 {
				d := transit - prevTransit
				if d < 0 {
					d = -d
				}
				j += (d - j) / 16
				sum += j
			}
			prevTransit = transit
		}
		return sum / (n - 1)
	}
	// A realistic network adds at most a few hundred ms: cap the mean there.
	lo, hi := 0.0, min(50*target, max(150*float64(time.Millisecond), 5*ptime))
	for range 40 {
		mid := (lo + hi) / 2
		if sim(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// dtmfAt says whether slot carries a telephone-event, which digit, and the
// index j of the packet within that event.
func (s *rtpStream) dtmfAt(slot int) (digit byte, j int, ok bool) {
	if s.cfg.dtmf == "" || slot < s.dtmfSlot0 {
		return 0, 0, false
	}
	per := dtmfRegular + dtmfEnd + dtmfGap
	k := (slot - s.dtmfSlot0) / per
	j = (slot - s.dtmfSlot0) % per
	if k >= len(s.cfg.dtmf) || j >= dtmfRegular+dtmfEnd {
		return 0, 0, false
	}
	return s.cfg.dtmf[k], j, true
}

// lost draws the loss of the current slot. The first packet is never lost,
// so the marker bit is always seen.
func (s *rtpStream) lost(slot int) bool {
	if slot == 0 {
		return false
	}
	imp := s.cfg.imp
	if s.pBadGd > 0 {
		// Gilbert-Elliott, steered: a run of bad luck on a short stream
		// would show a loss far from the one asked, so when the realised
		// loss drifts more than one mean burst away from LossPct × slots,
		// the next transition is forced. Bursts keep their length.
		drift := imp.LossPct/100*float64(slot) - float64(s.nLost)
		u := s.rng.Float64()
		if s.bad {
			s.bad = u >= s.pBadGd && drift > -imp.BurstLen
		} else {
			s.bad = (u < s.pGoodBad || drift > imp.BurstLen) && drift > -imp.BurstLen
		}
		if s.bad {
			s.nLost++
		}
		return s.bad
	}
	return imp.LossPct > 0 && s.rng.Float64()*100 < imp.LossPct
}

func (s *rtpStream) sendTime(slot int) time.Duration {
	return s.cfg.start + time.Duration(slot)*s.cfg.ptime
}

func (s *rtpStream) at() time.Duration { return s.arrival }

// advance moves to the next packet in arrival order. Slots are drawn in
// send order (loss, then delay); with Reorder a later slot can arrive
// first, so drawn packets wait in a small buffer until no slot still to be
// drawn can arrive before them (its arrival is at least send time + base
// delay).
func (s *rtpStream) advance() bool {
	for s.gen < s.nslots && (len(s.pending) == 0 || s.pending[0].at > s.sendTime(s.gen)+s.cfg.delay) {
		slot := s.gen
		s.gen++
		if s.lost(slot) {
			continue
		}
		a := s.sendTime(slot) + s.cfg.delay
		if s.meanDelay > 0 {
			a += time.Duration(s.rng.ExpFloat64() * s.meanDelay)
		}
		if a <= s.last && !s.cfg.imp.Reorder { // never reorder unless asked
			a = s.last + time.Microsecond
		}
		s.last = a
		s.insert(pending{slot: slot, at: a})
	}
	if len(s.pending) == 0 {
		s.slot = s.nslots
		return false
	}
	s.slot, s.arrival = s.pending[0].slot, s.pending[0].at
	s.pending = s.pending[:copy(s.pending, s.pending[1:])]
	return true
}

// pending is a drawn packet waiting for its arrival.
type pending struct {
	slot int
	at   time.Duration
}

// insert keeps s.pending sorted by arrival (then slot); it holds a few
// entries at most.
func (s *rtpStream) insert(p pending) {
	i := len(s.pending)
	for i > 0 && (s.pending[i-1].at > p.at || (s.pending[i-1].at == p.at && s.pending[i-1].slot > p.slot)) {
		i--
	}
	s.pending = append(s.pending, pending{})
	copy(s.pending[i+1:], s.pending[i:])
	s.pending[i] = p
}

// header fills s.hdr for the current slot and returns whether it is a
// telephone-event and its payload.
func (s *rtpStream) header() (event bool, ev [4]byte) {
	s.hdr = rtp.Header{Version: 2, SSRC: s.ssrc, SequenceNumber: s.seq0 + uint16(s.slot)}
	if digit, j, ok := s.dtmfAt(s.slot); ok {
		// RFC 4733 §2.3: one timestamp for the event, marker on its first
		// packet, duration growing, E bit on the last three.
		start := s.slot - j
		s.hdr.PayloadType = s.cfg.dtmfPT
		s.hdr.Timestamp = s.ts0 + uint32(start)*s.step
		s.hdr.Marker = j == 0
		dur := uint32(min(j+1, dtmfRegular+1)) * s.step
		ev[0] = dtmfEvent(digit)
		ev[1] = dtmfVolume
		if j >= dtmfRegular {
			ev[1] |= 0x80
		}
		ev[2], ev[3] = byte(dur>>8), byte(dur)
		return true, ev
	}
	s.hdr.PayloadType = s.cfg.pt
	s.hdr.Timestamp = s.ts0 + uint32(s.slot)*s.step
	s.hdr.Marker = s.slot == 0 // RFC 3551 §4.1: first packet of a talkspurt
	return false, ev
}

func (s *rtpStream) emit(buf []byte) pkt {
	event, ev := s.header()
	n, _ := s.hdr.MarshalTo(buf) // buf is large enough: 12-byte header
	if event {
		n += copy(buf[n:], ev[:])
	} else {
		off := (s.slot * s.cfg.size) % len(s.cfg.table)
		if off+s.cfg.size > len(s.cfg.table) {
			off = 0
		}
		n += copy(buf[n:], s.cfg.table[off:off+s.cfg.size])
	}
	return pkt{at: s.arrival, src: s.cfg.src, dst: s.cfg.dst, tr: capture.UDP, payload: buf[:n], kind: kindRTP}
}

// dtmfEvent maps a DTMF character to its RFC 4733 §3.2 event code.
func dtmfEvent(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c == '*':
		return 10
	case c == '#':
		return 11
	case c >= 'A' && c <= 'D':
		return 12 + c - 'A'
	case c >= 'a' && c <= 'd':
		return 12 + c - 'a'
	}
	return 0
}
