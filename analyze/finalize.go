package analyze

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"voiplab/analyze/codec"
	"voiplab/analyze/rtpstats"
)

// Result finishes the analysis and returns what was found. Call it once,
// after the last datagram.
func (a *Analyzer) Result() *Result {
	r := &Result{Schema: SchemaVersion, Files: a.files, Calls: []Call{}, Registrations: []Registration{},
		Streams: []Stream{}, Findings: []Finding{}}
	if r.Files == nil {
		r.Files = []File{}
	}
	a.flushOrphans()
	// No datagram comes after Result: the retransmission keys can go before
	// the Result is built, when memory peaks.
	a.seen = nil

	// Streams: those tied to SDP, and unsignalled ones with enough packets.
	byCall := map[string][]*stream{}
	for _, s := range a.streamList {
		if s.evicted || !s.signalled && s.stats.Packets() < a.opts.Thresholds.UnsignalledMinPackets {
			continue
		}
		a.prepareStream(s)
		for _, id := range s.calls() {
			byCall[id] = append(byCall[id], s)
		}
	}
	streamFindings := map[*stream][]Finding{}
	for _, s := range a.streamList {
		if s.id == "" || s.evicted {
			continue
		}
		st, fs := a.finishStream(s)
		r.Streams = append(r.Streams, st)
		streamFindings[s] = fs
		// The Result holds the stream's chart series now: drop the two other
		// copies (the statistics' own and s.final's), which would otherwise
		// stay until the Result is built, at the peak of memory.
		s.final.Series = nil
		s.stats = rtpstats.Stream{}
	}

	secFindings, bruteSources := a.sec.findings(a.opts.Thresholds)
	for _, dg := range a.dialogOrder {
		if dg.evicted {
			continue
		}
		switch dg.kind {
		case kindCall:
			c := a.finishCall(dg, byCall[dg.callID], streamFindings)
			r.Calls = append(r.Calls, c)
			r.Findings = append(r.Findings, c.Findings...)
		case kindRegistration:
			reg, fs := a.finishRegistration(dg)
			r.Registrations = append(r.Registrations, reg)
			if !bruteSources[addrOf(reg.Src)] { // folded into the brute-force finding
				r.Findings = append(r.Findings, fs...)
			}
		default:
			r.Other = append(r.Other, dg.msgs...)
		}
	}
	r.Other = append(r.Other, a.other...)
	if len(r.Streams) == 0 {
		r.Findings = noMediaAtAll(r.Findings, r.Calls)
	}
	// findings of streams without a call
	for _, s := range a.streamList {
		if s.id != "" && s.callID == "" && !s.evicted {
			r.Findings = append(r.Findings, streamFindings[s]...)
		}
	}
	r.Findings = append(r.Findings, a.findings...)
	r.Findings = append(r.Findings, secFindings...)
	slices.SortStableFunc(r.Findings, func(x, y Finding) int { return firstFrame(x) - firstFrame(y) })
	slices.SortStableFunc(r.Calls, func(x, y Call) int { return x.Start.Compare(y.Start) })
	return r
}

// noMediaAtAll replaces the no-rtp finding of every call by one finding
// about the capture when it holds no RTP at all: the cause is then the
// capture, not each call.
func noMediaAtAll(fs []Finding, calls []Call) []Finding {
	drop := func(f Finding) bool { return f.Code == CodeNoRTP }
	var frames []int
	n := 0
	for _, c := range calls {
		for _, f := range c.Findings {
			if drop(f) {
				n++
				if len(frames) < 20 {
					frames = append(frames, f.Frames...)
				}
			}
		}
	}
	if n < 2 { // one call: its own finding says it best
		return fs
	}
	for i := range calls {
		calls[i].Findings = slices.DeleteFunc(calls[i].Findings, drop)
	}
	fs = slices.DeleteFunc(fs, drop)
	return append(fs, newFinding(CodeNoRTP+".capture", "", frames, map[string]string{"count": itoa(n)}))
}

