package analyze

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"

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
	calls   []epCall  // every call that announced it (a B2BUA's two legs)
	rtcp    bool      // the RTCP port of an RTP m= line
	rtp     bool      // the m= line is RTP (RTP/AVP, RTP/SAVP...), not udptl or TCP
	streams []*stream // the streams whose conversation it is (stream.conv)
}

// epCall is one call that announced an endpoint, with the role of the party.
type epCall struct {
	callID string
	role   int
}

// streamKey identifies an RTP stream as Wireshark does: source, destination and SSRC.
type streamKey struct {
	src, dst netip.AddrPort
	ssrc     uint32
}

type stream struct {
	// What every packet reads comes first, next to the statistics, so that
	// a packet touches few cache lines: with thousands of streams each
	// stream's state is cold when its next packet comes.
	mode streamMode // what the conversation says of its packets (convMode)

	// payload type of the last packet and what it resolved to
	lastPT     int
	clock      int
	event      bool
	eventInSDP bool

	stats rtpstats.Stream

	key       streamKey
	conv      *endpoint // the SDP conversation that made it RTP; nil when found by heuristic
	dstEP     *endpoint
	srcEP     *endpoint
	callID    string
	signalled bool

	final rtpstats.Stats // stats.Stats() once the capture is read

	ptName string

	mainPT    int // first audio/video payload type
	mainName  string
	mainClock int

	eventSeen bool
	eventPT   int

	callIDs []string // every call it belongs to (see memberships)

	dtmf    dtmf.Detector
	digits  []DTMF
	rtcp    []RTCP
	id      string
	evicted bool // finished in a live analysis
}

// streamMode is a stream's conversation as its packets need it, kept in
// the stream (and updated by setEndpoint when a later SDP changes the
// conversation) so that a packet does not read the endpoint.
type streamMode uint8

const (
	modeHeuristic streamMode = iota // no conversation: found by the RTP heuristic
	modeRTP                         // an RTP m= line announced it
	modeNotRTP                      // the conversation is RTCP, or not RTP (T.38 udptl...)
)

// convMode is the mode of a stream of conversation ep.
func convMode(ep *endpoint) streamMode {
	switch {
	case ep == nil:
		return modeHeuristic
	case !ep.rtp || ep.rtcp:
		return modeNotRTP
	}
	return modeRTP
}

// wellKnownUDP are ports whose own dissector claims a datagram before
// Wireshark tries its RTP heuristic (udp.try_heuristic_first is off): DNS,
// DHCP, NTP, NetBIOS, SNMP, syslog, MEGACO, SIP, mDNS. RTP found on them
// without SDP is not RTP, which keeps DNS and NetBIOS noise out of the
// streams exactly as tshark does.
var wellKnownUDP = map[uint16]bool{
	53: true, 67: true, 68: true, 123: true, 137: true, 138: true, 161: true, 162: true,
	514: true, 1900: true, 2944: true, 2945: true, 5060: true, 5353: true,
}

// mediaDatagram classifies a UDP datagram that is not SIP the way tshark
// does with rtp.heuristic_rtp and rtcp.heuristic_rtcp on: a datagram on an
// address that SDP announced belongs to that conversation (RTP if the m=
// line is RTP and the version is 2, RTCP on the RTCP port or when
// multiplexed); other datagrams are RTCP or RTP by heuristic.
func (a *Analyzer) mediaDatagram(d *capture.Datagram) {
	p := d.Payload
	if megacoPort(d.Src.Port()) || megacoPort(d.Dst.Port()) {
		a.megacoDatagram(d)
		return
	}
	if len(p) < 4 || p[0]>>6 != 2 { // RTP and RTCP are version 2 (RFC 3550 §5.1, §6.4.1)
		return
	}
	var s *stream
	if len(p) >= 12 {
		key := streamKey{src: d.Src, dst: d.Dst, ssrc: uint32(p[8])<<24 | uint32(p[9])<<16 | uint32(p[10])<<8 | uint32(p[11])}
		s = a.streams[key]
		if s != nil && s.mode != modeHeuristic {
			// a signalled stream follows its conversation, which a later SDP
			// may have moved to T.38 (udptl) or to another protocol
			if s.mode == modeNotRTP {
				return
			}
			if rtpstats.RTCPMuxed(p) {
				a.rtcpDatagram(d)
				return
			}
			a.addRTP(s, d)
			return
		}
	}
	conv := a.endpoints[d.Dst]
	if conv == nil {
		conv = a.endpoints[d.Src]
	}
	switch {
	case conv != nil && (conv.rtcp || rtpstats.RTCPMuxed(p)):
		if rtpstats.LooksLikeRTCP(p) || conv.rtcp && len(p)%4 == 0 {
			a.rtcpDatagram(d)
		}
		return
	case conv != nil:
		if !conv.rtp || len(p) < 12 {
			return
		}
	case wellKnownUDP[d.Src.Port()] || wellKnownUDP[d.Dst.Port()]:
		return
	case rtpstats.LooksLikeRTCP(p):
		a.rtcpDatagram(d)
		return
	case !rtpstats.LooksLikeRTP(p):
		return
	}
	if s == nil {
		if len(a.streams) >= maxStreams {
			return
		}
		s = a.newStream(streamKey{src: d.Src, dst: d.Dst, ssrc: uint32(p[8])<<24 | uint32(p[9])<<16 | uint32(p[10])<<8 | uint32(p[11])}, conv)
	}
	a.addRTP(s, d)
}

