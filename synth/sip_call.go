package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"

	"voiplab/capture"
)

// RFC 3261 §17.1.1.1 timer values.
const (
	t1 = 500 * time.Millisecond
	t2 = 4 * time.Second
)

// retransmitTimes returns the offsets at which a request (or a 2xx) is
// sent: 0, T1, 3·T1, 7·T1... doubling (capped at T2 when capped is true)
// while the offset is below 64·T1 (RFC 3261 §17.1.1.2 Timer A/B,
// §17.1.2.2 Timer E/F, §13.3.1.4 for the 2xx).
func retransmitTimes(capped bool) []time.Duration {
	var out []time.Duration
	at, iv := time.Duration(0), t1
	for at < 64*t1 {
		out = append(out, at)
		at += iv
		iv *= 2
		if capped && iv > t2 {
			iv = t2
		}
	}
	return out
}

// leg is the signalling path of one event: two endpoints and an optional
// stateful proxy between them.
type leg struct {
	tr     string // "UDP" or "TCP"
	ctr    capture.Transport
	proxy  *Endpoint
	hop    time.Duration
	pkts   []pkt
	rr     []string // Record-Route set by the proxy
	ids    ids
	retarg string // Request-URI the proxy forwards initial requests to
}

func (l *leg) add(at time.Duration, src, dst netip.AddrPort, m *sipMsg) {
	l.pkts = append(l.pkts, pkt{at: at, src: src, dst: dst, tr: l.ctr, payload: m.render(), kind: kindSIP})
}

// request sends m from one endpoint to the other at t. With a proxy, the
// proxy receives it and forwards it with its own Via on top (RFC 3261
// §16.6) unless stop is set. It returns the arrival time and the message as
// the final receiver sees it, and the message as the proxy saw it.
func (l *leg) request(t time.Duration, from, to Endpoint, m *sipMsg, initial, stop bool) (time.Duration, *sipMsg, *sipMsg) {
	if l.proxy == nil {
		l.add(t, from.Addr, to.Addr, m)
		r := m.clone()
		markReceived(r, from.Addr)
		return t + l.hop, r, nil
	}
	p := l.proxy
	l.add(t, from.Addr, p.Addr, m)
	atProxy := m.clone()
	markReceived(atProxy, from.Addr)
	if stop {
		return t + l.hop, atProxy, atProxy
	}
	fw := atProxy.clone()
	top := fw.via[0]
	br := top[strings.Index(top, "branch=")+len("branch="):]
	fw.via = append([]string{viaValue(l.tr, p.Addr.String(), deriveBranch(br))}, fw.via...)
	fw.maxForwards--
	fw.route = nil // RFC 3261 §16.4: the proxy removes its own Route entry
	if initial && l.retarg != "" {
		fw.ruri = l.retarg
	}
	if initial && fw.method == "INVITE" {
		fw.recordRoute = append([]string{"<sip:" + p.Addr.String() + ";lr>"}, fw.recordRoute...)
		l.rr = fw.recordRoute
	}
	t2 := t + l.hop + time.Millisecond
	l.add(t2, p.Addr, to.Addr, fw)
	return t2 + l.hop, fw, atProxy
}

// respond sends r (built from the request as the responder received it)
// from the responder at t back along the Via path; with two Vias the proxy
// removes its own and forwards (RFC 3261 §16.7). It returns the arrival
// time at the original requester.
func (l *leg) respond(t time.Duration, from netip.AddrPort, to Endpoint, r *sipMsg) time.Duration {
	if l.proxy == nil || len(r.via) < 2 {
		l.add(t, from, to.Addr, r)
		return t + l.hop
	}
	l.add(t, from, l.proxy.Addr, r)
	fw := r.clone()
	fw.via = fw.via[1:]
	t2 := t + l.hop + time.Millisecond
	l.add(t2, l.proxy.Addr, to.Addr, fw)
	return t2 + l.hop
}

