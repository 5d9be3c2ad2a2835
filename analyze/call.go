package analyze

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"voiplab/analyze/sdpneg"
	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

// Roles of the two parties of a call.
const (
	roleCaller = 0
	roleCallee = 1
)

// callState follows one INVITE dialog (RFC 3261 §13, §15).
type callState struct {
	from, to       string
	toUser         string
	fromTag        string
	caller, callee netip.AddrPort
	inviteTime     time.Time
	inviteFrame    int

	initCSeq      uint32 // CSeq of the latest initial INVITE (no To tag)
	initInvites   int
	inviteRetrans int
	inviteFrames  []int
	gotResponse   bool

	ringTime    time.Time
	answerTime  time.Time
	answerFrame int
	answerCSeq  uint32
	okCount     int
	okFrames    []int
	acked       bool

	final      int
	reason     string
	finalFrame int
	warning    string

	cancelTime  time.Time
	cancelFrame int
	byeTime     time.Time
	byeFrame    int

	credsSent   map[uint32]string // initial INVITE CSeq → user that sent credentials
	authRejects []int             // frames of challenges that answered credentials
	authUser    string

	// SDP offer/answer (RFC 3264 with SIP, RFC 3261 §13.2.1, RFC 6337)
	pending      *pendingOffer
	expectOffer  uint32 // INVITE without SDP: the offer comes in the 2xx
	negotiations []Negotiation
	first        *Negotiation
	offerSess    [2]*sdpneg.Session // last SDP of each role
	negotiated   []sdpneg.Format    // audio formats agreed by the first answer
	allPTs       map[int]sdpneg.Format
	eventPT      bool // telephone-event was in the SDP
	natDone      map[string]bool

	userAgents []string
	findings   []Finding
}

type pendingOffer struct {
	sess  *sdpneg.Session
	frame int
	kind  string
	cseq  uint32
	role  int
}

func newCallState() *callState {
	return &callState{credsSent: map[uint32]string{}, allPTs: map[int]sdpneg.Format{}, natDone: map[string]bool{}}
}

