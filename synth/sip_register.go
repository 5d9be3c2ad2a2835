package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"voiplab/capture"
)

// buildRegistration generates the REGISTER transactions of one
// registration attempt (RFC 3261 §10.2, digest per §22.4).
func buildRegistration(seed int64, key uint64, r *Registration) ([]source, error) {
	if !validEndpoint(r.Endpoint) || !r.Registrar.IsValid() {
		return nil, fmt.Errorf("synth: registration of %q: endpoint or registrar without address: %w", r.Endpoint.User, ErrInvalidScenario)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), key))
	g := ids{rng}
	e := r.Endpoint
	l := &leg{tr: "UDP", ctr: capture.UDP, hop: 5*time.Millisecond + time.Duration(rng.IntN(20))*time.Millisecond}
	reg := Endpoint{Addr: r.Registrar, User: e.User, UserAgent: "voiplab-pbx"}
	expires := r.Expires
	if expires <= 0 {
		expires = 3600
	}
	domain := hostOnly(r.Registrar.Addr())
	ruri := "sip:" + domain
	aor := "<" + e.aor(domain) + ">"
	callID := g.hex(24) + "@" + hostOnly(e.sdpAddr())
	from := aor + ";tag=" + g.tag()
	cseq := 0
	mk := func(auth string) *sipMsg {
		cseq++
		m := &sipMsg{method: "REGISTER", ruri: ruri, via: []string{viaValue(l.tr, e.contactHostport(), g.branch())},
			maxForwards: 70, from: from, to: aor, callID: callID, cseq: cseq, cseqMethod: "REGISTER",
			contact: "<" + e.uri() + ">", agent: e.UserAgent,
			extra: []header{{"Expires", strconv.Itoa(expires)}, {"Allow", allowMethods}}}
		if auth != "" {
			m.extra = append(m.extra, header{"Authorization", auth})
		}
		return m
	}
	t := r.At
	if r.Outcome == RegNoResponse {
		m := mk("")
		for _, off := range retransmitTimes(true) { // RFC 3261 §17.1.2.2 Timer E until Timer F
			l.add(t+off, e.Addr, r.Registrar, m)
		}
		return sources(l, nil, nil), nil
	}
	send := func(m *sipMsg, status int, reason string, nonce string) {
		arr, rcv, _ := l.request(t, e, reg, m, false, false)
		resp := response(rcv, status, reason, g.tag(), reg.UserAgent)
		switch status {
		case 401:
			resp.extra = append(resp.extra, header{"WWW-Authenticate", digestChallenge(realm, nonce)})
		case 200:
			resp.contact = "<" + e.uri() + ">;expires=" + strconv.Itoa(expires)
		}
		t = l.respond(arr+2*time.Millisecond, r.Registrar, e, resp) + 10*time.Millisecond
	}
	if r.Outcome == RegUnknown {
		send(mk(""), 404, "Not Found", "")
		return sources(l, nil, nil), nil
	}
	nonce := g.hex(32)
	send(mk(""), 401, "Unauthorized", nonce)
	auth := func(pw string) string {
		return digestAuthorization(e.User, pw, realm, nonce, "REGISTER", ruri, g.hex(16), 1)
	}
	switch r.Outcome {
	case RegOK:
		send(mk(auth(password)), 200, "OK", "")
	case RegWrongPassword:
		send(mk(auth(wrongPassword)), 403, "Forbidden", "")
	case RegChallengeLoop:
		for range 2 {
			next := g.hex(32)
			send(mk(auth(password)), 401, "Unauthorized", next)
			nonce = next
		}
	}
	return sources(l, nil, nil), nil
}

