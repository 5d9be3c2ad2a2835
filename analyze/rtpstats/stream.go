package rtpstats

import (
	"math"
	"time"
)

// Packet is what a Stream needs to know about one RTP packet.
type Packet struct {
	Arrival     time.Time // capture (or receive) time
	Seq         uint16
	Timestamp   uint32
	PayloadType uint8
	Marker      bool
	// ClockRate is the RTP clock of the payload type in Hz, 0 when unknown.
	// Wireshark takes it from its static table for PT < 96 (whatever SDP
	// says) and from the SDP a=rtpmap for dynamic types.
	ClockRate int
	// Event is true for RFC 4733 telephone-event packets: their timestamp
	// stays at the start of the event (RFC 4733 §2.2.1), so they get no jitter.
	Event      bool
	PayloadLen int
	Frame      int // frame number in the capture, for pointing at packets
}

// Stats are the figures of one stream. Delta and jitter figures are in
// milliseconds and follow Wireshark 4.0 exactly, including its conventions
// for "no value": MinDeltaMs and MinJitterMs are −1 when no packet
// qualified (a one-packet stream, a payload type of unknown clock rate);
// HasDelta and HasJitter say so explicitly.
type Stats struct {
	Packets, Expected, Lost, SeqErrors, Duplicates int
	LostPct                                        float64

	MinDeltaMs, MeanDeltaMs, MaxDeltaMs    float64
	MinJitterMs, MeanJitterMs, MaxJitterMs float64
	HasDelta, HasJitter                    bool
	// MaxDeltaFrame is the frame of the packet that had the largest delta.
	MaxDeltaFrame int
	// Problem is Wireshark's "Problems?" column (X): a sequence error or a
	// timestamp older than the first packet's was seen.
	Problem bool

	First, Last  time.Time
	FirstFrame   int
	PayloadTypes []uint8 // in the order first seen
	// ClockRate is the last non-zero clock rate used for jitter, 0 if none.
	ClockRate int

	// BurstLosses is the number of gaps in the sequence numbers (runs of one
	// or more lost packets); LossBurstRatio is the ITU-T G.113 / G.107 BurstR
	// estimated from them, 1 for random loss or no loss.
	BurstLosses    int
	LossBurstRatio float64

	// Series is a time series of at most MaxSeriesPoints points for charts.
	Series []Point
	// SeriesWidth is the bucket width of Series.
	SeriesWidth time.Duration
}

// Point is one bucket of the chart series of a stream.
type Point struct {
	Offset     time.Duration // bucket start, from the first packet of the stream
	JitterMs   float64       // largest running jitter in the bucket
	MaxDeltaMs float64       // largest delta in the bucket
	Lost       int           // packets missing in gaps opened in the bucket, minus late ones that filled a gap (may be < 0)
	Packets    int           // packets received in the bucket
}

const (
	// MaxSeriesPoints bounds Stats.Series whatever the length of the stream.
	MaxSeriesPoints = 600
	// InitialSeriesWidth is the first bucket width of the series; it doubles
	// each time the stream outgrows MaxSeriesPoints buckets.
	InitialSeriesWidth = 100 * time.Millisecond
)

// Wireshark's stat flags (ui/tap-rtp-analysis.h), kept by name so that the
// code reads like the definitions it reproduces.
const (
	flagFirst = 1 << iota
	flagMarker
	flagWrongSeq
	flagPTChange
	flagPTCN
	flagFollowPTCN
	flagRegPTChange
	flagWrongTimestamp
	flagPTEvent
)

// Comfort noise payload types: 13 (RFC 3389) and the old 19 (Wireshark's
// PT_CN_OLD).
const (
	ptCN    = 13
	ptCNOld = 19
)

