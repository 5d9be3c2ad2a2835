package analyze

import (
	"fmt"
	"net/netip"

	"voiplab/analyze/codec"
	"voiplab/analyze/dtmf"
	"voiplab/analyze/rtcpreport"
	"voiplab/analyze/rtpstats"
	"voiplab/analyze/sdpneg"
	"voiplab/capture"
)

// maxStreams bounds the streams tracked at once, so that a capture full of
// RTP-looking noise cannot exhaust memory.
const maxStreams = 200000

// endpoint is an RTP or RTCP address announced in an SDP.
type endpoint struct {
	callID  string
	role    int // roleCaller or roleCallee: who announced it (who receives there)
	media   int
	formats []sdpneg.Format
	private bool
	rtcp    bool
}

// streamKey identifies an RTP stream as Wireshark does: source, destination and SSRC.
type streamKey struct {
	src, dst netip.AddrPort
	ssrc     uint32
}

type stream struct {
	key       streamKey
	dstEP     *endpoint
	srcEP     *endpoint
	callID    string
	signalled bool

	stats rtpstats.Stream

	// payload type of the last packet and what it resolved to
	lastPT     int
	clock      int
	event      bool
	eventInSDP bool
	ptName     string

	mainPT     int // first audio/video payload type
	mainName   string
	mainClock  int
	payloadLen int

	eventSeen        bool
	eventUnsignalled bool
	eventPT          int

	dtmf   dtmf.Detector
	digits []DTMF
	rtcp   []RTCP
	id     string
}

func (a *Analyzer) mediaDatagram(d *capture.Datagram) {
	p := d.Payload
	if len(p) >= 2 && p[1] >= 192 && p[1] <= 223 && rtcpreport.LooksLikeRTCP(p) {
		a.rtcpDatagram(d)
		return
	}
	h, ok := rtpstats.ParseHeader(p)
	if !ok {
		return
	}
	key := streamKey{src: d.Src, dst: d.Dst, ssrc: h.SSRC}
	s := a.streams[key]
	if s == nil {
		s = a.newStream(key, p)
		if s == nil {
			return
		}
	}
	pt := int(h.PayloadType)
	if pt != s.lastPT {
		s.lastPT = pt
		s.clock, s.event, s.eventInSDP, s.ptName = s.resolve(h.PayloadType)
		if !s.event && s.mainPT < 0 {
			s.mainPT, s.mainName, s.mainClock = pt, s.ptName, s.clock
		}
	}
	payload := p[h.PayloadOffset:]
	s.stats.Add(rtpstats.Packet{
		Arrival: d.Time, Seq: h.Seq, Timestamp: h.Timestamp, PayloadType: h.PayloadType,
		Marker: h.Marker, ClockRate: s.clock, Event: s.event, PayloadLen: len(payload), Frame: d.Frame,
	})
	if s.event {
		if !s.eventSeen {
			s.eventSeen, s.eventPT = true, pt
			s.eventUnsignalled = !s.eventInSDP
		}
		if dg, ok := s.dtmf.Add(d.Time, d.Frame, h.Timestamp, h.Marker, payload, s.clock); ok {
			s.addDigit(dg)
		}
	} else if s.payloadLen == 0 {
		s.payloadLen = len(payload)
	}
}

func (a *Analyzer) newStream(key streamKey, p []byte) *stream {
	dstEP, srcEP := a.endpoints[key.dst], a.endpoints[key.src]
	if dstEP != nil && dstEP.rtcp {
		dstEP = nil
	}
	if srcEP != nil && srcEP.rtcp {
		srcEP = nil
	}
	signalled := dstEP != nil || srcEP != nil
	if !signalled && !rtpstats.LooksLikeRTP(p) {
		return nil
	}
	if len(a.streams) >= maxStreams {
		return nil
	}
	s := &stream{key: key, dstEP: dstEP, srcEP: srcEP, signalled: signalled, lastPT: -1, mainPT: -1, eventPT: -1}
	switch {
	case dstEP != nil:
		s.callID = dstEP.callID
	case srcEP != nil:
		s.callID = srcEP.callID
	}
	a.streams[key] = s
	a.streamList = append(a.streamList, s)
	a.bySSRC[key.ssrc] = append(a.bySSRC[key.ssrc], s)
	return s
}

// rtpEventPT is the payload type Wireshark decodes as RFC 4733
// telephone-event when no SDP maps it (its rtpevent preference, default 101).
const rtpEventPT = 101

// resolve finds what a payload type means in this stream: the receiver's SDP
// first (RFC 3264 §5.1: a party receives with the numbers it announced),
// then the sender's, then the static table of RFC 3551.
func (s *stream) resolve(pt uint8) (clock int, event, inSDP bool, name string) {
	for _, ep := range [2]*endpoint{s.dstEP, s.srcEP} {
		if ep == nil {
			continue
		}
		for _, f := range ep.formats {
			if f.PT == int(pt) {
				return f.ClockRate, f.Event(), true, f.Name
			}
		}
	}
	if c, ok := codec.ByPayloadType(pt); ok {
		return c.ClockRate, false, false, c.Name
	}
	if pt == rtpEventPT {
		return 8000, true, false, "telephone-event"
	}
	return 0, false, false, fmt.Sprintf("PT%d", pt)
}

