package phone_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"voiplab/labs/impair"
	"voiplab/labs/phone"
)

// TestBehaviours: the phone's lab switches (NAT, late media, impairment)
// do what the labs rely on.
func TestBehaviours(t *testing.T) {
	for _, tc := range []struct {
		name   string
		caller func(*phone.Config)
		check  func(t *testing.T, caller, callee phone.Stats, answerToFirstRTP time.Duration)
	}{
		{"nat private sdp address", func(c *phone.Config) { c.SDPAddr = netip.MustParseAddr("192.168.1.50") },
			func(t *testing.T, caller, callee phone.Stats, _ time.Duration) {
				if caller.Received != 0 || callee.Received != 50 {
					t.Errorf("caller received %d (want 0: sent to 192.168.1.50), callee %d (want 50)", caller.Received, callee.Received)
				}
			}},
		{"late media", func(c *phone.Config) { c.MediaDelay = 500 * time.Millisecond },
			func(t *testing.T, caller, callee phone.Stats, late time.Duration) {
				if callee.Received != 50 {
					t.Errorf("callee received %d, want 50", callee.Received)
				}
				if late < 450*time.Millisecond {
					t.Errorf("first caller RTP %v after the call started, want ≥ 500 ms", late)
				}
			}},
		{"impaired", func(c *phone.Config) { c.Impair = &impair.Config{LossPct: 50, Seed: 3} },
			func(t *testing.T, caller, callee phone.Stats, _ time.Duration) {
				if callee.Received < 10 || callee.Received > 40 || caller.Received != 50 {
					t.Errorf("callee received %d of 50 at 50 %% loss, caller %d of 50", callee.Received, caller.Received)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca := cfg("200", "127.0.1.11:5060", "PCMU")
			tc.caller(&ca)
			a, b, stop := pair(t, ca, cfg("201", "127.0.1.12:5060", "PCMU"))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			call, err := a.Call(ctx, "sip:201@127.0.1.12:5060")
			if err != nil {
				t.Fatal(err)
			}
			in := <-b.Incoming()
			done := make(chan struct{})
			go func() { defer close(done); _ = in.Talk(ctx, time.Second, "") }()
			firstc := make(chan time.Duration, 1)
			go func() {
				for in.Stats().Received == 0 && ctx.Err() == nil {
					time.Sleep(5 * time.Millisecond)
				}
				firstc <- time.Since(start)
			}()
			if err := call.Talk(ctx, time.Second, ""); err != nil {
				t.Fatal(err)
			}
			<-done
			time.Sleep(100 * time.Millisecond)
			first := <-firstc
			cs, es := call.Stats(), in.Stats()
			_ = call.Hangup(ctx)
			stop()
			tc.check(t, cs, es, first)
		})
	}
}