func addrOf(hostport string) netip.Addr {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

func firstFrame(f Finding) int {
	if len(f.Frames) == 0 {
		return 1 << 30
	}
	return f.Frames[0]
}

func (a *Analyzer) finishStream(s *stream) (Stream, []Finding) {
	st := s.final
	out := Stream{
		ID: s.id, CallID: s.callID, Src: s.key.src.String(), Dst: s.key.dst.String(),
		SSRC: ssrcText(s.key.ssrc), PayloadType: s.mainPT, Codec: s.mainName, ClockRate: s.mainClock,
		Signalled: s.signalled, Packets: st.Packets, Expected: st.Expected, Lost: st.Lost,
		LostPct: round3(st.LostPct), SeqErrors: st.SeqErrors, Duplicates: st.Duplicates,
		MinDeltaMs: round3(st.MinDeltaMs), MeanDeltaMs: round3(st.MeanDeltaMs), MaxDeltaMs: round3(st.MaxDeltaMs),
		MinJitterMs: round3(st.MinJitterMs), MeanJitterMs: round3(st.MeanJitterMs), MaxJitterMs: round3(st.MaxJitterMs),
		BurstLosses: st.BurstLosses, Start: st.First, End: st.Last, FirstFrame: st.FirstFrame,
		RTCP: s.rtcp, DTMF: s.digits,
	}
	if s.mainPT < 0 { // only telephone-events
		out.PayloadType, out.Codec, out.ClockRate = s.eventPT, "telephone-event", 8000
	}
	for _, pt := range st.PayloadTypes {
		out.PayloadTypes = append(out.PayloadTypes, int(pt))
	}
	if len(st.Series) > 0 {
		out.SeriesWidthMs = round3(st.SeriesWidth.Seconds() * 1000)
		out.Series = make([]SeriesPoint, len(st.Series))
		for i, p := range st.Series {
			out.Series[i] = SeriesPoint{OffsetMs: round3(p.Offset.Seconds() * 1000), JitterMs: round3(p.JitterMs),
				MaxDeltaMs: round3(p.MaxDeltaMs), Lost: p.Lost, Packets: p.Packets}
		}
	}
	if out.RTCP == nil {
		out.RTCP = []RTCP{}
	}
	slices.SortStableFunc(out.RTCP, func(x, y RTCP) int { return x.Frame - y.Frame })
	for i := range out.DTMF {
		out.DTMF[i].Stream = s.id
	}

	// E-model MOS (ITU-T G.107) with the codec's Ie and Bpl (ITU-T G.113 Appendix I).
	info, _ := codec.ByName(s.mainName, 0)
	lossPct := 0.0
	if st.Expected > 0 && st.Lost > 0 {
		lossPct = 100 * float64(st.Lost) / float64(st.Expected)
	}
	if info.HasEModel && st.Packets > 0 {
		burst := st.LossBurstRatio
		if burst < 1 {
			burst = 1
		}
		rf, mos := rtpstats.EModel(rtpstats.EModelInput{Ie: info.Ie, Bpl: info.Bpl, LossPct: lossPct, BurstR: burst})
		rf, mos = round3(rf), round3(mos)
		out.RFactor, out.MOS = &rf, &mos
		out.MOSNote = "E-model estimate (ITU-T G.107) from the codec's Ie/Bpl (ITU-T G.113), the measured loss and its burstiness; no delay or echo measured"
	} else {
		out.MOSNote = "no E-model values for codec " + s.mainName
	}

	var fs []Finding
	th := a.opts.Thresholds
	frames := []int{st.FirstFrame}
	base := map[string]string{"stream": s.id, "src": out.Src, "dst": out.Dst}
	with := func(extra map[string]string) map[string]string {
		m := make(map[string]string, len(base)+len(extra))
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	if st.Packets >= th.MinStreamPackets && s.mainPT >= 0 {
		if lossPct >= th.LossWarnPct {
			f := newFinding(CodePacketLoss, s.callID, frames, with(map[string]string{
				"lost": itoa(st.Lost), "expected": itoa(st.Expected), "pct": ftoa(lossPct, 1), "bursts": itoa(st.BurstLosses)}))
			if lossPct >= th.LossErrorPct {
				f.Severity = SeverityError
			}
			f.Stream = s.id
			fs = append(fs, f)
		}
		if st.MeanJitterMs >= th.JitterWarnMs {
			f := newFinding(CodeHighJitter, s.callID, frames, with(map[string]string{
				"jitter": ftoa(st.MeanJitterMs, 1), "max": ftoa(st.MaxJitterMs, 1)}))
			if st.MeanJitterMs >= th.JitterErrorMs {
				f.Severity = SeverityError
			}
			f.Stream = s.id
			fs = append(fs, f)
		}
		if out.MOS != nil && *out.MOS < th.MOSWarn {
			f := newFinding(CodeLowMOS, s.callID, frames, with(map[string]string{
				"mos": ftoa(*out.MOS, 2), "r": ftoa(*out.RFactor, 1), "rating": rating(*out.RFactor)}))
			if *out.MOS < th.MOSError {
				f.Severity = SeverityError
			}
			f.Stream = s.id
			fs = append(fs, f)
		}
	}
	return out, fs
}

// rating is the user satisfaction of ITU-T G.107 Annex B, Table B.1.
func rating(r float64) string {
	switch {
	case r >= 90:
		return "very satisfied"
	case r >= 80:
		return "satisfied"
	case r >= 70:
		return "some users dissatisfied"
	case r >= 60:
		return "many users dissatisfied"
	case r >= 50:
		return "nearly all users dissatisfied"
	}
	return "not recommended"
}

func (a *Analyzer) finishCall(dg *dialog, streams []*stream, streamFindings map[*stream][]Finding) Call {
	c := dg.call
	out := Call{CallID: dg.callID, From: c.from, To: c.to, FinalStatus: c.final, Reason: c.reason,
		Start: dg.first, End: dg.last, UserAgents: c.userAgents, Messages: dg.msgs, Streams: []string{},
		Negotiations: c.negotiations}
	if c.first != nil {
		out.SDP = CallSDP{Offer: c.first.Offer, Answer: c.first.Answer, Negotiated: c.first.Negotiated}
	} else if c.pending != nil {
		out.SDP.Offer = toSDP(c.pending.frame, c.pending.sess, a.opts.KeepRaw)
	}
	if out.SDP.Negotiated == nil {
		out.SDP.Negotiated = []Codec{}
	}
	fs := c.findings
	answered := c.answerFrame != 0
	params := map[string]string{"status": itoa(c.final), "reason": c.reason, "to": c.toUser}
	if !c.inviteTime.IsZero() {
		if answered {
			out.SetupMs = msPtr(c.answerTime.Sub(c.inviteTime))
		}
		if !c.ringTime.IsZero() {
			out.RingMs = msPtr(c.ringTime.Sub(c.inviteTime))
		}
	}
	end := dg.last
	if c.byeFrame != 0 {
		end = c.byeTime
	}
	if answered {
		out.DurationMs = msPtr(end.Sub(c.answerTime))
	}
	finalFrames := []int{c.inviteFrame}
	if c.finalFrame != 0 {
		finalFrames = append(finalFrames, c.finalFrame)
	}
	hasCodecFinding := slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeCodecMismatch })
	switch {
	case answered && c.byeFrame != 0:
		out.State = StateCompleted
	case answered:
		out.State = StateInProgress
		fs = append(fs, newFinding(CodeCallNotEnded, dg.callID, []int{c.answerFrame}, params))
	case c.cancelFrame != 0 || c.final == 487:
		out.State = StateCancelled
		secs := "?"
		if c.cancelFrame != 0 && !c.inviteTime.IsZero() {
			secs = ftoa(c.cancelTime.Sub(c.inviteTime).Seconds(), 1)
		}
		fs = append(fs, newFinding(CodeCallCancelled, dg.callID, append(finalFrames, c.cancelFrame), map[string]string{"seconds": secs}))
	case c.final >= 300:
		out.State = StateRejected
		if c.final == 408 || c.final >= 500 && c.final < 600 {
			out.State = StateFailed
		}
		switch {
		case len(c.authRejects) > 0:
			fs = append(fs, newFinding(CodeAuthFailed, dg.callID, append(finalFrames, c.authRejects...), map[string]string{
				"user": quoteUser(c.authUser, c.from), "detail": authDetail(c.final, len(c.authRejects)),
			}))
		case hasCodecFinding:
		case c.final == 401 || c.final == 407:
			fs = append(fs, newFinding(CodeCallRejected+".auth", dg.callID, finalFrames, params))
		default:
			key := CodeCallRejected + "." + itoa(c.final)
			if _, ok := catalogue[key]; !ok {
				key = CodeCallRejected + ".generic"
			}
			fs = append(fs, newFinding(key, dg.callID, finalFrames, params))
		}
	case !c.gotResponse && c.inviteRetrans > 0:
		out.State = StateFailed
		fs = append(fs, newFinding(CodeNoResponse, dg.callID, c.inviteFrames, map[string]string{
			"method": "INVITE", "dst": c.callee.String(), "count": itoa(c.inviteRetrans + 1),
		}))
	default:
		out.State = StateUnanswered
	}
	if answered && !c.acked && (c.okCount > 1 || dg.last.Sub(c.answerTime) > 2*time.Second) {
		fs = append(fs, newFinding(CodeMissingACK, dg.callID, c.okFrames, map[string]string{"count": itoa(c.okCount)}))
	}

	// Media of the call.
	var toward [2]int          // packets sent to the address each party announced
	var towardFrom [2][]string // who sent them
	mismatch := false
	var dtmfs []DTMF
	for _, s := range streams {
		out.Streams = append(out.Streams, s.id)
		own := s.callID == dg.callID || s.callID == ""
		if own { // a stream's own findings go with its own call, not every leg
			fs = append(fs, streamFindings[s]...)
			dtmfs = append(dtmfs, s.digits...)
		}
		st := s.final
		if st.Last.After(out.End) {
			out.End = st.Last
		}
		recv := -1
		dstRole, dstOK := s.dstEP.roleIn(dg.callID)
		srcRole, srcOK := s.srcEP.roleIn(dg.callID)
		switch {
		case dstOK:
			recv = dstRole
		case srcOK && (s.dstEP == nil || len(s.dstEP.calls) == 0):
			// sent from where this call's SDP said, to an address no SDP announced
			mismatch = true
			if exp := expectedAddr(a, dg.callID, 1-srcRole); exp != "" {
				fs = append(fs, newFinding(CodeRTPAddressMismatch, dg.callID, []int{st.FirstFrame}, map[string]string{
					"src": s.key.src.String(), "dst": s.key.dst.String(), "expected": exp,
				}))
			}
		}
		if recv >= 0 && s.mainPT >= 0 {
			// RTP sent to a private address that its owner announced from
			// behind NAT never arrives: it does not count as received.
			if !(s.dstEP.private && c.natDone[partyName(recv)+"SDP (c= line)"]) {
				toward[recv] += st.Packets
				if !slices.Contains(towardFrom[recv], s.key.src.String()) {
					towardFrom[recv] = append(towardFrom[recv], s.key.src.String())
				}
			}
		}
		if own && s.mainPT >= 0 && len(c.allPTs) > 0 {
			for _, pt := range st.PayloadTypes {
				if _, ok := c.allPTs[int(pt)]; ok || int(pt) == s.eventPT {
					continue
				}
				fs = append(fs, newFinding(CodeRTPPayloadMismatch, dg.callID, []int{st.FirstFrame}, map[string]string{
					"stream": s.id, "pt": itoa(int(pt)), "negotiated": negotiatedText(c),
				}))
				break
			}
		}
		if own && s.eventSeen && !c.eventPT {
			fs = append(fs, newFinding(CodeDTMFNotNegotiated, dg.callID, []int{st.FirstFrame}, map[string]string{
				"stream": s.id, "pt": itoa(s.eventPT),
			}))
		}
	}
	out.DTMF = dtmfs
	if answered && c.byeFrame == 0 {
		out.DurationMs = msPtr(out.End.Sub(c.answerTime)) // media may outlast the last SIP message
	}
	if answered && audioAnswered(c) && !held(c) {
		talk := end.Sub(c.answerTime)
		if c.byeFrame == 0 {
			talk = out.End.Sub(c.answerTime)
		}
		secs := ftoa(talk.Seconds(), 1)
		min := a.opts.Thresholds.MinStreamPackets
		switch {
		case len(streams) == 0 && talk >= time.Second:
			fs = append(fs, newFinding(CodeNoRTP, dg.callID, []int{c.answerFrame}, map[string]string{"seconds": secs}))
		case mismatch:
			// media went elsewhere than announced: rtp-address-mismatch says so
		case toward[roleCallee] >= min && toward[roleCaller] == 0:
			fs = append(fs, oneWay(dg.callID, c, roleCallee, towardFrom[roleCallee], secs, toward[roleCallee]))
		case toward[roleCaller] >= min && toward[roleCallee] == 0:
			fs = append(fs, oneWay(dg.callID, c, roleCaller, towardFrom[roleCaller], secs, toward[roleCaller]))
		}
	}
	for i := range fs {
		if fs[i].CallID == "" {
			fs[i].CallID = dg.callID
		}
	}
	if fs == nil {
		fs = []Finding{}
	}
	out.Findings = fs
	return out
}

