package analyze_test

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/synth"
)

// analyzeScenario feeds a synthesized scenario straight into an Analyzer.
func analyzeScenario(t *testing.T, sc synth.Scenario) *analyze.Result {
	t.Helper()
	a := analyze.New(analyze.DefaultOptions())
	if _, err := sc.Write(synth.DatagramWriterFunc(func(d *capture.Datagram) error {
		a.Datagram(d)
		return nil
	})); err != nil {
		t.Fatalf("synth: %v", err)
	}
	return a.Result()
}

func ep(addr, user string) synth.Endpoint {
	return synth.Endpoint{Addr: netip.MustParseAddrPort(addr), User: user, UserAgent: "test-phone/1.0"}
}

func codes(fs []analyze.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

var (
	alice = ep("198.51.100.21:5060", "201")
	bob   = ep("198.51.100.22:5060", "202")
	pbx   = ep("203.0.113.10:5060", "pbx")
)

func call(mod func(*synth.Call)) synth.Scenario {
	c := synth.Call{CallID: "call-1", Caller: alice, Callee: bob, Outcome: synth.Answered, Talk: 6 * time.Second}
	mod(&c)
	return synth.Scenario{Seed: 7, Start: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), Calls: []synth.Call{c}}
}

// TestFindings plants one fault per case in a synthesized capture and checks
// that its finding (and the call state) appears, and that a clean call gets
// none of the fault findings.
func TestFindings(t *testing.T) {
	faults := []string{analyze.CodeCodecMismatch, analyze.CodeOneWayAudio, analyze.CodeNoRTP,
		analyze.CodePacketLoss, analyze.CodeHighJitter, analyze.CodeLowMOS, analyze.CodeMissingACK,
		analyze.CodeNoResponse, analyze.CodeRTPPayloadMismatch, analyze.CodeRTPAddressMismatch,
		analyze.CodeNATPrivateAddress, analyze.CodeDTMFNotNegotiated, analyze.CodeAuthFailed,
		analyze.CodeMalformedSIP, analyze.CodeAnswerNotInOffer, analyze.CodeCallRejected}
	natAlice := alice
	natAlice.SDPAddr = netip.MustParseAddr("192.168.1.50")
	for _, tc := range []struct {
		name  string
		sc    synth.Scenario
		want  []string
		state string
		not   []string
	}{
		{name: "clean", sc: call(func(c *synth.Call) { c.RTCP = true; c.DTMF = "12#"; c.DTMFNegotiated = true }),
			state: analyze.StateCompleted, not: faults},
		{name: "clean through proxy with auth", sc: call(func(c *synth.Call) { c.Proxy = &pbx; c.AuthChallenge = true }),
			state: analyze.StateCompleted, not: faults},
		{name: "clean over TCP", sc: call(func(c *synth.Call) { c.Transport = "TCP" }),
			state: analyze.StateCompleted, not: faults},
		{name: "hold is not one-way audio", sc: call(func(c *synth.Call) { c.ReInviteHold = true }),
			state: analyze.StateCompleted, not: []string{analyze.CodeOneWayAudio}},
		{name: "busy", sc: call(func(c *synth.Call) { c.Outcome = synth.Rejected; c.RejectStatus = 486 }),
			want: []string{analyze.CodeCallRejected}, state: analyze.StateRejected},
		{name: "not found", sc: call(func(c *synth.Call) { c.Outcome = synth.Rejected; c.RejectStatus = 404 }),
			want: []string{analyze.CodeCallRejected}, state: analyze.StateRejected},
		{name: "service unavailable", sc: call(func(c *synth.Call) { c.Outcome = synth.Rejected; c.RejectStatus = 503 }),
			want: []string{analyze.CodeCallRejected}, state: analyze.StateFailed},
		{name: "codec mismatch 488", sc: call(func(c *synth.Call) {
			c.Offer, c.Answer, c.Outcome, c.RejectStatus = []string{"G722"}, []string{"PCMU", "PCMA"}, synth.Rejected, 488
		}), want: []string{analyze.CodeCodecMismatch}, state: analyze.StateRejected, not: []string{analyze.CodeCallRejected}},
		{name: "answer not in offer", sc: call(func(c *synth.Call) {
			c.Offer, c.Answer, c.AnswerNotInOffer = []string{"PCMU"}, []string{"PCMA"}, true
		}), want: []string{analyze.CodeAnswerNotInOffer}, state: analyze.StateCompleted},
		{name: "cancelled", sc: call(func(c *synth.Call) { c.Outcome = synth.Cancelled }),
			want: []string{analyze.CodeCallCancelled}, state: analyze.StateCancelled},
		{name: "no response", sc: call(func(c *synth.Call) { c.Outcome = synth.NoResponse }),
			want: []string{analyze.CodeNoResponse}, state: analyze.StateFailed},
		{name: "missing ACK", sc: call(func(c *synth.Call) { c.Outcome = synth.MissingACK }),
			want: []string{analyze.CodeMissingACK}},
		{name: "not ended", sc: call(func(c *synth.Call) { c.Outcome = synth.NotEnded }),
			want: []string{analyze.CodeCallNotEnded}, state: analyze.StateInProgress},
		{name: "one-way audio", sc: call(func(c *synth.Call) { c.Media.CalleeToCaller.Silent = true }),
			want: []string{analyze.CodeOneWayAudio}, state: analyze.StateCompleted},
		{name: "no RTP", sc: call(func(c *synth.Call) { c.Media.NoRTP = true }),
			want: []string{analyze.CodeNoRTP}, not: []string{analyze.CodeOneWayAudio}},
		{name: "wrong payload type", sc: call(func(c *synth.Call) { c.Media.CallerToCallee.WrongPT = true }),
			want: []string{analyze.CodeRTPPayloadMismatch}},
		{name: "RTP to another address", sc: call(func(c *synth.Call) {
			c.Media.CallerToCallee.SendTo = netip.MustParseAddrPort("198.51.100.99:40000")
		}), want: []string{analyze.CodeRTPAddressMismatch}},
		{name: "NAT private address", sc: call(func(c *synth.Call) { c.Caller = natAlice }),
			want: []string{analyze.CodeNATPrivateAddress, analyze.CodeOneWayAudio}},
		{name: "DTMF not negotiated", sc: call(func(c *synth.Call) { c.Offer = []string{"PCMA"}; c.DTMF = "5" }),
			want: []string{analyze.CodeDTMFNotNegotiated}, not: []string{analyze.CodeRTPPayloadMismatch}},
		{name: "packet loss", sc: call(func(c *synth.Call) { c.Media.CallerToCallee.LossPct = 5; c.Media.CallerToCallee.BurstLen = 3 }),
			want: []string{analyze.CodePacketLoss}},
		{name: "jitter", sc: call(func(c *synth.Call) { c.Media.CallerToCallee.JitterMs = 45 }),
			want: []string{analyze.CodeHighJitter}},
		{name: "low MOS", sc: call(func(c *synth.Call) { c.Media.CallerToCallee.LossPct = 12 }),
			want: []string{analyze.CodeLowMOS, analyze.CodePacketLoss}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeScenario(t, tc.sc)
			if len(r.Calls) != 1 {
				t.Fatalf("got %d calls, want 1", len(r.Calls))
			}
			c := r.Calls[0]
			got := codes(c.Findings)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("finding %s missing; got %v", w, got)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("unexpected finding %s; got %v", n, c.Findings)
				}
			}
			if tc.state != "" && c.State != tc.state {
				t.Errorf("state %q, want %q (final %d)", c.State, tc.state, c.FinalStatus)
			}
			for _, f := range c.Findings {
				if f.Message == "" || f.Hint == "" || f.Reference == "" || strings.Contains(f.Message, "{") {
					t.Errorf("finding %s is not fully explained: %+v", f.Code, f)
				}
				if len(f.Frames) == 0 {
					t.Errorf("finding %s names no frame", f.Code)
				}
			}
		})
	}
}