// Stream accumulates the statistics of one RTP stream (one SSRC from one
// source transport address to one destination). The zero value is ready to
// use. A Stream is small (under 1 KB plus its chart series, which grows a
// few times, to at most MaxSeriesPoints points), so that an analysis of
// thousands of streams stays within a few MB; Add allocates only when the
// series grows, never per packet.
type Stream struct {
	// The fields every packet touches come first, so that they share a few
	// cache lines: an analysis of thousands of streams visits each stream's
	// state once per packet, and a cache miss costs more than the update.
	started    bool
	first      time.Time // arrival of the first packet: origin of all times
	last       time.Time
	firstFrame int
	n          int // Wireshark's total_nr: packets seen

	startSeq, stopSeq, seqNum uint16
	firstTS                   uint32
	under                     bool
	cycles                    int
	seqErrors                 int

	pt        uint8
	regPT     int
	timeMs    float64 // arrival of the last in-sequence packet, ms from first
	lastNom   float64 // nominal time (timestamp in ms) of the last clocked packet
	delta     float64
	jitter    float64
	clockRate int
	problem   bool

	minDelta, meanDelta, maxDelta    float64
	minJitter, meanJitter, maxJitter float64
	maxDeltaFrame                    int

	// Duplicates and loss gaps, on extended sequence numbers (RFC 3550 A.1).
	maxExt   int64
	dups     int
	bursts   int
	gapsLost int

	// cur is the chart bucket packets are being added to, kept here rather
	// than in series (where series[curIdx] is stale until the next bucket
	// starts) so that a packet touches no other memory for it.
	cur    bucket
	curIdx int
	width  time.Duration
	series []bucket // grows to at most MaxSeriesPoints

	seen [dupWindow / 64]uint64 // one bit per extended sequence number of the window

	ptSeen  [128]bool
	ptOrder [128]uint8
	nPT     int
}

// bucket is one chart bucket as a Stream keeps it (a Point without its
// offset, which is its index times the width, and with 32-bit counts: a
// stream keeps up to MaxSeriesPoints of them).
type bucket struct {
	jitter, maxDelta float64
	lost, packets    int32
}

// dupWindow is how many sequence numbers below the highest one a packet may
// be and still be recognised as a duplicate; an older packet counts as late.
const dupWindow = 2048

