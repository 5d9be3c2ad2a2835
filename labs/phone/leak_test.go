package phone_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestNoLeak: a phone that served, registered nowhere, called and hung up
// leaves no goroutine behind once Serve returns.
func TestNoLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b, stop := pair(t, cfg("200", "127.0.1.11:5060", "PCMU"), cfg("201", "127.0.1.12:5060", "PCMU"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	call, err := a.Call(ctx, "sip:201@127.0.1.12:5060")
	if err != nil {
		t.Fatal(err)
	}
	in := <-b.Incoming()
	if err := call.Talk(ctx, 200*time.Millisecond, ""); err != nil {
		t.Fatal(err)
	}
	_ = call.Hangup(ctx)
	<-in.Ended()
	stop()
	time.Sleep(300 * time.Millisecond) // media close waits for delayed packets
}
