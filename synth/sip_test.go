package synth

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/sdp/v3"
)

// allFeatures is a scenario that exercises every outcome, option and
// event kind.
func allFeatures() Scenario {
	a := ep("192.0.2.1:5060", "201", "phone-a")
	b := ep("192.0.2.2:5060", "202", "phone-b")
	nat := ep("192.0.2.3:5062", "203", "phone-nat")
	nat.SDPAddr = netip.MustParseAddr("10.0.0.3")
	p := ep("192.0.2.10:5060", "pbx", "voiplab-pbx")
	v6a := ep("[2001:db8::1]:5060", "601", "v6-a")
	v6b := ep("[2001:db8::2]:5060", "602", "v6-b")
	reg := netip.MustParseAddrPort("192.0.2.10:5060")
	s := Scenario{Seed: 42, Start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	i := 0
	add := func(c Call) {
		c.At = time.Duration(i) * 3 * time.Second
		c.CallID = "call-" + strconv.Itoa(i)
		if c.Caller.User == "" {
			c.Caller, c.Callee = a, b
		}
		if c.Talk == 0 {
			c.Talk = 3 * time.Second
		}
		s.Calls = append(s.Calls, c)
		i++
	}
	for _, proxy := range []*Endpoint{nil, &p} {
		for _, tr := range []string{"UDP", "TCP"} {
			for _, o := range []Outcome{Answered, Rejected, Cancelled, NoResponse, MissingACK, NotEnded} {
				add(Call{Outcome: o, Proxy: proxy, Transport: tr, RTCP: true})
			}
			add(Call{Outcome: Rejected, RejectStatus: 488, Proxy: proxy, Transport: tr, Offer: []string{"G722"}, Answer: []string{"PCMU"}})
			add(Call{Outcome: Answered, Proxy: proxy, Transport: tr, AuthChallenge: true, ReInviteHold: true, DTMF: "9*", DTMFNegotiated: true})
		}
	}
	add(Call{Outcome: Answered, Caller: nat, Callee: b, Proxy: &p})
	add(Call{Outcome: Answered, Caller: v6a, Callee: v6b, RTCP: true, Offer: []string{"G729", "telephone-event"}})
	add(Call{Outcome: Answered, AnswerNotInOffer: true, Offer: []string{"PCMU"}, Answer: []string{"PCMA"}})
	add(Call{Outcome: Answered, Offer: []string{"opus", "PCMU"}, Answer: []string{"PCMU"}, Ptime: 30 * time.Millisecond,
		Media: MediaFaults{CallerToCallee: Impairment{WrongPT: true}, CalleeToCaller: Impairment{SendTo: netip.MustParseAddrPort("192.0.2.99:40000")}}})
	add(Call{Outcome: Answered, Media: MediaFaults{NoRTP: true}})
	for k, o := range []RegOutcome{RegOK, RegWrongPassword, RegChallengeLoop, RegUnknown, RegNoResponse} {
		s.Registrations = append(s.Registrations, Registration{At: time.Duration(k) * time.Second, Endpoint: a, Registrar: reg, Outcome: o})
	}
	scanner := ep("192.0.2.200:5070", "", "friendly-scanner")
	for k, m := range []string{"OPTIONS", "REGISTER", "INVITE"} {
		s.Scans = append(s.Scans, Scan{At: time.Duration(k) * time.Second, From: scanner, Target: reg, Extensions: []string{"100", "200", "201"}, Method: m})
	}
	s.Scans = append(s.Scans, Scan{At: 5 * time.Second, From: scanner, Target: reg, Extensions: []string{"200"}, Attempts: 5})
	return s
}

func sipRecords(recs []record) []record {
	var out []record
	for _, r := range recs {
		if !isMedia(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestSIPParses checks every SIP message synth writes against sipgo's
// parser and the RFC 3261 rules the analyser relies on.
func TestSIPParses(t *testing.T) {
	for name, sc := range map[string]Scenario{"demo": Demo(), "all": allFeatures()} {
		t.Run(name, func(t *testing.T) {
			w := &memWriter{}
			st, err := sc.Write(w)
			if err != nil {
				t.Fatal(err)
			}
			msgs := sipRecords(w.recs)
			if len(msgs) != st.SIPMessages || len(msgs) == 0 {
				t.Fatalf("found %d SIP datagrams, Stats says %d", len(msgs), st.SIPMessages)
			}
			p := sip.NewParser()
			for _, r := range msgs {
				m, err := p.ParseSIP(r.Payload)
				if err != nil {
					t.Fatalf("frame %d does not parse: %v\n%s", r.Frame, err, r.Payload)
				}
				if m.CallID() == nil || m.CSeq() == nil || m.From() == nil || m.To() == nil {
					t.Fatalf("frame %d: missing Call-ID, CSeq, From or To\n%s", r.Frame, r.Payload)
				}
				via := m.Via()
				if via == nil {
					t.Fatalf("frame %d: no Via", r.Frame)
				}
				if br, _ := via.Params.Get("branch"); !strings.HasPrefix(br, "z9hG4bK") {
					t.Errorf("frame %d: branch %q lacks the RFC 3261 magic cookie", r.Frame, br)
				}
				if !m.From().Params.Has("tag") {
					t.Errorf("frame %d: From without tag", r.Frame)
				}
				body := r.Payload[bytes.Index(r.Payload, []byte("\r\n\r\n"))+4:]
				if cl := m.ContentLength(); cl == nil || int(*cl) != len(body) {
					t.Errorf("frame %d: Content-Length %v, body %d bytes", r.Frame, cl, len(body))
				}
				if req, ok := m.(*sip.Request); ok {
					if mf := req.GetHeader("Max-Forwards"); mf == nil {
						t.Errorf("frame %d: request without Max-Forwards", r.Frame)
					}
					if req.GetHeader("User-Agent") == nil {
						t.Errorf("frame %d: request without User-Agent", r.Frame)
					}
					if req.Method == sip.INVITE && req.Contact() == nil {
						t.Errorf("frame %d: INVITE without Contact", r.Frame)
					}
				}
				if len(body) > 0 {
					if ct := m.GetHeaders("Content-Type"); len(ct) != 1 || ct[0].Value() != "application/sdp" {
						t.Fatalf("frame %d: body without application/sdp", r.Frame)
					}
					var sd sdp.SessionDescription
					if err := sd.UnmarshalString(string(body)); err != nil {
						t.Errorf("frame %d: SDP: %v\n%s", r.Frame, err, body)
					}
				}
				wantTr := "UDP"
				if r.Transport.String() == "TCP" {
					wantTr = "TCP"
				}
				if via.Transport != wantTr {
					t.Errorf("frame %d: Via transport %s carried over %s", r.Frame, via.Transport, wantTr)
				}
			}
		})
	}
}

// sipOf returns the parsed SIP messages of one Call-ID.
func sipOf(t *testing.T, recs []record, callID string) []sip.Message {
	t.Helper()
	var out []sip.Message
	p := sip.NewParser()
	for _, r := range sipRecords(recs) {
		m, err := p.ParseSIP(r.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if m.CallID().Value() == callID {
			out = append(out, m)
		}
	}
	return out
}

func ladder(ms []sip.Message) []string {
	var out []string
	for _, m := range ms {
		switch m := m.(type) {
		case *sip.Request:
			out = append(out, string(m.Method))
		case *sip.Response:
			out = append(out, strconv.Itoa(m.StatusCode)+" "+string(m.CSeq().MethodName))
		}
	}
	return out
}

// TestCallFlows checks the message sequence of each outcome against the
// RFC 3261 ladders (§13, §17, §9 for CANCEL, §22 for auth).
func TestCallFlows(t *testing.T) {
	a := ep("192.0.2.1:5060", "201", "a")
	b := ep("192.0.2.2:5060", "202", "b")
	tests := []struct {
		name string
		call Call
		want string
	}{
		{"answered", Call{Outcome: Answered, Talk: time.Second}, "INVITE,100 INVITE,180 INVITE,200 INVITE,ACK,BYE,200 BYE"},
		{"busy", Call{Outcome: Rejected}, "INVITE,100 INVITE,180 INVITE,486 INVITE,ACK"},
		{"declined", Call{Outcome: Rejected, RejectStatus: 603}, "INVITE,100 INVITE,180 INVITE,603 INVITE,ACK"},
		{"codec", Call{Outcome: Rejected, RejectStatus: 488, Offer: []string{"G722"}, Answer: []string{"PCMU"}}, "INVITE,100 INVITE,488 INVITE,ACK"},
		{"cancelled", Call{Outcome: Cancelled}, "INVITE,100 INVITE,180 INVITE,CANCEL,200 CANCEL,487 INVITE,ACK"},
		// RFC 3261 §17.1.1.2: sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s; Timer B fires at 32 s.
		{"no-response", Call{Outcome: NoResponse}, "INVITE,INVITE,INVITE,INVITE,INVITE,INVITE,INVITE"},
		{"no-response-tcp", Call{Outcome: NoResponse, Transport: "TCP"}, "INVITE"},
		// §13.3.1.4: 200 at 0, .5, 1.5, 3.5, 7.5, then every T2 = 4 s until 32 s: 11 in all.
		{"missing-ack", Call{Outcome: MissingACK}, "INVITE,100 INVITE,180 INVITE" + strings.Repeat(",200 INVITE", 11) + ",BYE,200 BYE"},
		{"not-ended", Call{Outcome: NotEnded, Talk: time.Second}, "INVITE,100 INVITE,180 INVITE,200 INVITE,ACK"},
		{"auth", Call{Outcome: Answered, AuthChallenge: true, Talk: time.Second}, "INVITE,407 INVITE,ACK,INVITE,100 INVITE,180 INVITE,200 INVITE,ACK,BYE,200 BYE"},
		{"hold", Call{Outcome: Answered, ReInviteHold: true, Talk: 2 * time.Second}, "INVITE,100 INVITE,180 INVITE,200 INVITE,ACK,INVITE,200 INVITE,ACK,BYE,200 BYE"},
		{"proxy", Call{Outcome: Rejected, Proxy: &Endpoint{Addr: netip.MustParseAddrPort("192.0.2.10:5060"), User: "pbx"}},
			"INVITE,100 INVITE,INVITE,100 INVITE,180 INVITE,180 INVITE,486 INVITE,486 INVITE,ACK,ACK"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.call.Caller, tc.call.Callee, tc.call.CallID = a, b, "flow"
			w := &memWriter{}
			if _, err := (Scenario{Seed: 1, Calls: []Call{tc.call}}).Write(w); err != nil {
				t.Fatal(err)
			}
			ms := sipOf(t, w.recs, "flow")
			if got := strings.Join(ladder(ms), ","); got != tc.want {
				t.Errorf("ladder\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRetransmissionsShareBranch(t *testing.T) {
	a := ep("192.0.2.1:5060", "201", "a")
	b := ep("192.0.2.2:5060", "202", "b")
	w := &memWriter{}
	if _, err := (Scenario{Seed: 1, Calls: []Call{{CallID: "x", Caller: a, Callee: b, Outcome: NoResponse}}}).Write(w); err != nil {
		t.Fatal(err)
	}
	msgs := sipRecords(w.recs)
	wantOff := []time.Duration{0, 500, 1500, 3500, 7500, 15500, 31500}
	if len(msgs) != len(wantOff) {
		t.Fatalf("%d INVITEs, want %d", len(msgs), len(wantOff))
	}
	for i, r := range msgs {
		if !bytes.Equal(r.Payload, msgs[0].Payload) {
			t.Errorf("retransmission %d differs from the original (branch must be the same)", i)
		}
		if got := r.Time.Sub(msgs[0].Time); got != wantOff[i]*time.Millisecond {
			t.Errorf("retransmission %d at %v, want %v", i, got, wantOff[i]*time.Millisecond)
		}
	}
}

// TestCancelAndAckBranch: CANCEL and the ACK of a non-2xx use the INVITE's
// branch (RFC 3261 §9.1, §17.1.1.3); the ACK of a 2xx a new one (§13.2.2.4).
func TestCancelAndAckBranch(t *testing.T) {
	a := ep("192.0.2.1:5060", "201", "a")
	b := ep("192.0.2.2:5060", "202", "b")
	for _, o := range []Outcome{Cancelled, Answered} {
		w := &memWriter{}
		if _, err := (Scenario{Seed: 3, Calls: []Call{{CallID: "x", Caller: a, Callee: b, Outcome: o, Talk: time.Second}}}).Write(w); err != nil {
			t.Fatal(err)
		}
		branches := map[string]string{}
		for _, m := range sipOf(t, w.recs, "x") {
			if req, ok := m.(*sip.Request); ok {
				br, _ := req.Via().Params.Get("branch")
				if _, seen := branches[string(req.Method)]; !seen {
					branches[string(req.Method)] = br
				}
			}
		}
		switch o {
		case Cancelled:
			if branches["CANCEL"] != branches["INVITE"] || branches["ACK"] != branches["INVITE"] {
				t.Errorf("cancelled: branches %v: CANCEL and ACK must reuse the INVITE's", branches)
			}
		case Answered:
			if branches["ACK"] == branches["INVITE"] {
				t.Errorf("answered: ACK of 2xx reuses the INVITE branch %s", branches["ACK"])
			}
		}
	}
}

// TestDigest checks the Authorization response against RFC 2617 §3.5's
// worked example (qop=auth, MD5).
func TestDigest(t *testing.T) {
	got := digestAuthorization("Mufasa", "Circle Of Life", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		"GET", "/dir/index.html", "0a4f113b", 1)
	if !strings.Contains(got, `response="6629fae49393a05397450978507c4ef1"`) {
		t.Errorf("digest = %s, want response 6629fae49393a05397450978507c4ef1 (RFC 2617 §3.5)", got)
	}
}