func (a *Analyzer) callMessage(dg *dialog, d *capture.Datagram, m *sipmsg.Message, rec *Message, sess *sdpneg.Session) {
	c := dg.call
	if c.from == "" && c.to == "" { // until the INVITE shows who called whom (it may be missing)
		c.from, c.to, c.toUser = uriText(m.From), uriText(m.To), m.To.User
	}
	if m.UserAgent != "" && !slices.Contains(c.userAgents, m.UserAgent) && len(c.userAgents) < 8 {
		c.userAgents = append(c.userAgents, m.UserAgent)
	}
	retrans := rec.Retransmission
	if m.Request {
		switch m.Method {
		case "INVITE":
			if m.To.Tag == "" { // initial INVITE (RFC 3261 §13.2.1)
				if c.inviteFrame == 0 {
					c.inviteTime, c.inviteFrame = d.Time, d.Frame
					defer a.emitCall(EventCallNew, dg, d.Time)
					c.from, c.to, c.toUser, c.fromTag = uriText(m.From), uriText(m.To), m.To.User, m.From.Tag
					c.caller, c.callee = d.Src, d.Dst
				}
				c.inviteFrames = append(c.inviteFrames, d.Frame)
				if retrans {
					c.inviteRetrans++
				} else if m.CSeq != c.initCSeq {
					c.initInvites++
					c.initCSeq = m.CSeq
				}
				if m.Authorization != nil {
					c.credsSent[m.CSeq] = m.Authorization.Username
					c.authUser = m.Authorization.Username
				}
			}
		case "ACK":
			if c.answerCSeq != 0 && m.CSeq == c.answerCSeq {
				c.acked = true
			}
		case "CANCEL":
			if c.cancelFrame == 0 {
				c.cancelTime, c.cancelFrame = d.Time, d.Frame
			}
		case "BYE":
			if c.byeFrame == 0 {
				c.byeTime, c.byeFrame = d.Time, d.Frame
			}
		}
	} else if m.CSeqMethod == "INVITE" && (m.CSeq == c.initCSeq || c.initCSeq == 0) {
		c.gotResponse = true
		switch {
		case m.Status >= 180 && m.Status < 200:
			if c.ringTime.IsZero() {
				c.ringTime = d.Time
			}
		case m.Status >= 200 && m.Status < 300:
			c.okCount++
			c.okFrames = append(c.okFrames, d.Frame)
			if c.answerFrame == 0 {
				c.answerTime, c.answerFrame, c.answerCSeq = d.Time, d.Frame, m.CSeq
				defer a.emitCall(EventCallAnswered, dg, d.Time)
			}
			c.final, c.reason, c.finalFrame = m.Status, m.Reason, d.Frame
		case m.Status >= 300:
			if c.answerFrame == 0 {
				c.final, c.reason, c.finalFrame, c.warning = m.Status, m.Reason, d.Frame, m.Warning
				if m.Status != 401 && m.Status != 407 {
					dg.endAt = d.Time
				}
			}
			if (m.Status == 401 || m.Status == 407) && !retrans {
				if _, ok := c.credsSent[m.CSeq]; ok && (m.Challenge == nil || !m.Challenge.Stale) {
					c.authRejects = append(c.authRejects, d.Frame)
				}
			}
			if m.Status == 403 && !retrans {
				if _, ok := c.credsSent[m.CSeq]; ok {
					c.authRejects = append(c.authRejects, d.Frame)
				}
			}
		}
	}
	if !m.Request && m.CSeqMethod == "BYE" && m.Status >= 200 {
		dg.endAt = d.Time // RFC 3261 §15: the dialog ends with the BYE's final response
	}
	if sess != nil && !retrans {
		a.callSDP(dg, c, dg.callID, d, m, sess)
	}
	// An INVITE rejected while its offer is pending: the offer is refused.
	if !m.Request && m.CSeqMethod == "INVITE" && m.Status >= 300 && c.pending != nil && c.pending.cseq == m.CSeq && !retrans {
		if m.Status == 488 || m.Status == 415 || m.Status == 606 {
			a.codecRejected(c, dg.callID, d, m)
		}
		c.pending = nil
	}
}

func uriText(n sipmsg.NameAddr) string {
	if n.URI != "" {
		return n.URI
	}
	return n.User
}

// role of the party that sent m, from the From tag of the initial INVITE.
func (c *callState) role(m *sipmsg.Message) int {
	fromCaller := m.From.Tag == c.fromTag || c.fromTag == ""
	if m.Request == fromCaller {
		return roleCaller
	}
	return roleCallee
}

