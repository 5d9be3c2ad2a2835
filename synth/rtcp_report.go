package synth

import (
	"net/netip"
	"time"

	"github.com/pion/rtcp"

	"voiplab/capture"
)

// rtcpInterval is the report interval (RFC 3550 §6.2 allows a fixed 5 s
// minimum for small sessions).
const rtcpInterval = 5 * time.Second

// rtcpSource sends the RTCP of one side of a call: a compound SR (or RR
// when the side sends no RTP) + SDES every 5 s, and + BYE at the end
// (RFC 3550 §6.1). Its reception report block describes the stream the
// side receives, computed from a replica of that stream's generator, so
// the figures match the planted loss and jitter exactly.
type rtcpSource struct {
	start    time.Time // Scenario.Start, for NTP timestamps
	own      *rtpConfig
	ownSSRC  uint32
	ownTS0   uint32
	peer     *rtpStream // replica of the received stream; nil if none
	peerLive bool
	src, dst netip.AddrPort
	cname    string
	first    time.Duration
	end      time.Duration
	peerOff  time.Duration // peer's phase, for LSR/DLSR
	peerSR   bool          // the peer sends SRs
	delay    time.Duration
	t        time.Duration // send time of the pending report
	bye      bool

	// RFC 3550 §A.3 reception state.
	received, expPrior, recPrior int
	baseSeq, maxSeq              uint32 // extended
	cycles                       uint32
	started                      bool
	jitter                       float64
	prevTransit                  float64
}

func (r *rtcpSource) at() time.Duration { return r.t + r.delay }

func (r *rtcpSource) advance() bool {
	if r.bye {
		return false
	}
	next := r.t + rtcpInterval
	if next >= r.end {
		r.t, r.bye = r.end, true
		return true
	}
	r.t = next
	return true
}

// absorb feeds the receiver state with every packet of the peer stream
// that arrived before t (RFC 3550 §A.1 sequence, §A.8 jitter).
func (r *rtcpSource) absorb(t time.Duration) {
	for r.peerLive && r.peer.at() <= t {
		s := r.peer
		event, _ := s.header()
		seq := uint32(s.hdr.SequenceNumber)
		if !r.started {
			r.started = true
			r.baseSeq, r.maxSeq = seq, seq
		} else {
			if seq < r.maxSeq&0xffff && r.maxSeq&0xffff-seq > 0x8000 {
				r.cycles += 1 << 16
			}
			if ext := r.cycles | seq; ext > r.maxSeq {
				r.maxSeq = ext
			}
		}
		r.received++
		if !event {
			// RFC 3550 §6.4.1: J += (|D| - J)/16, in timestamp units.
			arr := float64(s.at()) * float64(s.cfg.clock) / float64(time.Second)
			transit := arr - float64(s.hdr.Timestamp)
			if r.received > 1 {
				d := transit - r.prevTransit
				if d < 0 {
					d = -d
				}
				r.jitter += (d - r.jitter) / 16
			}
			r.prevTransit = transit
		}
		r.peerLive = s.advance()
	}
}

// ntp converts a timeline instant to the 64-bit NTP format (RFC 3550 §4).
func (r *rtcpSource) ntp(t time.Duration) uint64 {
	abs := r.start.Add(t)
	secs := uint64(abs.Unix() + 2208988800)
	frac := uint64(abs.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

func (r *rtcpSource) block() []rtcp.ReceptionReport {
	if r.peer == nil || !r.started {
		return nil
	}
	expected := int(r.maxSeq - r.baseSeq + 1)
	lost := expected - r.received
	expInt, recInt := expected-r.expPrior, r.received-r.recPrior
	r.expPrior, r.recPrior = expected, r.received
	var frac uint8
	if lostInt := expInt - recInt; expInt > 0 && lostInt > 0 {
		frac = uint8(lostInt << 8 / expInt) // RFC 3550 §A.3
	}
	rr := rtcp.ReceptionReport{
		SSRC: r.peer.ssrc, FractionLost: frac, TotalLost: uint32(max(lost, 0)),
		LastSequenceNumber: r.maxSeq, Jitter: uint32(r.jitter),
	}
	if r.peerSR {
		// The peer's last SR that arrived before now: LSR, DLSR (RFC 3550 §6.4.1).
		k := (r.t - r.peerOff - r.delay) / rtcpInterval
		if r.peerOff+r.delay <= r.t && r.peerOff+k*rtcpInterval < r.end {
			sent := r.peerOff + k*rtcpInterval
			rr.LastSenderReport = uint32(r.ntp(sent) >> 16)
			rr.Delay = uint32((r.t - sent - r.delay) * 65536 / time.Second)
		}
	}
	return []rtcp.ReceptionReport{rr}
}

func (r *rtcpSource) emit(buf []byte) pkt {
	r.absorb(r.t)
	var pkts []rtcp.Packet
	if r.own != nil {
		count, octets := 0, 0
		probe := rtpStream{cfg: r.own, step: uint32(int64(r.own.clock) * int64(r.own.ptime) / int64(time.Second))}
		probe.dtmfSlot0 = int((r.own.dtmfStart - r.own.start) / r.own.ptime)
		for slot := 0; r.own.start+time.Duration(slot)*r.own.ptime <= r.t && r.own.start+time.Duration(slot)*r.own.ptime < r.own.end; slot++ {
			count++
			if _, _, ok := probe.dtmfAt(slot); ok {
				octets += 4
			} else {
				octets += r.own.size
			}
		}
		rtpTS := r.ownTS0 + uint32(int64(r.t-r.own.start)*int64(r.own.clock)/int64(time.Second))
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC: r.ownSSRC, NTPTime: r.ntp(r.t), RTPTime: rtpTS,
			PacketCount: uint32(count), OctetCount: uint32(octets), Reports: r.block(),
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: r.ownSSRC, Reports: r.block()})
	}
	pkts = append(pkts, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: r.ownSSRC, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: r.cname}},
	}}})
	if r.bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{r.ownSSRC}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil { // cannot happen with these fixed-size packets
		b = nil
	}
	n := copy(buf, b)
	return pkt{at: r.at(), src: r.src, dst: r.dst, tr: capture.UDP, payload: buf[:n], kind: kindRTCP}
}