func TestCleanCallFigures(t *testing.T) {
	r := analyzeScenario(t, call(func(c *synth.Call) { c.RTCP = true; c.DTMF = "12#"; c.DTMFNegotiated = true }))
	c := r.Calls[0]
	if c.SetupMs == nil || *c.SetupMs <= 0 || c.DurationMs == nil || *c.DurationMs < 5000 {
		t.Errorf("setup %v duration %v: want both set, duration ≥ 5 s", c.SetupMs, c.DurationMs)
	}
	if len(c.Streams) != 2 {
		t.Fatalf("streams %v, want 2 (one per direction)", c.Streams)
	}
	var digits string
	for _, d := range c.DTMF {
		digits += d.Digit
	}
	if digits != "12#" {
		t.Errorf("DTMF %q, want 12#", digits)
	}
	if len(c.SDP.Negotiated) == 0 || c.SDP.Offer == nil || c.SDP.Answer == nil {
		t.Errorf("SDP offer/answer/negotiated missing: %+v", c.SDP)
	}
	for _, s := range r.Streams {
		if s.CallID != c.CallID || !s.Signalled {
			t.Errorf("stream %s not tied to the call: %+v", s.ID, s)
		}
		if s.Lost != 0 || s.MOS == nil || *s.MOS < 4.0 {
			t.Errorf("stream %s: lost %d mos %v, want 0 and ≥ 4", s.ID, s.Lost, s.MOS)
		}
		if len(s.RTCP) == 0 {
			t.Errorf("stream %s has no RTCP although the call sent reports", s.ID)
		}
	}
}

