package analyze

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"voiplab/analyze/sdpneg"
	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

func looksLikeSIP(b []byte) bool { return sipmsg.LooksLikeSIP(b) }

// dialog kinds.
const (
	kindOther = iota
	kindCall
	kindRegistration
)

// dialog is everything seen with one Call-ID: an INVITE dialog (a call), a
// registration flow, or other requests (OPTIONS, MESSAGE...).
type dialog struct {
	callID string
	kind   int
	msgs   []Message
	first  time.Time
	last   time.Time

	call *callState
	reg  *regState

	keys    []msgKey         // retransmission keys to forget on eviction (live mode)
	eps     []netip.AddrPort // SDP endpoints it announced (live mode)
	endAt   time.Time        // when it ended (BYE answered, final error): live eviction
	evicted bool
}

// msgKey identifies a message on one hop, to recognise retransmissions
// (RFC 3261 §17: a retransmission repeats the branch, CSeq and, for a
// response, the status).
type msgKey struct {
	callID   string
	cseq     uint32
	method   string
	status   int
	branch   string
	toTag    string
	src, dst netip.AddrPort
}

// sipDatagram analyses a SIP message parsed by parseSIP.
func (a *Analyzer) sipDatagram(d *capture.Datagram, p *parsed) {
	m := p.msg
	if p.err != nil {
		return // not SIP after all
	}
	rec := Message{
		Frame: d.Frame, Time: d.Time, Src: a.addrText(d.Src), Dst: a.addrText(d.Dst),
		Transport: d.Transport.String(), Method: m.Method, Status: m.Status,
		CSeq:    strconv.FormatUint(uint64(m.CSeq), 10) + " " + m.CSeqMethod,
		Summary: m.Summary(), CallID: m.CallID, UserAgent: m.UserAgent,
	}
	if !m.Request {
		rec.Method = ""
	}
	if a.opts.KeepRaw {
		rec.Raw = string(m.Raw)
	}
	if m.Malformed != nil {
		rec.Malformed = m.Malformed.Error()
		a.malformed++
		// a message cut short by the capture is explained by truncated-packet
		if a.malformed <= 1000 && !d.Truncated {
			a.findings = append(a.findings, newFinding(CodeMalformedSIP, m.CallID, []int{d.Frame}, map[string]string{
				"frame": itoa(d.Frame), "reason": malformedReason(m.Malformed),
			}))
		}
	}
	var sess *sdpneg.Session
	if m.IsSDP() {
		s, err := p.sdp, p.sdpErr
		if s != nil {
			sess = s
			rec.SDP = sdpSummary(s)
		}
		if err != nil && a.malformed <= 1000 {
			a.findings = append(a.findings, newFinding(CodeSDPProblem, m.CallID, []int{d.Frame}, map[string]string{
				"frame": itoa(d.Frame), "detail": err.Error(),
			}))
		}
	}
	key := msgKey{callID: m.CallID, cseq: m.CSeq, method: m.CSeqMethod, status: m.Status,
		toTag: m.To.Tag, src: d.Src, dst: d.Dst}
	if len(m.Via) > 0 {
		key.branch = m.Via[0].Branch
	}
	if _, dup := a.seen[key]; dup {
		rec.Retransmission = true
	} else {
		a.seen[key] = struct{}{}
	}
	if a.live() && m.CallID != "" {
		defer func() { // remember the key so that evicting the dialog forgets it
			if dg := a.dialogs[m.CallID]; dg != nil && !rec.Retransmission {
				dg.keys = append(dg.keys, key)
			}
		}()
	}

	a.sec.observe(a, d, m, rec.Retransmission)

	if m.CallID == "" {
		if !a.live() || len(a.other) < 1000 {
			a.other = append(a.other, rec)
		}
		return
	}
	dg := a.dialogs[m.CallID]
	if dg == nil {
		dg = &dialog{callID: m.CallID, first: d.Time}
		a.dialogs[m.CallID] = dg
		a.dialogOrder = append(a.dialogOrder, dg)
	}
	dg.last = d.Time
	rec.CallID = dg.callID // the same text: keep one copy per dialog
	switch {
	case m.CSeqMethod == "INVITE" || m.Method == "INVITE":
		if dg.kind != kindCall {
			dg.kind = kindCall
			dg.call = newCallState()
		}
	case (m.CSeqMethod == "REGISTER" || m.Method == "REGISTER") && dg.kind == kindOther:
		dg.kind = kindRegistration
		dg.reg = &regState{}
	}
	dg.msgs = append(dg.msgs, rec)
	switch dg.kind {
	case kindCall:
		a.callMessage(dg, d, m, &dg.msgs[len(dg.msgs)-1], sess)
	case kindRegistration:
		a.regMessage(dg, d, m, rec.Retransmission)
	}
}

