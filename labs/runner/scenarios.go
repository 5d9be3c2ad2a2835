package runner

import (
	"context"
	"time"

	"voiplab/labs/impair"
	"voiplab/pbx/config"
)

// scenario is how one capture of a lab is made.
type scenario struct {
	// relay is the PBX's media.relay mode; "" runs without a PBX (direct
	// calls between phones).
	relay string
	// pbxView records the PBX only (no phone records its direct media).
	pbxView bool
	phones  []phoneSpec
	run     func(ctx context.Context, w *world) error
}

var (
	g711  = []string{"PCMU", "PCMA", "telephone-event"}
	allCs = []string{"PCMU", "PCMA", "G722", "telephone-event"}
)

// talk is how long each side of a lab call sends audio.
const talk = 3 * time.Second

// parallel runs the steps at once and returns the first error.
func parallel(steps ...func() error) error {
	errc := make(chan error, len(steps))
	for _, s := range steps {
		go func() { errc <- s() }()
	}
	var first error
	for range steps {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// scenarios returns the scenario of each capture of a lab: variant "" is
// the main capture.
func scenarios(name string) (map[string]scenario, bool) {
	switch name {
	case "basic-call":
		// The PBX relays the media: with direct media the analysis sees
		// each direction of the audio on a different leg (Call-ID) of the
		// B2BUA, and reports both legs as one-way.
		return map[string]scenario{"": {relay: config.RelayAlways,
			phones: []phoneSpec{{user: "200", ip: "127.0.0.11", codecs: g711}, {user: "201", ip: "127.0.0.12", codecs: g711}},
			run: func(ctx context.Context, w *world) error {
				if err := w.register(ctx, "200", "201"); err != nil {
					return err
				}
				return w.call(ctx, "200", "201", talk, "", 0)
			}}}, true

	case "codec-compare":
		// Three calls at once, one per codec, between three pairs of
		// phones: 12 s of calls would not fit in a lab's 15 s.
		return map[string]scenario{"": {
			phones: []phoneSpec{
				{user: "200", ip: "127.0.0.11", codecs: []string{"PCMU"}}, {user: "201", ip: "127.0.0.12", codecs: allCs},
				{user: "202", ip: "127.0.0.13", codecs: []string{"PCMA"}}, {user: "203", ip: "127.0.0.14", codecs: allCs},
				{user: "204", ip: "127.0.0.15", codecs: []string{"G722"}}, {user: "205", ip: "127.0.0.16", codecs: allCs},
			},
			run: func(ctx context.Context, w *world) error {
				return parallel(
					func() error { return w.call(ctx, "200", "201", talk, "", 0) },
					func() error { return w.call(ctx, "202", "203", talk, "", 0) },
					func() error { return w.call(ctx, "204", "205", talk, "", 0) },
				)
			}}}, true

	case "codec-mismatch":
		return map[string]scenario{"": {
			phones: []phoneSpec{{user: "200", ip: "127.0.0.11", codecs: []string{"G722"}}, {user: "201", ip: "127.0.0.12", codecs: []string{"PCMU", "PCMA"}}},
			run: func(ctx context.Context, w *world) error {
				return w.call(ctx, "200", "201", talk, "", 488)
			}}}, true

	case "media-path":
		phones := []phoneSpec{{user: "200", ip: "127.0.0.11", codecs: g711}, {user: "201", ip: "127.0.0.12", codecs: g711}}
		run := func(ctx context.Context, w *world) error {
			if err := w.register(ctx, "200", "201"); err != nil {
				return err
			}
			return w.call(ctx, "200", "201", talk, "", 0)
		}
		return map[string]scenario{
			"":      {relay: config.RelayNever, pbxView: true, phones: phones, run: run},
			"relay": {relay: config.RelayAlways, pbxView: true, phones: phones, run: run},
		}, true

	case "dtmf":
		return map[string]scenario{"": {
			phones: []phoneSpec{
				{user: "200", ip: "127.0.0.11", codecs: []string{"PCMU", "telephone-event"}}, {user: "201", ip: "127.0.0.12", codecs: []string{"PCMU", "telephone-event"}},
				{user: "202", ip: "127.0.0.13", codecs: []string{"PCMU"}, events: true}, {user: "203", ip: "127.0.0.14", codecs: []string{"PCMU"}},
			},
			run: func(ctx context.Context, w *world) error {
				return parallel(
					func() error { return w.call(ctx, "200", "201", talk, "123#", 0) },
					func() error { return w.call(ctx, "202", "203", talk, "42", 0) },
				)
			}}}, true

	case "registration":
		return map[string]scenario{"": {relay: config.RelayNever,
			phones: []phoneSpec{
				{user: "200", ip: "127.0.0.11"},
				{user: "201", ip: "127.0.0.12", password: "wrong-password"},
				{user: "299", ip: "127.0.0.13"},
			},
			run: func(ctx context.Context, w *world) error {
				if err := w.register(ctx, "200"); err != nil {
					return err
				}
				// Both failures are what the lab is about: their errors are
				// expected.
				_ = w.register(ctx, "201")
				_ = w.register(ctx, "299")
				return nil
			}}}, true

	case "impaired-network":
		// The 1 %, 5 % and bursty loss, each with jitter, one call
		// per pair of phones at once. impair's jitter never reorders, so on
		// 20 ms packets its RFC 3550 jitter saturates near 25 ms (labs/impair
		// doc); holding 30 % of the packets back 60 ms, so that the next ones
		// overtake them, brings it to the lab's 35-40 ms.
		imp := func(c impair.Config) *impair.Config { return &c }
		burst := impair.Gilbert(0.05, 4)
		return map[string]scenario{"": {
			phones: []phoneSpec{
				{user: "200", ip: "127.0.0.11", codecs: g711, impair: imp(impair.Config{LossPct: 1, JitterMs: 60, ReorderPct: 30, ReorderMs: 60})}, {user: "201", ip: "127.0.0.12", codecs: g711},
				{user: "202", ip: "127.0.0.13", codecs: g711, impair: imp(impair.Config{LossPct: 5, JitterMs: 60, ReorderPct: 30, ReorderMs: 60})}, {user: "203", ip: "127.0.0.14", codecs: g711},
				{user: "204", ip: "127.0.0.15", codecs: g711, impair: imp(impair.Config{Burst: &burst, JitterMs: 60, ReorderPct: 30, ReorderMs: 60})}, {user: "205", ip: "127.0.0.16", codecs: g711},
			},
			run: func(ctx context.Context, w *world) error {
				const long = 6 * time.Second // enough packets (300) for 1 % to show
				return parallel(
					func() error { return w.call(ctx, "200", "201", long, "", 0) },
					func() error { return w.call(ctx, "202", "203", long, "", 0) },
					func() error { return w.call(ctx, "204", "205", long, "", 0) },
				)
			}}}, true

	case "one-way-audio":
		// 201 starts its audio 200 ms late: the relay latches on 200's
		// first packet (symmetric RTP), and a packet of 201 relayed before
		// that would go to the private address, a loss that depends on
		// timing and would make two runs differ.
		phones := []phoneSpec{{user: "200", ip: "127.0.0.11", codecs: g711, nat: true}, {user: "201", ip: "127.0.0.12", codecs: g711, late: 200 * time.Millisecond}}
		return map[string]scenario{
			"": {phones: phones, run: func(ctx context.Context, w *world) error {
				return w.call(ctx, "200", "201", talk, "", 0)
			}},
			"relay": {relay: config.RelayAlways, phones: phones, run: func(ctx context.Context, w *world) error {
				if err := w.register(ctx, "200", "201"); err != nil {
					return err
				}
				return w.call(ctx, "200", "201", talk, "", 0)
			}},
		}, true
	}
	return nil, false
}