func TestRegistrationsAndAttacks(t *testing.T) {
	start := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var exts []string
	for i := 200; i < 215; i++ {
		exts = append(exts, itoa(i))
	}
	scanner := ep("192.0.2.200:5070", "100")
	scanner.UserAgent = "friendly-scanner"
	guesser := ep("192.0.2.201:5070", "200")
	for _, tc := range []struct {
		name  string
		sc    synth.Scenario
		want  []string
		state string
	}{
		{name: "registered", sc: synth.Scenario{Seed: 1, Start: start, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegOK}}}, state: "registered"},
		{name: "wrong password", sc: synth.Scenario{Seed: 1, Start: start, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegWrongPassword}}},
			want: []string{analyze.CodeAuthFailed, analyze.CodeRegistrationFailed}, state: "failed"},
		{name: "challenge loop", sc: synth.Scenario{Seed: 1, Start: start, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegChallengeLoop}}},
			want: []string{analyze.CodeAuthFailed}},
		{name: "unknown user", sc: synth.Scenario{Seed: 1, Start: start, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegUnknown}}},
			want: []string{analyze.CodeRegistrationFailed}, state: "failed"},
		{name: "registrar silent", sc: synth.Scenario{Seed: 1, Start: start, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegNoResponse}}},
			want: []string{analyze.CodeRegistrationFailed}, state: "no-response"},
		{name: "scanner", sc: synth.Scenario{Seed: 1, Start: start, Scans: []synth.Scan{
			{From: scanner, Target: pbx.Addr, Extensions: exts, Method: "OPTIONS"}}},
			want: []string{analyze.CodeScanner}},
		{name: "brute force", sc: synth.Scenario{Seed: 1, Start: start, Scans: []synth.Scan{
			{From: guesser, Target: pbx.Addr, Extensions: []string{"200"}, Attempts: 25}}},
			want: []string{analyze.CodeBruteForce}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyzeScenario(t, tc.sc)
			got := codes(r.Findings)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("finding %s missing; got %v", w, got)
				}
			}
			if len(tc.want) == 0 && len(got) > 0 {
				t.Errorf("unexpected findings %v", r.Findings)
			}
			if tc.state != "" {
				if len(r.Registrations) == 0 || r.Registrations[0].State != tc.state {
					t.Errorf("registrations %+v, want state %s", r.Registrations, tc.state)
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