func (s *stream) addDigit(d dtmf.Digit) {
	if len(s.digits) >= 1000 {
		return
	}
	s.digits = append(s.digits, DTMF{Digit: d.Digit, Time: d.Start, Frame: d.Frame,
		DurationMs: round3(d.DurationMs), Volume: d.Volume})
}

// rtcpEvent is one RTCP entry waiting for its stream.
type rtcpEvent struct {
	ssrc     uint32
	sender   bool // about the sender's own stream (SR, SDES, BYE) rather than a report block
	srcIP    netip.Addr
	block    *rtcpreport.Block
	arrival  capture.Datagram
	entry    RTCP
	resolved bool
}

func (a *Analyzer) rtcpDatagram(d *capture.Datagram) {
	pkts, _ := rtcpreport.Decode(d.Payload) // what decoded before damage is kept
	base := RTCP{Frame: d.Frame, Time: d.Time, Src: d.Src.String(), Dst: d.Dst.String()}
	for _, pk := range pkts {
		e := base
		e.Type = pk.Type
		e.Reporter = ssrcText(pk.SSRC)
		switch pk.Type {
		case "SR", "SDES", "BYE", "APP":
			e.CNAME, e.Reason = pk.CNAME, pk.Reason
			a.attachRTCP(d, pk.SSRC, true, nil, e)
		}
		for i := range pk.Blocks {
			b := pk.Blocks[i]
			be := base
			be.Type = pk.Type
			be.Reporter = ssrcText(pk.SSRC)
			f := b.Fraction()
			cum := int(b.CumulativeLost)
			be.FractionLost, be.CumLost = &f, &cum
			if rtt, ok := rtcpreport.RoundTrip(d.Time, b.LSR, b.DLSR); ok {
				v := round3(ms(rtt))
				be.RTTMs = &v
			}
			a.attachRTCP(d, b.SSRC, false, &b, be)
		}
		for _, x := range pk.XR {
			if x.Type != "voip-metrics" {
				continue
			}
			xe := base
			xe.Type = "XR"
			xe.Reporter = ssrcText(pk.SSRC)
			lr := x.LossRate
			xe.XRLossRate = &lr
			if x.RFactor != 127 {
				r := x.RFactor
				xe.XRRFactor = &r
			}
			if x.MOSLQ > 0 {
				v := x.MOSLQ
				xe.XRMOSLQ = &v
			}
			if x.MOSCQ > 0 {
				v := x.MOSCQ
				xe.XRMOSCQ = &v
			}
			a.attachRTCP(d, x.SSRC, false, nil, xe)
		}
	}
}

func ssrcText(v uint32) string { return fmt.Sprintf("0x%08X", v) }

// attachRTCP ties an RTCP entry to the stream of ssrc. When several streams
// share the SSRC (a relay forwards it unchanged), the one that matches the
// reporter's address wins: the sender's stream for SR/SDES/BYE, the
// received stream for report blocks.
func (a *Analyzer) attachRTCP(d *capture.Datagram, ssrc uint32, sender bool, b *rtcpreport.Block, e RTCP) {
	cands := a.bySSRC[ssrc]
	if len(cands) == 0 {
		if len(a.orphanRTCP) < 10000 {
			ev := rtcpEvent{ssrc: ssrc, sender: sender, srcIP: d.Src.Addr(), entry: e}
			if b != nil {
				bb := *b
				ev.block = &bb
			}
			a.orphanRTCP = append(a.orphanRTCP, ev)
		}
		return
	}
	s := cands[0]
	for _, c := range cands {
		if sender && c.key.src.Addr() == d.Src.Addr() || !sender && c.key.dst.Addr() == d.Src.Addr() {
			s = c
			break
		}
	}
	if b != nil && s.mainClock > 0 {
		j := round3(b.JitterMs(s.mainClock))
		e.JitterMs = &j
	}
	if len(s.rtcp) < a.opts.MaxRTCPPerStream {
		s.rtcp = append(s.rtcp, e)
	}
}

// flushOrphans attaches RTCP that arrived before the first RTP of its stream.
func (a *Analyzer) flushOrphans() {
	for _, ev := range a.orphanRTCP {
		cands := a.bySSRC[ev.ssrc]
		if len(cands) == 0 {
			continue
		}
		s := cands[0]
		for _, c := range cands {
			if ev.sender && c.key.src.Addr() == ev.srcIP || !ev.sender && c.key.dst.Addr() == ev.srcIP {
				s = c
				break
			}
		}
		e := ev.entry
		if ev.block != nil && s.mainClock > 0 {
			j := round3(ev.block.JitterMs(s.mainClock))
			e.JitterMs = &j
		}
		if len(s.rtcp) < a.opts.MaxRTCPPerStream {
			s.rtcp = append(s.rtcp, e)
		}
	}
	a.orphanRTCP = nil
}