// buildScan generates a scanner burst: one probe per extension, or a
// REGISTER brute force when Attempts > 0.
func buildScan(seed int64, key uint64, s *Scan) ([]source, error) {
	if !s.From.Addr.IsValid() || !s.Target.IsValid() {
		return nil, fmt.Errorf("synth: scan: source or target without address: %w", ErrInvalidScenario)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), key))
	g := ids{rng}
	l := &leg{tr: "UDP", ctr: capture.UDP, hop: 20 * time.Millisecond}
	from := s.From
	if from.User == "" {
		from.User = "100"
	}
	if from.UserAgent == "" {
		from.UserAgent = "friendly-scanner"
	}
	target := Endpoint{Addr: s.Target, User: "pbx", UserAgent: "voiplab-pbx"}
	domain := hostOnly(s.Target.Addr())
	method := s.Method
	if method == "" {
		method = "OPTIONS"
	}
	t := s.At
	probe := func(method, ext, auth string, cseq int, callID, fromTag string) *sipMsg {
		m := &sipMsg{method: method, ruri: "sip:" + ext + "@" + domain,
			via:         []string{viaValue(l.tr, from.contactHostport(), g.branch())},
			maxForwards: 70, from: `"` + from.UserAgent + `" <sip:` + ext + "@" + domain + ">;tag=" + fromTag,
			to: "<sip:" + ext + "@" + domain + ">", callID: callID, cseq: cseq, cseqMethod: method,
			contact: "<sip:" + ext + "@" + from.contactHostport() + ">", agent: from.UserAgent,
			extra: []header{{"Accept", "application/sdp"}}}
		if auth != "" {
			m.extra = append(m.extra, header{"Authorization", auth})
		}
		return m
	}
	known := func(ext string) bool { n, err := strconv.Atoi(ext); return err == nil && n >= 200 && n < 210 }
	if s.Attempts > 0 {
		ext := "100"
		if len(s.Extensions) > 0 {
			ext = s.Extensions[0]
		}
		for i := range s.Attempts {
			callID := g.hex(16)
			fromTag := g.hex(8)
			m := probe("REGISTER", ext, "", 1, callID, fromTag)
			m.ruri = "sip:" + domain
			arr, rcv, _ := l.request(t, from, target, m, false, false)
			nonce := g.hex(32)
			r := response(rcv, 401, "Unauthorized", g.tag(), target.UserAgent)
			r.extra = append(r.extra, header{"WWW-Authenticate", digestChallenge(realm, nonce)})
			back := l.respond(arr+time.Millisecond, s.Target, from, r)
			m2 := probe("REGISTER", ext, digestAuthorization(ext, "pass"+strconv.Itoa(i), realm, nonce, "REGISTER", "sip:"+domain, g.hex(8), 1), 2, callID, fromTag)
			m2.ruri = "sip:" + domain
			arr2, rcv2, _ := l.request(back+2*time.Millisecond, from, target, m2, false, false)
			l.respond(arr2+time.Millisecond, s.Target, from, response(rcv2, 403, "Forbidden", g.tag(), target.UserAgent))
			t += 50 * time.Millisecond
		}
		return sources(l, nil, nil), nil
	}
	for _, ext := range s.Extensions {
		m := probe(method, ext, "", 1, g.hex(16), g.hex(8))
		if method == "REGISTER" {
			m.ruri = "sip:" + domain
		}
		arr, rcv, _ := l.request(t, from, target, m, false, false)
		var r *sipMsg
		switch {
		case method == "OPTIONS":
			r = response(rcv, 200, "OK", g.tag(), target.UserAgent)
			r.extra = append(r.extra, header{"Allow", allowMethods})
		case known(ext) && method == "REGISTER":
			r = response(rcv, 401, "Unauthorized", g.tag(), target.UserAgent)
			r.extra = append(r.extra, header{"WWW-Authenticate", digestChallenge(realm, g.hex(32))})
		case known(ext):
			r = response(rcv, 407, "Proxy Authentication Required", g.tag(), target.UserAgent)
			r.extra = append(r.extra, header{"Proxy-Authenticate", digestChallenge(realm, g.hex(32))})
		default:
			r = response(rcv, 404, "Not Found", g.tag(), target.UserAgent)
		}
		back := l.respond(arr+time.Millisecond, s.Target, from, r)
		if method == "INVITE" {
			ack := &sipMsg{method: "ACK", ruri: m.ruri, via: m.via, maxForwards: 70, from: m.from, to: r.to,
				callID: m.callID, cseq: 1, cseqMethod: "ACK", agent: from.UserAgent}
			l.add(back+time.Millisecond, from.Addr, s.Target, ack)
		}
		t += 15 * time.Millisecond
	}
	return sources(l, nil, nil), nil
}