var rejectReasons = map[int]string{
	400: "Bad Request", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
	415: "Unsupported Media Type", 480: "Temporarily Unavailable", 486: "Busy Here",
	488: "Not Acceptable Here", 500: "Server Internal Error", 503: "Service Unavailable",
	600: "Busy Everywhere", 603: "Decline",
}

func reasonPhrase(status int) string {
	if r, ok := rejectReasons[status]; ok {
		return r
	}
	return "Rejected"
}

// callPlan is what buildCall decides before it creates the sources.
type callPlan struct {
	offer, answer []sdpCodec
	media         sdpCodec
	event         sdpCodec
	hasEvent      bool
}

func planCodecs(c *Call) (callPlan, error) {
	var p callPlan
	offerNames := c.Offer
	if len(offerNames) == 0 {
		offerNames = []string{"PCMU", "PCMA", "telephone-event"}
	}
	answerNames := c.Answer
	if len(answerNames) == 0 {
		answerNames = offerNames
	}
	isEvent := func(n string) bool { return strings.EqualFold(n, "telephone-event") }
	if c.DTMF != "" || c.DTMFNegotiated {
		offerNames = slices.DeleteFunc(slices.Clone(offerNames), isEvent)
		answerNames = slices.DeleteFunc(slices.Clone(answerNames), isEvent)
		if c.DTMFNegotiated {
			offerNames = append(offerNames, "telephone-event")
			answerNames = append(answerNames, "telephone-event")
		}
	}
	var err error
	if p.offer, err = codecsFor(offerNames); err != nil {
		return p, err
	}
	all, err := codecsFor(answerNames)
	if err != nil {
		return p, err
	}
	// RFC 3264 §6.1: the answer keeps the offered formats the answerer
	// supports, in its own order, with the offer's payload types.
	for _, a := range all {
		i := slices.IndexFunc(p.offer, func(o sdpCodec) bool { return strings.EqualFold(o.name, a.name) })
		switch {
		case i >= 0:
			p.answer = append(p.answer, p.offer[i])
		case c.AnswerNotInOffer:
			p.answer = append(p.answer, a)
		}
	}
	if len(p.answer) == 0 || !slices.ContainsFunc(p.answer, func(x sdpCodec) bool { return !x.event }) {
		p.answer = append(p.answer, all...) // no common codec: answer what it has
	}
	if c.AnswerNotInOffer {
		// The callee puts its first codec that the offer lacks first.
		slices.SortStableFunc(p.answer, func(a, b sdpCodec) int {
			ai := slices.ContainsFunc(p.offer, func(o sdpCodec) bool { return o.name == a.name })
			bi := slices.ContainsFunc(p.offer, func(o sdpCodec) bool { return o.name == b.name })
			switch {
			case ai == bi:
				return 0
			case !ai:
				return -1
			}
			return 1
		})
	}
	for _, a := range p.answer {
		if !a.event {
			p.media = a
			break
		}
	}
	p.event = sdpCodec{pt: 101, name: "telephone-event", clock: 8000, event: true}
	for _, a := range p.answer {
		if a.event {
			p.event, p.hasEvent = a, true
		}
	}
	return p, nil
}

func validEndpoint(e Endpoint) bool { return e.Addr.IsValid() && e.User != "" }