func partyName(role int) string {
	if role == roleCallee {
		return "The callee"
	}
	return "The caller"
}

func oneWay(callID string, c *callState, recv int, senders []string, secs string, packets int) Finding {
	from := strings.Join(senders, " and ")
	to := c.callee.String()
	if recv == roleCaller {
		to = c.caller.String()
	}
	if sdp := c.offerSess[recv]; sdp != nil {
		for _, m := range sdp.Media {
			if m.Type == "audio" && m.Connection.IsValid() {
				to = m.Connection.String() + ":" + itoa(m.Port)
				break
			}
		}
	}
	return newFinding(CodeOneWayAudio, callID, []int{c.answerFrame}, map[string]string{
		"from": from, "to": to, "packets": itoa(packets), "seconds": secs,
	})
}

func audioAnswered(c *callState) bool {
	s := c.offerSess[roleCallee]
	if c.first != nil && c.first.Answer != nil {
		for _, m := range c.first.Answer.Media {
			if m.Type == "audio" && m.Port != 0 {
				return true
			}
		}
		return false
	}
	return s != nil
}

// held reports whether the last negotiation put the call on hold (RFC 3264 §8.4).
func held(c *callState) bool {
	if len(c.negotiations) == 0 {
		return false
	}
	last := c.negotiations[len(c.negotiations)-1]
	for _, sdp := range []*SDP{last.Offer, last.Answer} {
		if sdp == nil {
			continue
		}
		for _, m := range sdp.Media {
			if m.Type == "audio" && (m.Direction == "sendonly" || m.Direction == "recvonly" || m.Direction == "inactive" || sdp.Connection == "0.0.0.0") {
				return true
			}
		}
	}
	return false
}

func negotiatedText(c *callState) string {
	if len(c.negotiated) > 0 {
		return codecNames(c.negotiated)
	}
	var names []string
	for _, f := range c.allPTs {
		names = append(names, f.Name+" ("+itoa(f.PT)+")")
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// expectedAddr is the RTP address the party with role announced for the call.
func expectedAddr(a *Analyzer, callID string, role int) string {
	dg := a.dialogs[callID]
	if dg == nil || dg.call == nil || dg.call.offerSess[role] == nil {
		return ""
	}
	for _, m := range dg.call.offerSess[role].Media {
		if m.Port != 0 && m.Connection.IsValid() {
			return m.Connection.String() + ":" + itoa(m.Port)
		}
	}
	return ""
}
