package analyze

import (
	"net/netip"
	"slices"
	"time"

	"voiplab/capture"
)

// Event kinds of a live analysis (Options.OnEvent).
const (
	EventCallNew      = "call-new"      // the first INVITE of a call
	EventCallAnswered = "call-answered" // its first 2xx
	EventCallEnded    = "call-ended"    // finished: Call and Streams are complete, with findings
	EventRegistration = "registration"  // a REGISTER got its final answer
	EventFinding      = "finding"       // a finding of no call (brute force, scanner, truncated packet...)
	EventStreamEnded  = "stream-ended"  // an RTP stream of no call went idle
)

// Event is something that happened during a live analysis.
type Event struct {
	Kind         string
	Time         time.Time // packet time
	Call         *Call
	Streams      []Stream
	Registration *Registration
	Finding      *Finding
}

func (a *Analyzer) live() bool { return a.opts.OnEvent != nil }

// emitCall sends a light snapshot of a call that is still going on.
func (a *Analyzer) emitCall(kind string, dg *dialog, at time.Time) {
	if !a.live() {
		return
	}
	c := dg.call
	snap := Call{CallID: dg.callID, From: c.from, To: c.to, State: StateInProgress, Start: dg.first, End: dg.last,
		UserAgents: slices.Clone(c.userAgents), Messages: []Message{}, Streams: []string{}, Findings: []Finding{}}
	if !c.answerTime.IsZero() && !c.inviteTime.IsZero() {
		snap.SetupMs = msPtr(c.answerTime.Sub(c.inviteTime))
		snap.FinalStatus, snap.Reason = c.final, c.reason
	}
	a.opts.OnEvent(Event{Kind: kind, Time: at, Call: &snap})
}

// Flush finishes, in a live analysis, the calls that ended more than
// Options.Linger before now or saw no packet for Options.IdleTimeout: each
// is sent as a call-ended event with its streams and findings, and leaves
// memory. Registrations, other dialogs and idle unsignalled streams are
// evicted the same way. The analyser calls it as packet time advances;
// call it with the time of the end of the capture (or FlushAll) to finish
// the rest. It does nothing when the analysis is not live.
func (a *Analyzer) Flush(now time.Time) {
	if !a.live() {
		return
	}
	a.lastFlush = now
	a.flushOrphans()
	for _, dg := range a.dialogOrder {
		if dg.evicted {
			continue
		}
		last := dg.last
		if dg.kind == kindCall {
			for _, s := range a.callStreams[dg.callID] {
				if l := s.stats.LastArrival(); l.After(last) {
					last = l
				}
			}
		}
		ended := !dg.endAt.IsZero() && now.Sub(dg.endAt) >= a.opts.Linger && now.Sub(last) >= a.opts.Linger
		if ended || now.Sub(last) >= a.opts.IdleTimeout {
			a.finishLive(dg, now)
		}
	}
	for _, s := range a.streamList {
		if s.callID == "" && !s.evicted && now.Sub(s.stats.LastArrival()) >= a.opts.IdleTimeout {
			a.finishLiveStream(s, now)
		}
	}
	a.reportSecurity(now)
	a.dialogOrder = slices.DeleteFunc(a.dialogOrder, func(dg *dialog) bool { return dg.evicted })
	a.streamList = slices.DeleteFunc(a.streamList, func(s *stream) bool { return s.evicted })
}

// FlushAll finishes every call and stream of a live analysis, at the end of
// a capture.
func (a *Analyzer) FlushAll(now time.Time) {
	if !a.live() {
		return
	}
	a.Flush(now.Add(a.opts.IdleTimeout + a.opts.Linger + time.Hour))
}

// prepareStream computes a stream's figures once and names it.
func (a *Analyzer) prepareStream(s *stream) {
	if s.id != "" {
		return
	}
	if dg, ok := s.dtmf.Flush(); ok {
		s.addDigit(dg)
	}
	s.final = s.stats.Stats()
	a.nextStream++
	s.id = "s" + itoa(a.nextStream)
}

func (a *Analyzer) finishLive(dg *dialog, now time.Time) {
	switch dg.kind {
	case kindCall:
		streams := a.callStreams[dg.callID]
		sf := map[*stream][]Finding{}
		var out []Stream
		for _, s := range streams {
			a.prepareStream(s)
			st, fs := a.finishStream(s)
			sf[s] = fs
			out = append(out, st)
		}
		c := a.finishCall(dg, streams, sf)
		a.opts.OnEvent(Event{Kind: EventCallEnded, Time: now, Call: &c, Streams: out})
		for _, s := range streams {
			a.evictStream(s)
		}
		delete(a.callStreams, dg.callID)
		for _, ap := range dg.eps {
			if ep := a.endpoints[ap]; ep != nil && ep.callID == dg.callID {
				delete(a.endpoints, ap)
			}
		}
	}
	for _, k := range dg.keys {
		delete(a.seen, k)
	}
	delete(a.dialogs, dg.callID)
	dg.evicted = true
}

func (a *Analyzer) finishLiveStream(s *stream, now time.Time) {
	min := a.opts.Thresholds.UnsignalledMinPackets
	if s.stats.Packets() >= min {
		a.prepareStream(s)
		st, fs := a.finishStream(s)
		a.opts.OnEvent(Event{Kind: EventStreamEnded, Time: now, Streams: []Stream{st}})
		for i := range fs {
			a.opts.OnEvent(Event{Kind: EventFinding, Time: now, Finding: &fs[i]})
		}
	}
	a.evictStream(s)
}

func (a *Analyzer) evictStream(s *stream) {
	delete(a.streams, s.key)
	a.bySSRC[s.key.ssrc] = slices.DeleteFunc(a.bySSRC[s.key.ssrc], func(x *stream) bool { return x == s })
	if len(a.bySSRC[s.key.ssrc]) == 0 {
		delete(a.bySSRC, s.key.ssrc)
	}
	if s.conv != nil { // an endpoint may outlive the stream (another call announced it)
		s.conv.streams = slices.DeleteFunc(s.conv.streams, func(x *stream) bool { return x == s })
	}
	s.evicted = true
}

// reportSecurity sends the findings of no call (brute force, scanner,
// truncated and malformed packets) once each.
func (a *Analyzer) reportSecurity(now time.Time) {
	fs, _ := a.sec.findings(a.opts.Thresholds)
	fs = append(fs, a.findings...)
	for i := range fs {
		k := fs[i].Key + "|" + fs[i].Params["src"] + "|" + itoa(firstFrame(fs[i]))
		if a.reported[k] {
			continue
		}
		a.reported[k] = true
		a.opts.OnEvent(Event{Kind: EventFinding, Time: now, Finding: &fs[i]})
	}
	a.findings = a.findings[:0]
}

// Held returns how many dialogs and RTP streams the analyser holds now: in
// a live analysis, what is still going on or lingering.
func (a *Analyzer) Held() (dialogs, streams int) { return len(a.dialogs), len(a.streams) }

// CallIDOf returns the Call-ID of the call a media datagram (RTP or RTCP)
// belongs to, from the addresses its SDP announced, or "" when none does.
// A HEP sender uses it as the correlation ID of RTCP reports.
func (a *Analyzer) CallIDOf(d *capture.Datagram) string {
	for _, ap := range [2]netip.AddrPort{d.Dst, d.Src} {
		if ep := a.endpoints[ap]; ep != nil && ep.callID != "" {
			return ep.callID
		}
	}
	return ""
}