// Add analyses the next packet of the stream, in arrival order. It follows
// rtppacket_analyse() of Wireshark 4.0 (ui/tap-rtp-analysis.c) step by step.
func (s *Stream) Add(p Packet) {
	if !s.started {
		s.notePT(p.PayloadType)
		s.addFirst(p)
		return
	}
	if p.PayloadType != s.pt { // s.pt, the previous packet's, is noted already
		s.notePT(p.PayloadType)
	}
	s.last = p.Arrival
	// Wireshark works on the capture-relative time in ms (nstime_to_msec of
	// rel_ts); differences are the same from the stream's first packet.
	now := float64(p.Arrival.Sub(s.first)) / float64(time.Millisecond)
	flags := 0

	// Timestamp order: a packet is "in time sequence" when its timestamp is
	// at most half the 32-bit range after the first packet's, wrap-around
	// included; otherwise it is older than the first packet
	// (STAT_FLAG_WRONG_TIMESTAMP) and gets no delta or jitter.
	var inTime bool
	if p.Timestamp >= s.firstTS {
		inTime = p.Timestamp-s.firstTS < 0x80000000
	} else {
		inTime = int64(0xffffffff-s.firstTS)+int64(p.Timestamp) < 0x80000000
	}
	if !inTime {
		flags |= flagWrongTimestamp
	}

	// Sequence cycles: a sequence number below the first one starts a new
	// cycle of 65536; the flag "under" is reset once numbers pass the first
	// one again. A start at 0 is caught by the 65535 → 0 step.
	switch {
	case p.Seq < s.startSeq && inTime && !s.under:
		s.cycles++
		s.under = true
	case p.Seq == 0 && s.stopSeq == 65535 && inTime && !s.under:
		s.cycles++
		s.under = true
	case p.Seq > s.startSeq && inTime && s.under:
		s.under = false
	}

	// Sequence errors (Wireshark's "sequence"): any packet that is not the
	// previous in-order one plus one. A jump ahead (or a wrap by more than
	// 0xFF00 backwards, taken as lost packets across a wrap) moves the
	// reference; a late or duplicated packet does not.
	prev := int(s.seqNum)
	cur := int(p.Seq)
	switch {
	case inTime && prev+1 == cur:
		s.seqNum = p.Seq
	case inTime && prev == 65535 && cur == 0:
		s.seqNum = p.Seq
	case inTime && (prev+1 < cur || prev-cur > 0xFF00):
		s.seqNum = p.Seq
		s.seqErrors++
		flags |= flagWrongSeq
	case prev+1 > cur:
		s.seqErrors++
		flags |= flagWrongSeq
	}

	// Payload type: comfort noise and the packet after it are not regular.
	if p.PayloadType == ptCN || p.PayloadType == ptCNOld {
		flags |= flagPTCN
	}
	if s.pt == ptCN || s.pt == ptCNOld {
		flags |= flagFollowPTCN
	}
	if p.PayloadType != s.pt {
		flags |= flagPTChange
	}
	s.pt = p.PayloadType

	clock := p.ClockRate
	if clock < 1000 {
		clock = 0 // Wireshark divides by clock/1000: below 1 kHz it cannot analyse
	}
	if p.Event {
		// RFC 4733 §2.2.1: all packets of an event carry the timestamp of its
		// start, so they say nothing about jitter.
		clock = 0
		flags |= flagPTEvent
	}

	var curJitter float64
	if inTime {
		if clock != 0 {
			s.clockRate = clock
			// Nominal time of the packet: timestamp units since the first
			// packet (modulo 2^32), in ms. Wireshark divides by the integer
			// clock_rate/1000 (guint32 arithmetic), so 44.1 kHz counts as 44.
			nominal := float64(p.Timestamp-s.firstTS) / float64(clock/1000)
			// RFC 3550 §6.4.1: D(i-1,i) = (Rj − Ri) − (Sj − Si), here the
			// difference between the arrival and the arrival expected from
			// the previous in-sequence packet plus the timestamp step since
			// the previous clocked packet; J += (|D| − J)/16.
			expected := s.timeMs + (nominal - s.lastNom)
			diff := math.Abs(now - expected)
			curJitter = (15*s.jitter + diff) / 16
			s.delta = now - s.timeMs
			s.jitter = curJitter
			s.lastNom = nominal
		} else {
			s.delta = now - s.timeMs
		}
	}

	if p.Marker {
		flags |= flagMarker
	}

	// Regular packet: included in min/mean/max delta and jitter. Means are
	// Wireshark's running means, divided by the number of packets before
	// this one (total_nr), so a skipped packet still weighs in the count.
	if flags&(flagMarker|flagPTCN|flagWrongTimestamp|flagFollowPTCN) == 0 {
		if s.delta > s.maxDelta {
			s.maxDelta = s.delta
			s.maxDeltaFrame = p.Frame
		}
		if s.minDelta == -1 || s.delta < s.minDelta {
			s.minDelta = s.delta
		}
		nn := float64(s.n)
		s.meanDelta = (s.meanDelta*(nn-1) + s.delta) / nn
		if clock != 0 {
			if s.jitter > s.maxJitter {
				s.maxJitter = s.jitter
			}
			s.meanJitter = (s.meanJitter*(nn-1) + curJitter) / nn
			if s.minJitter == -1 || s.jitter < s.minJitter {
				s.minJitter = s.jitter
			}
		}
	}
	// Regular payload type change (CN ignored).
	if flags&flagPTCN == 0 {
		if int(s.pt) != s.regPT && s.regPT != -1 {
			flags |= flagRegPTChange
		}
		s.regPT = int(s.pt)
	}
	if flags&(flagWrongTimestamp|flagWrongSeq) != 0 {
		s.problem = true // tap-rtp-common.c rtpstream_packet_cb
	}
	if inTime {
		s.timeMs = now
	}
	s.stopSeq = p.Seq
	s.n++

	s.track(p, curJitter, flags)
}