// callSDP follows the offer/answer exchange (RFC 3264; RFC 6337 §2 lists
// where SIP carries offers and answers).
func (a *Analyzer) callSDP(dg *dialog, c *callState, callID string, d *capture.Datagram, m *sipmsg.Message, sess *sdpneg.Session) {
	role := c.role(m)
	a.announce(dg, callID, role, sess)
	a.checkNAT(c, callID, d, m, sess)
	for _, md := range sess.Media {
		for _, f := range md.Formats {
			c.allPTs[f.PT] = f
			if f.Event() {
				c.eventPT = true
			}
		}
	}
	c.offerSess[role] = sess
	isOffer := false
	kind := ""
	switch {
	case m.Request && m.Method == "INVITE":
		isOffer, kind = true, "initial"
		if m.To.Tag != "" {
			kind = "reinvite"
		}
	case m.Request && m.Method == "UPDATE":
		isOffer, kind = true, "update"
	case m.Request && (m.Method == "ACK" || m.Method == "PRACK"):
		isOffer = c.pending == nil
		kind = strings.ToLower(m.Method)
	case !m.Request && (m.CSeqMethod == "INVITE" || m.CSeqMethod == "UPDATE" || m.CSeqMethod == "PRACK") && m.Status < 300:
		if c.pending == nil {
			// an INVITE without SDP gets the offer in its 2xx or reliable 18x
			if m.Status >= 200 || len(m.Require) > 0 {
				if c.lastAnswerCSeq(m.CSeq) {
					return // the same answer repeated in 18x and 2xx (RFC 3261 §13.2.1)
				}
				isOffer, kind = true, "late"
			}
		}
	}
	if isOffer {
		c.pending = &pendingOffer{sess: sess, frame: d.Frame, kind: kind, cseq: m.CSeq, role: role}
		return
	}
	p := c.pending
	if p == nil || p.role == role {
		return
	}
	c.pending = nil
	out := sdpneg.Check(p.sess, sess)
	neg := Negotiation{Kind: p.kind, Offer: toSDP(p.frame, p.sess, a.opts.KeepRaw), Answer: toSDP(d.Frame, sess, a.opts.KeepRaw), Negotiated: []Codec{}}
	neg.answerCSeq = m.CSeq
	for i, fs := range out.Negotiated {
		if i < len(sess.Media) && sess.Media[i].Type == "audio" || len(out.Negotiated) == 1 {
			neg.Negotiated = append(neg.Negotiated, toCodecs(fs)...)
			if c.negotiated == nil {
				c.negotiated = fs
			}
		}
	}
	for _, pr := range out.Problems {
		neg.Problems = append(neg.Problems, pr.Code+": "+pr.Detail)
		switch pr.Code {
		case "answer-not-in-offer":
			c.findings = append(c.findings, newFinding(CodeAnswerNotInOffer, callID, []int{p.frame, d.Frame}, map[string]string{
				"frame": itoa(d.Frame), "codecs": pr.Detail,
			}))
		case "no-common-codec":
			if m.Status < 300 {
				c.findings = append(c.findings, newFinding(CodeCodecMismatch, callID, []int{p.frame, d.Frame}, map[string]string{
					"offered": offerText(p.sess), "answered": "answered with " + offerText(sess), "status": statusText(m),
				}))
			}
		default:
			c.findings = append(c.findings, newFinding(CodeSDPProblem, callID, []int{d.Frame}, map[string]string{
				"frame": itoa(d.Frame), "detail": pr.Code + ": " + pr.Detail,
			}))
		}
	}
	c.negotiations = append(c.negotiations, neg)
	if c.first == nil {
		c.first = &c.negotiations[len(c.negotiations)-1]
	}
}

func (c *callState) lastAnswerCSeq(cseq uint32) bool {
	n := len(c.negotiations)
	return n > 0 && c.negotiations[n-1].answerCSeq == cseq
}

func statusText(m *sipmsg.Message) string {
	if m.Request {
		return m.Method
	}
	return itoa(m.Status) + " " + m.Reason
}

func offerText(s *sdpneg.Session) string {
	for _, md := range s.Media {
		if md.Type == "audio" {
			return codecNames(md.Formats)
		}
	}
	if len(s.Media) > 0 {
		return codecNames(s.Media[0].Formats)
	}
	return "no media"
}

// codecRejected explains a 488/415/606 answer to an offer: RFC 3261
// §21.4.26 says the callee may list what it accepts in a Warning 305 or an
// SDP body.
func (a *Analyzer) codecRejected(c *callState, callID string, d *capture.Datagram, m *sipmsg.Message) {
	answered := "did not say which codecs it accepts"
	if m.IsSDP() {
		if s, _ := sdpneg.Parse(m.SDPBody()); s != nil {
			answered = "accepts " + offerText(s)
		}
	} else if m.Warning != "" {
		answered = "explained: " + m.Warning
	}
	key := CodeCodecMismatch
	if c.answerFrame != 0 && c.pending.kind != "initial" { // a re-INVITE of an established call
		key += ".reinvite"
	}
	c.findings = append(c.findings, newFinding(key, callID, []int{c.pending.frame, d.Frame}, map[string]string{
		"offered": offerText(c.pending.sess), "answered": answered, "status": statusText(m),
	}))
}