// addRTP adds one RTP packet to its stream. A signalled packet whose header
// is damaged (a CSRC count or extension longer than the packet) still counts,
// with its fixed header fields, as in Wireshark.
func (a *Analyzer) addRTP(s *stream, d *capture.Datagram) {
	p := d.Payload
	h, ok := rtpstats.ParseHeader(p)
	if !ok {
		h = rtpstats.Header{Version: 2, Marker: p[1]&0x80 != 0, PayloadType: p[1] & 0x7f,
			Seq: uint16(p[2])<<8 | uint16(p[3]), Timestamp: uint32(p[4])<<24 | uint32(p[5])<<16 | uint32(p[6])<<8 | uint32(p[7]),
			SSRC: s.key.ssrc, PayloadOffset: 12}
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
	clock := s.clock
	if s.event && !s.eventInSDP {
		clock = 0 // Wireshark knows no clock rate for an unsignalled telephone-event
	}
	s.stats.Add(rtpstats.Packet{
		Arrival: d.Time, Seq: h.Seq, Timestamp: h.Timestamp, PayloadType: h.PayloadType,
		Marker: h.Marker, ClockRate: clock, Event: s.event && s.eventInSDP, PayloadLen: len(payload), Frame: d.Frame,
	})
	if s.event {
		if !s.eventSeen {
			s.eventSeen, s.eventPT = true, pt
		}
		if dg, ok := s.dtmf.Add(d.Time, d.Frame, h.Timestamp, h.Marker, payload, s.clock); ok {
			s.addDigit(dg)
		}
	}
}

func (a *Analyzer) newStream(key streamKey, conv *endpoint) *stream {
	s := &stream{key: key, conv: conv, mode: convMode(conv), lastPT: -1, mainPT: -1, eventPT: -1}
	if conv != nil {
		conv.streams = append(conv.streams, s)
	}
	// the endpoints tie the stream to its call and say which party receives
	if ep := a.endpoints[key.dst]; ep != nil && !ep.rtcp {
		s.dstEP = ep
	}
	if ep := a.endpoints[key.src]; ep != nil && !ep.rtcp {
		s.srcEP = ep
	}
	s.signalled = s.dstEP != nil || s.srcEP != nil
	switch {
	case s.dstEP != nil && s.dstEP.callID != "":
		s.callID = s.dstEP.callID
	case s.srcEP != nil && s.srcEP.callID != "":
		s.callID = s.srcEP.callID
	}
	s.callIDs = a.memberships(s)
	a.streams[key] = s
	a.streamList = append(a.streamList, s)
	if a.live() {
		for _, id := range s.calls() {
			a.callStreams[id] = append(a.callStreams[id], s)
		}
	}
	a.bySSRC[key.ssrc] = append(a.bySSRC[key.ssrc], s)
	return s
}

// calls returns the Call-IDs the stream belongs to: its own, and the other
// legs (a B2BUA with direct media) that announced its source or destination.
func (s *stream) calls() []string { return s.callIDs }

// memberships lists, when a stream starts, the calls it belongs to: its
// own, and the other leg of a B2BUA that passed the same SDP through —
// a call that announced its destination or source, has not ended yet,
// and is chained to its own call (one leg's callee is the other leg's
// caller: the PBX). Calls of one SIPp instance share their media ports
// but are not chained, so their streams stay apart.
func (a *Analyzer) memberships(s *stream) []string {
	if s.callID == "" {
		return nil
	}
	ids := []string{s.callID}
	own := a.dialogs[s.callID]
	if own == nil || own.call == nil {
		return ids
	}
	for _, ep := range [2]*endpoint{s.dstEP, s.srcEP} {
		if ep == nil {
			continue
		}
		for _, c := range ep.calls {
			if slices.Contains(ids, c.callID) {
				continue
			}
			if dg := a.dialogs[c.callID]; dg != nil && dg.call != nil && dg.endAt.IsZero() && chained(own.call, dg.call) {
				ids = append(ids, c.callID)
			}
		}
	}
	return ids
}

// chained reports whether two calls are the two legs of a B2BUA: the callee
// of one (where its INVITE went) is the caller of the other (where the other
// INVITE came from). On one address, or one host that is not also one of
// the ends (a PBX may send its INVITEs from another port than it listens on).
func chained(p, c *callState) bool {
	link := func(callee, caller, calleeEnd, callerEnd netip.AddrPort) bool {
		if !callee.IsValid() || !caller.IsValid() {
			return false
		}
		if callee == caller {
			return true
		}
		h := callee.Addr()
		return h == caller.Addr() && h != calleeEnd.Addr() && h != callerEnd.Addr()
	}
	return link(p.callee, c.caller, p.caller, c.callee) || link(c.callee, p.caller, c.caller, p.callee)
}

// rtpEventPT is the payload type Wireshark decodes as RFC 4733
// telephone-event when no SDP maps it (its rtpevent preference, default 101).
const rtpEventPT = 101

// resolve finds what a payload type means in this stream: the receiver's SDP
// first (RFC 3264 §5.1: a party receives with the numbers it announced),
// then the sender's, then the static table of RFC 3551.
func (s *stream) resolve(pt uint8) (clock int, event, inSDP bool, name string) {
	if pt < 96 { // Wireshark takes static payload types from RFC 3551's table
		if c, ok := codec.ByPayloadType(pt); ok {
			return c.ClockRate, false, s.signalled, c.Name
		}
	}
	for _, ep := range [3]*endpoint{s.conv, s.dstEP, s.srcEP} {
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
	ssrc   uint32
	sender bool // about the sender's own stream (SR, SDES, BYE) rather than a report block
	srcIP  netip.Addr
	block  *rtcpreport.Block
	entry  RTCP
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

// megacoPort: H.248/MEGACO text encoding (RFC 3525 Annex B; port 2944, 2945
// for the binary encoding).
func megacoPort(p uint16) bool { return p == 2944 || p == 2945 }

// megacoDatagram reads the SDP descriptors of an H.248 (MEGACO) message:
// a media gateway controller announces there the RTP and T.38 ports of the
// gateway, and Wireshark follows them as it follows SDP in SIP. Each "v="
// line starts a session description (Local and Remote descriptors).
func (a *Analyzer) megacoDatagram(d *capture.Datagram) {
	p := d.Payload
	i := bytes.Index(p, []byte("\nv=0"))
	if i < 0 || !bytes.Contains(p[i:], []byte("\nm=")) {
		return
	}
	body := p[i+1:]
	for len(body) > 0 {
		next := bytes.Index(body[1:], []byte("\nv="))
		block := body
		if next >= 0 {
			block, body = body[:next+2], body[next+2:]
		} else {
			body = nil
		}
		if end := bytes.IndexByte(block, '}'); end >= 0 {
			block = block[:end]
		}
		sess, _ := sdpneg.Parse(block)
		if sess == nil {
			continue
		}
		for i, md := range sess.Media {
			if md.Port == 0 || !md.Connection.IsValid() {
				continue
			}
			isRTP := strings.HasPrefix(md.Protocol, "RTP/")
			addr := md.Connection.Unmap()
			a.setEndpoint(netip.AddrPortFrom(addr, uint16(md.Port)), endpoint{media: i, formats: md.Formats, rtp: isRTP})
			if isRTP {
				a.setEndpoint(netip.AddrPortFrom(addr, uint16(md.Port+1)), endpoint{media: i, rtcp: true, rtp: true})
			}
		}
	}
}