// addFirst is the first-packet branch of rtppacket_analyse.
func (s *Stream) addFirst(p Packet) {
	s.started = true
	s.first, s.last = p.Arrival, p.Arrival
	s.firstFrame = p.Frame
	s.startSeq, s.stopSeq, s.seqNum = p.Seq, p.Seq, p.Seq
	s.firstTS = p.Timestamp
	s.pt = p.PayloadType
	s.regPT = int(p.PayloadType)
	s.minDelta, s.minJitter = -1, -1
	s.n = 1
	s.maxExt = int64(p.Seq)
	s.setSeen(int64(p.Seq))
	s.width = InitialSeriesWidth
	if s.series == nil {
		s.series = make([]bucket, 1, 16)
	}
	s.series = s.series[:1]
	s.series[0] = bucket{}
	s.cur, s.curIdx = bucket{packets: 1}, 0
}

func (s *Stream) notePT(pt uint8) {
	pt &= 0x7f
	if !s.ptSeen[pt] {
		s.ptSeen[pt] = true
		s.ptOrder[s.nPT] = pt
		s.nPT++
	}
}

func (s *Stream) setSeen(ext int64) {
	i := uint64(ext) % dupWindow
	s.seen[i>>6] |= 1 << (i & 63)
}

func (s *Stream) isSeen(ext int64) bool {
	i := uint64(ext) % dupWindow
	return s.seen[i>>6]&(1<<(i&63)) != 0
}

// track updates what Wireshark does not compute: duplicates, loss gaps on
// extended sequence numbers (RFC 3550 Appendix A.1) and the chart series.
func (s *Stream) track(p Packet, jitter float64, flags int) {
	// Extend the 16-bit sequence number to the one closest to the highest
	// seen so far (RFC 3550 A.1: a difference of less than half the range).
	ext := s.maxExt + int64(int16(p.Seq-uint16(s.maxExt)))
	lost := 0
	switch {
	case ext > s.maxExt:
		if gap := ext - s.maxExt - 1; gap > 0 {
			s.bursts++
			s.gapsLost += int(gap)
			lost = int(gap)
		}
		// Forget the numbers of the previous cycle that the window now
		// reaches, so that they are not taken for duplicates.
		s.forget(s.maxExt+1, ext-s.maxExt)
		s.maxExt = ext
		s.setSeen(ext)
	case s.maxExt-ext >= dupWindow:
		lost = -1 // very late: it fills a gap counted as lost
	default:
		if s.isSeen(ext) {
			s.dups++
		} else {
			s.setSeen(ext)
			// A late packet fills a gap counted as lost.
			lost = -1
		}
	}

	off := p.Arrival.Sub(s.first)
	if off < 0 {
		off = 0
	}
	if i := int(off / s.width); i != s.curIdx {
		s.switchBucket(off)
	}
	pt := &s.cur
	pt.packets++
	pt.lost += int32(lost)
	if flags&(flagMarker|flagPTCN|flagWrongTimestamp|flagFollowPTCN) == 0 {
		if s.delta > pt.maxDelta {
			pt.maxDelta = s.delta
		}
		if jitter > pt.jitter {
			pt.jitter = jitter
		}
	}
}

// switchBucket stores the current chart bucket and makes the one of a
// packet at off from the first current, growing the series (or halving
// its resolution past MaxSeriesPoints) as needed.
func (s *Stream) switchBucket(off time.Duration) {
	s.series[s.curIdx] = s.cur
	i := int(off / s.width)
	for i >= MaxSeriesPoints {
		s.mergeSeries()
		i = int(off / s.width)
	}
	if i >= len(s.series) {
		if i >= cap(s.series) {
			grown := make([]bucket, len(s.series), min(max(2*cap(s.series), i+1, 16), MaxSeriesPoints))
			copy(grown, s.series)
			s.series = grown
		}
		s.series = s.series[:i+1]
	}
	s.cur, s.curIdx = s.series[i], i
}

