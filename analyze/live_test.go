package analyze_test

import (
	"slices"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/synth"
)

// TestLive runs the demo capture through a live analysis: every call is
// announced, answered calls say so, every call ends with the same findings
// as the file analysis gives, the attacks are reported, and nothing stays
// in memory at the end.
func TestLive(t *testing.T) {
	want := analyzeScenario(t, synth.Demo()) // file mode, the reference
	var events []analyze.Event
	opts := analyze.DefaultOptions()
	opts.OnEvent = func(e analyze.Event) { events = append(events, e) }
	a := analyze.New(opts)
	var last time.Time
	if _, err := synth.Demo().Write(synth.DatagramWriterFunc(func(d *capture.Datagram) error {
		a.Datagram(d)
		last = d.Time
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	a.FlushAll(last)

	byKind := map[string][]analyze.Event{}
	for _, e := range events {
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
	if n := len(byKind[analyze.EventCallNew]); n != len(want.Calls) {
		t.Errorf("%d call-new events, want %d", n, len(want.Calls))
	}
	if n := len(byKind[analyze.EventCallEnded]); n != len(want.Calls) {
		t.Fatalf("%d call-ended events, want %d", n, len(want.Calls))
	}
	answered := 0
	for _, c := range want.Calls {
		if c.SetupMs != nil {
			answered++
		}
	}
	if n := len(byKind[analyze.EventCallAnswered]); n != answered {
		t.Errorf("%d call-answered events, want %d", n, answered)
	}
	for _, e := range byKind[analyze.EventCallEnded] {
		i := slices.IndexFunc(want.Calls, func(c analyze.Call) bool { return c.CallID == e.Call.CallID })
		if i < 0 {
			t.Errorf("ended call %s is not in the file analysis", e.Call.CallID)
			continue
		}
		w := want.Calls[i]
		if e.Call.State != w.State || !slices.Equal(codes(e.Call.Findings), codes(w.Findings)) || len(e.Streams) != len(w.Streams) {
			t.Errorf("call %s live: %s %v %d streams; file: %s %v %d streams", w.CallID, e.Call.State,
				codes(e.Call.Findings), len(e.Streams), w.State, codes(w.Findings), len(w.Streams))
		}
	}
	var found []string
	for _, e := range byKind[analyze.EventFinding] {
		found = append(found, e.Finding.Code)
	}
	for _, c := range []string{analyze.CodeScanner, analyze.CodeBruteForce} {
		if !slices.Contains(found, c) {
			t.Errorf("no %s finding event; got %v", c, found)
		}
	}
	if len(byKind[analyze.EventRegistration]) < 2 {
		t.Errorf("%d registration events", len(byKind[analyze.EventRegistration]))
	}
	r := a.Result()
	if len(r.Calls) != 0 || len(r.Streams) != 0 {
		t.Errorf("after FlushAll the analyser still holds %d calls and %d streams", len(r.Calls), len(r.Streams))
	}
}

// TestLiveMemoryBounded: a long stream of short calls does not grow the
// analyser's memory: finished calls are evicted as packet time advances.
func TestLiveMemoryBounded(t *testing.T) {
	ended := 0
	opts := analyze.DefaultOptions()
	opts.OnEvent = func(e analyze.Event) {
		if e.Kind == analyze.EventCallEnded {
			ended++
		}
	}
	a := analyze.New(opts)
	sc := synth.Bench(300, 2*time.Second)
	for i := range sc.Calls {
		sc.Calls[i].At = time.Duration(i) * 200 * time.Millisecond // a few calls at a time
	}
	maxLive := 0
	if _, err := sc.Write(synth.DatagramWriterFunc(func(d *capture.Datagram) error {
		a.Datagram(d)
		if n, _ := a.Held(); n > maxLive {
			maxLive = n
		}
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	if ended < 250 {
		t.Errorf("only %d calls ended while the capture ran", ended)
	}
	// a call lives about 3 s (setup and 2 s of talk) and lingers 4 s: with a
	// new call every 200 ms about 35 are held, never the 300 of the capture
	if maxLive > 60 {
		t.Errorf("up to %d calls held at once, want about 35", maxLive)
	}
}