// announce records the RTP and RTCP addresses of an SDP so that media
// packets can be tied to the call.
func (a *Analyzer) announce(dg *dialog, callID string, role int, s *sdpneg.Session) {
	for i, md := range s.Media {
		if md.Port == 0 || !md.Connection.IsValid() || md.Connection.IsUnspecified() {
			continue
		}
		isRTP := strings.Contains(strings.ToUpper(md.Protocol), "RTP")
		addr := md.Connection.Unmap()
		ap := netip.AddrPortFrom(addr, uint16(md.Port))
		a.setEndpoint(ap, endpoint{callID: callID, role: role, media: i,
			formats: md.Formats, private: isPrivate(md.Connection), rtp: isRTP})
		if a.live() {
			dg.eps = append(dg.eps, ap, netip.AddrPortFrom(addr, uint16(md.Port+1)))
		}
		if isRTP && !md.RTCPMux {
			rtcp := md.RTCPPort
			if rtcp == 0 {
				rtcp = md.Port + 1 // RFC 3550 §11
			}
			a.setEndpoint(netip.AddrPortFrom(addr, uint16(rtcp)), endpoint{callID: callID, role: role, media: i, rtcp: true, rtp: true})
		}
	}
}

// setEndpoint records what an SDP says of an address. An address announced
// again is updated in place, so that streams already on it follow the new
// description (a re-INVITE to T.38 ends the RTP on that port, as in
// Wireshark's SDP-driven conversations).
func (a *Analyzer) setEndpoint(ap netip.AddrPort, ep endpoint) {
	if old := a.endpoints[ap]; old != nil {
		if ep.callID == "" { // an SDP outside SIP (H.248) keeps the call it belonged to
			ep.callID, ep.role, ep.media, ep.private = old.callID, old.role, old.media, old.private
		}
		ep.calls = old.calls
		ep.addCall(ep.callID, ep.role)
		ep.streams = old.streams
		*old = ep
		for _, s := range old.streams { // the conversation may have changed protocol
			s.mode = convMode(old)
		}
		return
	}
	ep.addCall(ep.callID, ep.role)
	a.endpoints[ap] = &ep
}

// addCall remembers that a call announced this address with a role. A
// B2BUA with direct media passes one SDP into both of its legs, and the two
// legs have different Call-IDs: the media then belongs to both calls.
func (ep *endpoint) addCall(callID string, role int) {
	if callID == "" || len(ep.calls) >= 8 {
		return
	}
	for _, c := range ep.calls {
		if c.callID == callID && c.role == role {
			return
		}
	}
	ep.calls = append(ep.calls, epCall{callID: callID, role: role})
}

// roleIn returns the role with which call callID announced the endpoint.
func (ep *endpoint) roleIn(callID string) (int, bool) {
	if ep == nil {
		return 0, false
	}
	for i := len(ep.calls) - 1; i >= 0; i-- {
		if ep.calls[i].callID == callID {
			return ep.calls[i].role, true
		}
	}
	return 0, false
}

// checkNAT compares the addresses a party writes in SDP and Contact with the
// address its packets come from.
func (a *Analyzer) checkNAT(c *callState, callID string, d *capture.Datagram, m *sipmsg.Message, s *sdpneg.Session) {
	src := d.Src.Addr().Unmap()
	if isPrivate(src) {
		return // both on a private network: nothing to say
	}
	party := "The caller"
	if c.role(m) == roleCallee {
		party = "The callee"
	}
	report := func(where string, private netip.Addr) {
		key := party + where
		if c.natDone[key] {
			return
		}
		c.natDone[key] = true
		c.findings = append(c.findings, newFinding(CodeNATPrivateAddress, callID, []int{d.Frame}, map[string]string{
			"party": party, "private": private.String(), "where": where, "public": src.String(),
		}))
	}
	for _, md := range s.Media {
		if md.Connection.IsValid() && isPrivate(md.Connection) && md.Port != 0 {
			report("SDP (c= line)", md.Connection)
			break
		}
	}
	for _, ct := range m.Contact {
		if h, err := netip.ParseAddr(ct.Host); err == nil && isPrivate(h) {
			report("Contact header", h)
			break
		}
	}
}