// buildCall generates the SIP of a call and the sources of its media.
func buildCall(seed int64, start time.Time, key uint64, c *Call) ([]source, error) {
	if !validEndpoint(c.Caller) || !validEndpoint(c.Callee) || (c.Proxy != nil && !c.Proxy.Addr.IsValid()) {
		return nil, fmt.Errorf("synth: call %q: endpoint without address or user: %w", c.CallID, ErrInvalidScenario)
	}
	plan, err := planCodecs(c)
	if err != nil {
		return nil, fmt.Errorf("synth: call %q: %w", c.CallID, err)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), key))
	g := ids{rng}
	l := &leg{tr: "UDP", ctr: capture.UDP, proxy: c.Proxy, ids: g}
	if strings.EqualFold(c.Transport, "TCP") {
		l.tr, l.ctr = "TCP", capture.TCP
	}
	l.hop = 10*time.Millisecond + time.Duration(rng.IntN(20))*time.Millisecond
	ptime := c.Ptime
	if ptime <= 0 {
		ptime = 20 * time.Millisecond
	}
	if ptime < time.Millisecond || ptime > time.Second {
		return nil, fmt.Errorf("synth: call %q: ptime %v outside 1 ms..1 s: %w", c.CallID, ptime, ErrInvalidScenario)
	}
	talk := c.Talk
	if talk <= 0 {
		talk = 10 * time.Second
	}
	status := c.RejectStatus
	if status == 0 {
		status = 486
	}
	A, B := c.Caller, c.Callee
	callID := c.CallID
	if callID == "" {
		callID = g.hex(24) + "@" + hostOnly(A.sdpAddr())
	}
	// Contact URIs; over TCP they say so (RFC 3261 §19.1.1 transport param).
	uriA, uriB := A.uri(), B.uri()
	if l.tr == "TCP" {
		uriA, uriB = uriA+";transport=tcp", uriB+";transport=tcp"
	}
	domainB := B.Addr.String()
	domainA := hostOnly(A.sdpAddr())
	if c.Proxy != nil {
		domainB = c.Proxy.Addr.String()
		domainA = hostOnly(c.Proxy.Addr.Addr())
		l.retarg = uriB
	}
	agentA, agentB := A.UserAgent, B.UserAgent
	proxyAgent := ""
	if c.Proxy != nil {
		proxyAgent = c.Proxy.UserAgent
	}
	tagA, tagB := g.tag(), g.tag()
	portA := uint16(10000 + 2*rng.IntN(5000))
	portB := uint16(10000 + 2*rng.IntN(5000))
	sessA, sessB := uint64(rng.Uint32()), uint64(rng.Uint32())
	ptimeMs := int(ptime / time.Millisecond)
	offerSDP := sdpBody(A.User, sessA, sessA, A.sdpAddr(), portA, plan.offer, ptimeMs, "sendrecv")
	answerSDP := sdpBody(B.User, sessB, sessB, B.sdpAddr(), portB, plan.answer, ptimeMs, "sendrecv")

	from := fmt.Sprintf("<sip:%s@%s>;tag=%s", A.User, domainA, tagA)
	to := fmt.Sprintf("<sip:%s@%s>", B.User, domainB)
	toTagged := to + ";tag=" + tagB
	cseq := 1
	inv := &sipMsg{
		method: "INVITE", ruri: "sip:" + B.User + "@" + domainB,
		via:         []string{viaValue(l.tr, A.contactHostport(), g.branch())},
		maxForwards: 70, from: from, to: to, callID: callID, cseq: cseq, cseqMethod: "INVITE",
		contact: "<" + uriA + ">", agent: agentA, ctype: "application/sdp", body: offerSDP,
		extra: []header{{"Allow", allowMethods}, {"Supported", "replaces, timer"}},
	}
	t := c.At
	respB := B.Addr // the callee answers from its own address; respond routes via the proxy
	nonAckFor := func(req *sipMsg, toHdr string) *sipMsg {
		// RFC 3261 §17.1.1.3: the ACK of a non-2xx has the INVITE's branch.
		return &sipMsg{method: "ACK", ruri: req.ruri, via: []string{req.via[0]}, maxForwards: 70,
			from: req.from, to: toHdr, callID: req.callID, cseq: req.cseq, cseqMethod: "ACK", agent: req.agent}
	}

	if c.AuthChallenge {
		arr, rcv, _ := l.request(t, A, B, inv, true, c.Proxy != nil)
		challenger, chAgent := B.Addr, agentB
		if c.Proxy != nil {
			challenger, chAgent = c.Proxy.Addr, proxyAgent
		}
		nonce := g.hex(32)
		r := response(rcv, 407, "Proxy Authentication Required", g.tag(), chAgent)
		r.extra = append(r.extra, header{"Proxy-Authenticate", digestChallenge(realm, nonce)})
		back := l.respond(arr+2*time.Millisecond, challenger, A, r)
		l.request(back+time.Millisecond, A, B, nonAckFor(inv, r.to), true, c.Proxy != nil)
		cseq++
		inv = inv.clone()
		inv.cseq = cseq
		inv.via = []string{viaValue(l.tr, A.contactHostport(), g.branch())}
		inv.extra = append(inv.extra, header{"Proxy-Authorization",
			digestAuthorization(A.User, password, realm, nonce, "INVITE", inv.ruri, g.hex(16), 1)})
		t = back + 30*time.Millisecond
	}

	var media []*rtpConfig
	var mediaStart, mediaEnd time.Duration
	dirs := [2]Impairment{c.Media.CallerToCallee, c.Media.CalleeToCaller}

	if c.Outcome == NoResponse {
		if c.Proxy == nil {
			times := retransmitTimes(false)
			if l.tr == "TCP" {
				times = times[:1] // RFC 3261 §17.1.1.2: Timer A only on unreliable transports
			}
			for _, off := range times {
				l.add(t+off, A.Addr, B.Addr, inv)
			}
		} else {
			arr, fw, atProxy := l.request(t, A, B, inv, true, true)
			l.respond(arr+time.Millisecond, c.Proxy.Addr, A, response(atProxy, 100, "Trying", "", proxyAgent))
			fw = fw.clone()
			top := fw.via[0]
			fw.via = append([]string{viaValue(l.tr, c.Proxy.Addr.String(), deriveBranch(top[strings.Index(top, "branch=")+7:]))}, fw.via...)
			fw.maxForwards--
			fw.ruri = l.retarg
			times := retransmitTimes(false)
			if l.tr == "TCP" {
				times = times[:1]
			}
			for _, off := range times {
				l.add(arr+2*time.Millisecond+off, c.Proxy.Addr, B.Addr, fw)
			}
			r := response(atProxy, 408, "Request Timeout", g.tag(), proxyAgent)
			back := l.respond(arr+2*time.Millisecond+64*t1, c.Proxy.Addr, A, r)
			l.request(back+time.Millisecond, A, B, nonAckFor(inv, r.to), true, true)
		}
		return sources(l, nil, nil), nil
	}

	arr, rcv, atProxy := l.request(t, A, B, inv, true, false)
	if atProxy != nil {
		l.respond(t+l.hop+500*time.Microsecond, c.Proxy.Addr, A, response(atProxy, 100, "Trying", "", proxyAgent))
		l.add(arr+time.Millisecond, B.Addr, c.Proxy.Addr, response(rcv, 100, "Trying", "", agentB))
	} else {
		l.respond(arr+time.Millisecond, respB, A, response(rcv, 100, "Trying", "", agentB))
	}
	contactB := "<" + uriB + ">"

	if c.Outcome == Rejected && status == 488 {
		r := response(rcv, 488, "Not Acceptable Here", tagB, agentB)
		r.extra = append(r.extra, header{"Warning", `305 ` + hostOnly(B.sdpAddr()) + ` "Incompatible media format"`})
		back := l.respond(arr+30*time.Millisecond, respB, A, r)
		l.request(back+time.Millisecond, A, B, nonAckFor(inv, toTagged), true, false)
		return sources(l, nil, nil), nil
	}

	ring := response(rcv, 180, "Ringing", tagB, agentB)
	ring.contact, ring.recordRoute = contactB, rcv.recordRoute
	tRing := arr + 50*time.Millisecond
	ringBack := l.respond(tRing, respB, A, ring)
	ringTime := 1500*time.Millisecond + time.Duration(rng.IntN(2000))*time.Millisecond

	switch c.Outcome {
	case Rejected:
		r := response(rcv, status, reasonPhrase(status), tagB, agentB)
		back := l.respond(tRing+ringTime, respB, A, r)
		l.request(back+time.Millisecond, A, B, nonAckFor(inv, toTagged), true, false)
		return sources(l, nil, nil), nil
	case Cancelled:
		cancel := &sipMsg{method: "CANCEL", ruri: inv.ruri, via: []string{inv.via[0]}, maxForwards: 70,
			from: from, to: to, callID: callID, cseq: inv.cseq, cseqMethod: "CANCEL", agent: agentA}
		carr, crcv, _ := l.request(ringBack+ringTime, A, B, cancel, true, false)
		l.respond(carr+time.Millisecond, respB, A, response(crcv, 200, "OK", tagB, agentB))
		back := l.respond(carr+2*time.Millisecond, respB, A, response(rcv, 487, "Request Terminated", tagB, agentB))
		l.request(back+time.Millisecond, A, B, nonAckFor(inv, toTagged), true, false)
		return sources(l, nil, nil), nil
	}

	// Answered, MissingACK, NotEnded.
	ok := response(rcv, 200, "OK", tagB, agentB)
	ok.contact, ok.recordRoute = contactB, rcv.recordRoute
	ok.extra = append(ok.extra, header{"Allow", allowMethods})
	ok.ctype, ok.body = "application/sdp", answerSDP
	t200 := tRing + ringTime
	okBack := l.respond(t200, respB, A, ok)
	routeA := l.rr               // the caller's route set (RFC 3261 §12.1.2)
	routeB := slices.Clone(l.rr) // the callee's, reversed (§12.1.1)
	slices.Reverse(routeB)
	dialogReq := func(method string, fromA bool, n int) *sipMsg {
		if fromA {
			return &sipMsg{method: method, ruri: uriB, via: []string{viaValue(l.tr, A.contactHostport(), g.branch())},
				route: routeA, maxForwards: 70, from: from, to: toTagged, callID: callID, cseq: n, cseqMethod: method, agent: agentA}
		}
		return &sipMsg{method: method, ruri: uriA, via: []string{viaValue(l.tr, B.contactHostport(), g.branch())},
			route: routeB, maxForwards: 70, from: toTagged, to: from, callID: callID, cseq: n, cseqMethod: method, agent: agentB}
	}
	mediaStart = t200 + 5*time.Millisecond
	holdAt := time.Duration(-1)
	if c.Outcome == MissingACK {
		for _, off := range retransmitTimes(true)[1:] {
			l.respond(t200+off, respB, A, ok)
		}
		mediaEnd = t200 + 64*t1
		bye := dialogReq("BYE", false, 1)
		barr, brcv, _ := l.request(mediaEnd, B, A, bye, false, false)
		l.respond(barr+time.Millisecond, A.Addr, B, response(brcv, 200, "OK", "", agentA))
	} else {
		l.request(okBack+time.Millisecond, A, B, dialogReq("ACK", true, inv.cseq), false, false)
		mediaEnd = okBack + 5*time.Millisecond + talk // each direction sends for exactly talk
		if c.ReInviteHold {
			cseq++
			re := dialogReq("INVITE", true, cseq)
			re.contact, re.ctype = "<"+uriA+">", "application/sdp"
			re.body = sdpBody(A.User, sessA, sessA+1, A.sdpAddr(), portA, plan.offer, ptimeMs, "sendonly")
			rarr, rrcv, _ := l.request(okBack+talk/2, A, B, re, false, false)
			rok := response(rrcv, 200, "OK", "", agentB)
			rok.contact, rok.ctype = contactB, "application/sdp"
			rok.body = sdpBody(B.User, sessB, sessB+1, B.sdpAddr(), portB, plan.answer, ptimeMs, "recvonly")
			rback := l.respond(rarr+5*time.Millisecond, respB, A, rok)
			l.request(rback+time.Millisecond, A, B, dialogReq("ACK", true, cseq), false, false)
			holdAt = rarr + 5*time.Millisecond
		}
		if c.Outcome == Answered {
			cseq++
			barr, brcv, _ := l.request(mediaEnd+10*time.Millisecond, A, B, dialogReq("BYE", true, cseq), false, false)
			l.respond(barr+time.Millisecond, B.Addr, A, response(brcv, 200, "OK", "", agentB))
		}
	}
	if c.Media.NoRTP || plan.media.name == "" {
		return sources(l, nil, nil), nil
	}
	mk := func(dir int, from, to Endpoint, fromPort, toPort uint16, start, end time.Duration) *rtpConfig {
		imp := dirs[dir]
		if imp.Silent || end <= start {
			return nil
		}
		cfg := &rtpConfig{
			seed: seed, key: key<<4 | uint64(dir+1),
			src: netip.AddrPortFrom(from.Addr.Addr(), fromPort), dst: netip.AddrPortFrom(to.sdpAddr(), toPort),
			start: start, end: end, ptime: ptime, clock: plan.media.clock, pt: plan.media.pt,
			size: int(plan.media.bytesPerMs*float64(ptime)/float64(time.Millisecond) + 0.5),
			imp:  imp, delay: l.hop, dtmfPT: plan.event.pt,
		}
		if imp.SendTo.IsValid() {
			cfg.dst = imp.SendTo
		}
		if imp.WrongPT {
			for _, pt := range []uint8{8, 0, 18, 3, 9} {
				if !slices.ContainsFunc(plan.answer, func(x sdpCodec) bool { return x.pt == pt }) {
					cfg.pt = pt
					break
				}
			}
		}
		switch plan.media.pt {
		case 0:
			cfg.table = payloadTables().ulaw[dir]
		case 8:
			cfg.table = payloadTables().alaw[dir]
		default:
			cfg.table = payloadTables().opaque
		}
		if cfg.size > len(cfg.table) || cfg.size <= 0 {
			cfg.size = 160
		}
		if dir == 0 && c.DTMF != "" {
			cfg.dtmf = c.DTMF
			cfg.dtmfStart = start + min(2*time.Second, (end-start)/5)
		}
		return cfg
	}
	callerStart, calleeEnd := mediaStart, mediaEnd
	if c.Outcome != MissingACK {
		callerStart = okBack + 5*time.Millisecond // the caller sends once it has the answer
		calleeEnd = mediaStart + talk
	}
	if holdAt >= 0 {
		calleeEnd = min(calleeEnd, holdAt)
	}
	media = append(media, mk(0, A, B, portA, portB, callerStart, mediaEnd), mk(1, B, A, portB, portA, mediaStart, calleeEnd))
	var rtcps []*rtcpSource
	if c.RTCP {
		ssrcs := [2]uint32{rng.Uint32(), rng.Uint32()}
		offs := [2]time.Duration{mediaStart + rtcpInterval, mediaStart + rtcpInterval + 250*time.Millisecond}
		eps := [2]Endpoint{A, B}
		ports := [2]uint16{portA, portB}
		for side := range 2 {
			other := 1 - side
			r := &rtcpSource{
				start: start, own: media[side], ownSSRC: ssrcs[side],
				src:   netip.AddrPortFrom(eps[side].Addr.Addr(), ports[side]+1),
				dst:   netip.AddrPortFrom(eps[other].sdpAddr(), ports[other]+1),
				cname: eps[side].User + "@" + hostOnly(eps[side].sdpAddr()),
				first: offs[side], t: offs[side], end: mediaEnd,
				peerOff: offs[other], peerSR: media[other] != nil, delay: l.hop,
			}
			if media[side] != nil {
				s := newRTPStream(media[side])
				r.ownSSRC, r.ownTS0 = s.ssrc, s.ts0
			}
			if media[other] != nil {
				r.peer = newRTPStream(media[other])
				r.peerLive = r.peer.advance()
			}
			if r.first >= r.end {
				r.t, r.bye = r.end, true
			}
			rtcps = append(rtcps, r)
		}
	}
	return sources(l, media, rtcps), nil
}

// sources turns a built event into live sources, leaving out empty ones.
func sources(l *leg, media []*rtpConfig, rtcps []*rtcpSource) []source {
	var out []source
	if len(l.pkts) > 0 {
		out = append(out, newListSource(l.pkts))
	}
	for _, m := range media {
		if m == nil {
			continue
		}
		if s := newRTPStream(m); s.advance() {
			out = append(out, s)
		}
	}
	for _, r := range rtcps {
		out = append(out, r)
	}
	return out
}