// forget clears the duplicate bits of n extended sequence numbers from ext
// on, which the window now reaches again.
func (s *Stream) forget(ext int64, n int64) {
	if n >= dupWindow {
		s.seen = [dupWindow / 64]uint64{}
		return
	}
	for ; n > 0; n-- {
		i := uint64(ext) % dupWindow
		s.seen[i>>6] &^= 1 << (i & 63)
		ext++
	}
}

// mergeSeries doubles the bucket width, merging buckets in pairs.
func (s *Stream) mergeSeries() {
	n := (len(s.series) + 1) / 2
	for i := 0; i < n; i++ {
		a := s.series[2*i]
		if 2*i+1 < len(s.series) {
			b := s.series[2*i+1]
			a.packets += b.packets
			a.lost += b.lost
			a.maxDelta = max(a.maxDelta, b.maxDelta)
			a.jitter = max(a.jitter, b.jitter)
		}
		s.series[i] = a
	}
	clear(s.series[n:])
	s.series = s.series[:n]
	s.width *= 2
}

// Stats returns the figures of the packets added so far. Lost and
// expected follow Wireshark (ui/tap-rtp-common.c rtpstream_info_calc):
// expected = last sequence number + 65536 × cycles − first sequence number
// + 1, counted from the last packet received (not the highest), so repeated
// or late end packets make lost negative.
func (s *Stream) Stats() Stats {
	if !s.started {
		return Stats{MinDeltaMs: -1, MinJitterMs: -1, LossBurstRatio: 1}
	}
	st := Stats{
		Packets:       s.n,
		Expected:      int(s.stopSeq) + s.cycles*65536 - int(s.startSeq) + 1,
		SeqErrors:     s.seqErrors,
		Duplicates:    s.dups,
		MinDeltaMs:    s.minDelta,
		MeanDeltaMs:   s.meanDelta,
		MaxDeltaMs:    s.maxDelta,
		MinJitterMs:   s.minJitter,
		MeanJitterMs:  s.meanJitter,
		MaxJitterMs:   s.maxJitter,
		HasDelta:      s.minDelta != -1,
		HasJitter:     s.minJitter != -1,
		MaxDeltaFrame: s.maxDeltaFrame,
		Problem:       s.problem,
		First:         s.first,
		Last:          s.last,
		FirstFrame:    s.firstFrame,
		PayloadTypes:  append([]uint8(nil), s.ptOrder[:s.nPT]...),
		ClockRate:     s.clockRate,
		BurstLosses:   s.bursts,
		SeriesWidth:   s.width,
	}
	st.Lost = st.Expected - st.Packets
	if st.Expected != 0 {
		st.LostPct = float64(st.Lost) * 100 / float64(st.Expected)
	}
	st.LossBurstRatio = burstRatio(s.bursts, s.gapsLost, s.n)
	st.Series = make([]Point, len(s.series))
	for i := range st.Series {
		b := s.series[i]
		if i == s.curIdx {
			b = s.cur
		}
		st.Series[i] = Point{Offset: time.Duration(i) * s.width, JitterMs: b.jitter,
			MaxDeltaMs: b.maxDelta, Lost: int(b.lost), Packets: int(b.packets)}
	}
	return st
}

// burstRatio estimates the ITU-T G.107 §7.2 BurstR = 1/(p+q) of a two-state
// Markov loss model from the observed gaps: p, the probability of a loss
// after a received packet, is bursts/received; q, the probability of a
// reception after a loss, is bursts/lost (each gap ends once). BurstR is 1
// for random loss, above 1 for bursty loss. Without loss it is 1.
func burstRatio(bursts, lost, received int) float64 {
	if bursts == 0 || lost == 0 || received == 0 {
		return 1
	}
	p := float64(bursts) / float64(received)
	q := float64(bursts) / float64(lost)
	return 1 / (p + q)
}

// Packets returns the number of packets added so far (Stats().Packets
// without building the whole Stats).
func (s *Stream) Packets() int { return s.n }

// LastArrival returns the arrival time of the latest packet (zero before
// the first).
func (s *Stream) LastArrival() time.Time { return s.last }
