package analyze

import (
	"strings"
	"time"

	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

// regState follows one REGISTER flow (RFC 3261 §10): the requests of one
// Call-ID with increasing CSeq, their challenges and the final answer.
type regState struct {
	aor, contact, ua, src string
	start                 time.Time
	attempts              int
	final                 int
	reason                string
	finalFrame            int
	expires               int
	unregister            bool
	credsSent             map[uint32]string
	rejects               []int
	rejectUser            string // the user whose credentials were refused last
	firstFrame            int
	lastReqFrame          int
	answered              map[uint32]bool
}

func (a *Analyzer) regMessage(dg *dialog, d *capture.Datagram, m *sipmsg.Message, retrans bool) {
	r := dg.reg
	if r.credsSent == nil {
		r.credsSent, r.answered = map[uint32]string{}, map[uint32]bool{}
	}
	if m.Request {
		if m.Method != "REGISTER" {
			return
		}
		if r.firstFrame == 0 {
			r.firstFrame, r.start = d.Frame, d.Time
			r.aor, r.src = uriText(m.To), d.Src.String()
		}
		r.lastReqFrame = d.Frame
		if len(m.Contact) > 0 {
			r.contact = m.Contact[0].URI
		}
		if m.UserAgent != "" {
			r.ua = m.UserAgent
		}
		if retrans {
			return
		}
		r.attempts++
		// RFC 3261 §10.2.2: Expires 0 (header or contact parameter) removes bindings.
		r.unregister = m.Expires == 0
		for _, e := range m.ContactExpires {
			if e == 0 {
				r.unregister = true
			}
		}
		if m.Authorization != nil {
			r.credsSent[m.CSeq] = m.Authorization.Username
		}
		return
	}
	if m.CSeqMethod != "REGISTER" || m.Status < 200 || retrans {
		return
	}
	r.answered[m.CSeq] = true
	dg.endAt = d.Time
	if a.live() {
		defer func() {
			reg, _ := a.finishRegistration(dg)
			a.opts.OnEvent(Event{Kind: EventRegistration, Time: d.Time, Registration: &reg})
		}()
	}
	r.final, r.reason, r.finalFrame = m.Status, m.Reason, d.Frame
	if m.Status >= 200 && m.Status < 300 {
		r.expires = m.Expires
		if len(m.ContactExpires) > 0 && m.ContactExpires[0] >= 0 {
			r.expires = m.ContactExpires[0]
		}
	}
	if _, ok := r.credsSent[m.CSeq]; ok {
		stale := m.Challenge != nil && m.Challenge.Stale
		if (m.Status == 401 || m.Status == 407) && !stale || m.Status == 403 {
			r.rejects = append(r.rejects, d.Frame)
			r.rejectUser = r.credsSent[m.CSeq]
		}
	}
}

func (a *Analyzer) finishRegistration(dg *dialog) (Registration, []Finding) {
	r := dg.reg
	out := Registration{AOR: r.aor, Contact: r.contact, UserAgent: r.ua, Src: r.src,
		Attempts: r.attempts, FinalStatus: r.final, Expires: r.expires, CallID: dg.callID,
		Start: r.start, Messages: dg.msgs}
	var fs []Finding
	frames := []int{r.firstFrame}
	if r.finalFrame != 0 {
		frames = append(frames, r.finalFrame)
	}
	switch {
	case r.final >= 200 && r.final < 300 && r.unregister:
		out.State = "unregistered"
	case r.final >= 200 && r.final < 300:
		out.State = "registered"
	case r.final == 0:
		out.State = "no-response"
		fs = append(fs, newFinding(CodeRegistrationFailed, dg.callID, []int{r.firstFrame, r.lastReqFrame}, map[string]string{
			"aor": r.aor, "detail": "the registrar never answered (" + itoa(r.attempts) + " REGISTER sent)",
		}))
	case len(r.rejects) > 0:
		out.State = "failed"
		user := r.rejectUser
		detail := authDetail(r.final, len(r.rejects))
		if aorUser := userOf(r.aor); user != "" && aorUser != "" && user != aorUser {
			detail += "; note that the authentication user " + user + " is not the user of the address " + r.aor
		}
		fs = append(fs, newFinding(CodeAuthFailed, dg.callID, append(frames, r.rejects...), map[string]string{
			"user": quoteUser(user, r.aor), "detail": detail,
		}))
		fs = append(fs, newFinding(CodeRegistrationFailed, dg.callID, frames, map[string]string{
			"aor": r.aor, "detail": "the registrar answered " + itoa(r.final) + " " + r.reason + " to the credentials",
		}))
	case r.final == 401 || r.final == 407:
		out.State = "challenged"
	default:
		out.State = "failed"
		fs = append(fs, newFinding(CodeRegistrationFailed, dg.callID, frames, map[string]string{
			"aor": r.aor, "detail": "the registrar answered " + itoa(r.final) + " " + r.reason,
		}))
	}
	return out, fs
}

func quoteUser(user, fallback string) string {
	if user == "" {
		return fallback
	}
	return "user " + user
}

func authDetail(final, rejects int) string {
	switch {
	case final == 403:
		return "the server answered 403 Forbidden to the credentials"
	case rejects > 1:
		return "the server challenged again " + itoa(rejects) + " times after credentials were sent (a challenge loop: wrong password or realm)"
	default:
		return "the server challenged again after credentials were sent (wrong password or realm)"
	}
}

// userOf returns the user part of a SIP URI ("sip:200@lab.local" → "200").
func userOf(uri string) string {
	if i := strings.IndexByte(uri, ':'); i >= 0 {
		uri = uri[i+1:]
	}
	user, _, ok := strings.Cut(uri, "@")
	if !ok {
		return ""
	}
	return user
}
