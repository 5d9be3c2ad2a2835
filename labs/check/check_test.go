package check_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/labs/catalogue"
	"voiplab/labs/check"
	"voiplab/synth"
)

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

func lab(t *testing.T, name string) catalogue.Lab {
	t.Helper()
	l, err := catalogue.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	pbx   = ep("127.0.0.10:5060", "pbx")
	alice = ep("127.0.0.11:5060", "200")
	bob   = ep("127.0.0.12:5060", "201")
)

// Scenarios that reproduce each lab the way synth can: the grading must
// pass on them, and fail on the capture of another lab.
func TestLabsOnSynthCaptures(t *testing.T) {
	nat := alice
	nat.SDPAddr = netip.MustParseAddr("192.168.1.50")
	talk := 4 * time.Second
	cases := []struct {
		lab     string
		variant string
		sc      synth.Scenario
	}{
		{"basic-call", "", synth.Scenario{Seed: 1,
			Registrations: []synth.Registration{{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegOK}},
			Calls: []synth.Call{{At: time.Second, Caller: alice, Callee: bob, Proxy: &pbx, Offer: []string{"PCMU", "PCMA", "telephone-event"},
				Talk: 12 * time.Second, RTCP: true}}}},
		{"codec-compare", "", synth.Scenario{Seed: 2, Calls: []synth.Call{
			{Caller: alice, Callee: bob, Offer: []string{"PCMU"}, Talk: talk},
			{At: 5 * time.Second, Caller: alice, Callee: bob, Offer: []string{"PCMA"}, Talk: talk},
			{At: 10 * time.Second, Caller: alice, Callee: bob, Offer: []string{"G722"}, Talk: talk},
		}}},
		{"codec-mismatch", "", synth.Scenario{Seed: 3, Calls: []synth.Call{
			{Caller: alice, Callee: bob, Offer: []string{"G722"}, Answer: []string{"PCMU", "PCMA"}, Outcome: synth.Rejected, RejectStatus: 488},
		}}},
		{"media-path", "", synth.Scenario{Seed: 4, Calls: []synth.Call{
			{Caller: alice, Callee: bob, Proxy: &pbx, Talk: talk, Media: synth.MediaFaults{NoRTP: true}},
		}}},
		{"dtmf", "", synth.Scenario{Seed: 5, Calls: []synth.Call{
			{Caller: alice, Callee: bob, Offer: []string{"PCMU", "telephone-event"}, Talk: talk, DTMF: "123#", DTMFNegotiated: true},
			{At: 6 * time.Second, Caller: alice, Callee: bob, Offer: []string{"PCMU"}, Talk: talk, DTMF: "42"},
		}}},
		{"registration", "", synth.Scenario{Seed: 6, Registrations: []synth.Registration{
			{Endpoint: alice, Registrar: pbx.Addr, Outcome: synth.RegOK},
			{At: time.Second, Endpoint: bob, Registrar: pbx.Addr, Outcome: synth.RegWrongPassword},
			{At: 2 * time.Second, Endpoint: ep("127.0.0.13:5060", "299"), Registrar: pbx.Addr, Outcome: synth.RegUnknown},
		}}},
		{"impaired-network", "", synth.Scenario{Seed: 7, Calls: []synth.Call{
			{Caller: alice, Callee: bob, Talk: 30 * time.Second, Media: synth.MediaFaults{CallerToCallee: synth.Impairment{LossPct: 1, JitterMs: 40, Reorder: true}}},
			{At: 31 * time.Second, Caller: alice, Callee: bob, Talk: 10 * time.Second, Media: synth.MediaFaults{CallerToCallee: synth.Impairment{LossPct: 5, JitterMs: 40, Reorder: true}}},
			{At: 42 * time.Second, Caller: alice, Callee: bob, Talk: 10 * time.Second, Media: synth.MediaFaults{CallerToCallee: synth.Impairment{LossPct: 5, BurstLen: 3, JitterMs: 40, Reorder: true}}},
		}}},
		{"one-way-audio", "", synth.Scenario{Seed: 8, Calls: []synth.Call{
			{Caller: nat, Callee: bob, Talk: 8 * time.Second, Media: synth.MediaFaults{CalleeToCaller: synth.Impairment{Silent: true}}},
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.lab+"/"+tc.variant, func(t *testing.T) {
			res := analyzeScenario(t, tc.sc)
			g := check.Lab(res, lab(t, tc.lab), tc.variant)
			if len(g.Items) == 0 {
				t.Fatal("no objectives")
			}
			if !g.Passed() {
				var b bytes.Buffer
				_ = g.Write(&b, "en")
				t.Errorf("objectives not met:\n%s", b.String())
			}
			if g.Err() != nil {
				t.Errorf("Err() = %v on a passing grade", g.Err())
			}
		})
	}
}

// A capture of one lab does not pass another: the grading can fail.
func TestWrongCaptureFails(t *testing.T) {
	res := analyzeScenario(t, synth.Scenario{Seed: 3, Calls: []synth.Call{
		{Caller: alice, Callee: bob, Offer: []string{"G722"}, Answer: []string{"PCMU", "PCMA"}, Outcome: synth.Rejected, RejectStatus: 488},
	}})
	g := check.Lab(res, lab(t, "basic-call"), "")
	if g.Passed() {
		t.Fatal("basic-call passed on a 488 capture")
	}
	if !errors.Is(g.Err(), check.ErrNotMet) {
		t.Errorf("Err() = %v, want ErrNotMet", g.Err())
	}
	var en, fr bytes.Buffer
	_ = g.Write(&en, "en")
	_ = g.Write(&fr, "fr")
	for _, want := range []string{"✗ the call was answered (200 OK) and ended with BYE — calls seen: rejected 488", "✓ no one-way audio"} {
		if !strings.Contains(en.String(), want) {
			t.Errorf("English grading lacks %q:\n%s", want, en.String())
		}
	}
	if !strings.Contains(fr.String(), "appels vus : rejected 488") || !strings.Contains(fr.String(), "voir : ") {
		t.Errorf("French grading:\n%s", fr.String())
	}
}

func TestObjectiveKinds(t *testing.T) {
	mos := 4.2
	res := &analyze.Result{
		Calls: []analyze.Call{{CallID: "c1", State: "completed", FinalStatus: 200,
			SDP:  analyze.CallSDP{Negotiated: []analyze.Codec{{Name: "PCMA"}}},
			DTMF: []analyze.DTMF{{Digit: "1"}, {Digit: "2"}}}},
		Streams: []analyze.Stream{{ID: "s1", Codec: "G722", ClockRate: 8000, MOS: &mos, LostPct: 1.5,
			RTCP: []analyze.RTCP{{}, {}}}},
		Registrations: []analyze.Registration{{AOR: "sip:200@lab", State: "failed", FinalStatus: 403}},
		Findings:      []analyze.Finding{{Code: "packet-loss", Frames: []int{7}}},
	}
	cases := []struct {
		name string
		o    catalogue.Objective
		want bool
	}{
		{"finding present", catalogue.Objective{Kind: catalogue.KindFinding, Code: "packet-loss"}, true},
		{"finding absent", catalogue.Objective{Kind: catalogue.KindFinding, Code: "one-way-audio"}, false},
		{"forbidden finding present", catalogue.Objective{Kind: catalogue.KindFinding, Code: "packet-loss", Forbid: true}, false},
		{"forbidden finding absent", catalogue.Objective{Kind: catalogue.KindFinding, Code: "low-mos", Forbid: true}, true},
		{"call state", catalogue.Objective{Kind: catalogue.KindCallState, Value: "completed", Status: 200}, true},
		{"call status differs", catalogue.Objective{Kind: catalogue.KindCallState, Value: "completed", Status: 486}, false},
		{"codec", catalogue.Objective{Kind: catalogue.KindCodec, Value: "PCMA"}, true},
		{"codec differs", catalogue.Objective{Kind: catalogue.KindCodec, Value: "PCMU"}, false},
		{"clock rate", catalogue.Objective{Kind: catalogue.KindClockRate, Value: "G722", Min: 8000}, true},
		{"clock rate differs", catalogue.Objective{Kind: catalogue.KindClockRate, Value: "G722", Min: 16000}, false},
		{"streams", catalogue.Objective{Kind: catalogue.KindStreams, Min: 1, Max: 1}, true},
		{"too few streams", catalogue.Objective{Kind: catalogue.KindStreams, Min: 2}, false},
		{"sip only", catalogue.Objective{Kind: catalogue.KindSIPOnly}, false},
		{"dtmf", catalogue.Objective{Kind: catalogue.KindDTMF, Value: "12"}, true},
		{"dtmf order", catalogue.Objective{Kind: catalogue.KindDTMF, Value: "21"}, false},
		{"mos in range", catalogue.Objective{Kind: catalogue.KindMOS, Min: 4, Max: 4.5}, true},
		{"mos out of range", catalogue.Objective{Kind: catalogue.KindMOS, Min: 1, Max: 3.6}, false},
		{"loss", catalogue.Objective{Kind: catalogue.KindLoss, Min: 1, Max: 2}, true},
		{"loss out of range", catalogue.Objective{Kind: catalogue.KindLoss, Min: 3, Max: 9}, false},
		{"registration", catalogue.Objective{Kind: catalogue.KindRegistration, Value: "failed", Status: 403}, true},
		{"registration state differs", catalogue.Objective{Kind: catalogue.KindRegistration, Value: "registered"}, false},
		{"rtcp", catalogue.Objective{Kind: catalogue.KindRTCP, Min: 2}, true},
		{"rtcp too few", catalogue.Objective{Kind: catalogue.KindRTCP, Min: 3}, false},
		{"unknown kind", catalogue.Objective{Kind: "nope"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, why := check.Objective(res, tc.o)
			if got != tc.want {
				t.Errorf("met = %v (%s), want %v", got, why.EN, tc.want)
			}
			if why.EN == "" || why.FR == "" {
				t.Errorf("reason missing a language: %+v", why)
			}
		})
	}
}