// sdpSummary lists the codecs of the first audio m= line ("PCMU PCMA
// telephone-event"), or of the first media line.
func sdpSummary(s *sdpneg.Session) string {
	var parts []string
	for i, md := range s.Media {
		if md.Type != "audio" && i > 0 {
			continue
		}
		if md.Port == 0 {
			parts = append(parts, md.Type+" rejected")
			continue
		}
		for _, f := range md.Formats {
			parts = append(parts, f.Name)
		}
		if md.Type != "audio" {
			parts = append(parts, "("+md.Type+")")
		}
		if md.Direction != "" && md.Direction != "sendrecv" {
			parts = append(parts, md.Direction)
		}
	}
	return strings.Join(parts, " ")
}

// toSDP converts a parsed session description to its Result form.
func toSDP(frame int, s *sdpneg.Session, keepRaw bool) *SDP {
	if s == nil {
		return nil
	}
	out := &SDP{Frame: frame, Connection: s.ConnectionRaw, Media: []Media{}}
	if keepRaw {
		out.Raw = string(s.Raw)
	}
	for _, m := range s.Media {
		md := Media{Type: m.Type, Port: m.Port, Protocol: m.Protocol, Direction: m.Direction,
			Ptime: m.Ptime, RTCPMux: m.RTCPMux, Codecs: toCodecs(m.Formats)}
		if m.ConnectionRaw != s.ConnectionRaw {
			md.Connection = m.ConnectionRaw
		}
		out.Media = append(out.Media, md)
	}
	return out
}

func toCodecs(fs []sdpneg.Format) []Codec {
	out := make([]Codec, 0, len(fs))
	for _, f := range fs {
		out = append(out, Codec{PT: f.PT, Name: f.Name, ClockRate: f.ClockRate, Channels: f.Channels, Fmtp: f.Fmtp})
	}
	return out
}

func codecNames(fs []sdpneg.Format) string {
	names := make([]string, 0, len(fs))
	for _, f := range fs {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// isPrivate reports whether addr is a private, shared or link-local address
// that a peer on the internet cannot reach (RFC 1918, RFC 6598, RFC 4193).
func isPrivate(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	if addr.IsPrivate() || addr.IsLinkLocalUnicast() {
		return true
	}
	if addr.Is4() {
		b := addr.As4()
		return b[0] == 100 && b[1]&0xc0 == 64 // 100.64.0.0/10, RFC 6598
	}
	return false
}

// addrText returns ap as text, sharing one string per address among the
// messages that use it (a call's messages all go between the same two or
// three addresses). The cache is bounded: it starts afresh past 4096
// addresses, so that a live capture of a scan does not grow it forever.
func (a *Analyzer) addrText(ap netip.AddrPort) string {
	if s, ok := a.addrTexts[ap]; ok {
		return s
	}
	if len(a.addrTexts) >= 4096 || a.addrTexts == nil {
		a.addrTexts = make(map[netip.AddrPort]string)
	}
	s := ap.String()
	a.addrTexts[ap] = s
	return s
}

// malformedReason lists the defects of a malformed message ("reason;
// reason"), without the "malformed SIP message" the finding already says.
func malformedReason(err error) string {
	var me *sipmsg.MalformedError
	if errors.As(err, &me) && len(me.Reasons) > 0 {
		return strings.Join(me.Reasons, "; ")
	}
	return strings.TrimPrefix(err.Error(), "sipmsg: ")
}
