package b2bua_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

func TestCallRelayed(t *testing.T) {
	bob := newCallee(t, "answer")
	met := &metrics{}
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts,
		func(c *b2bua.Config, _ *relay.Config) { c.Metrics = met })
	alice := newCaller(t)
	d, err := alice.invite(t, p, "201", []int{0, 8, 101})
	if err != nil {
		t.Fatal(err)
	}
	if got := alice.node.responses(); !slices.Equal(got, []int{100, 180, 200}) {
		t.Errorf("caller saw %v, want [100 180 200]", got)
	}
	// The callee's offer points at the relay and keeps the allowed codecs in
	// the PBX's order (PCMA before PCMU), telephone-event passing.
	bob.mu.Lock()
	offer := bob.offer
	bob.mu.Unlock()
	toRelay1, m := sdpAddr(t, offer)
	if toRelay1.Addr() != loopback || toRelay1.Port() < 32000 || toRelay1.Port() > 32999 {
		t.Fatalf("callee's offer not relayed: %s", toRelay1)
	}
	var names []string
	for _, f := range m.Formats {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"PCMA", "PCMU", "telephone-event"}) {
		t.Errorf("offer to callee lists %v", names)
	}
	toRelay0, _ := sdpAddr(t, d.InviteResponse.Body())
	if toRelay0.Port() < 32000 || toRelay0.Port() > 32999 {
		t.Fatalf("caller's answer not relayed: %s", toRelay0)
	}
	bobAddr := bob.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
	_ = bobAddr
	// A tone in comes out, sample for sample, both ways; DTMF too.
	for f := range 20 {
		pkt := rtpPacket(0, uint16(f), uint32(f*160), tone(f))
		alice.rtp.WriteToUDPAddrPort(pkt, toRelay0)
		if got := recv(t, bob.rtp); !bytes.Equal(got, pkt) {
			t.Fatalf("frame %d altered", f)
		}
		back := rtpPacket(0, uint16(100+f), uint32(f*160), tone(f+3))
		bob.rtp.WriteToUDPAddrPort(back, toRelay1)
		if got := recv(t, alice.rtp); !bytes.Equal(got, back) {
			t.Fatalf("return frame %d altered", f)
		}
	}
	dtmf := rtpPacket(101, 20, 20*160, []byte{1, 0x8a, 0x03, 0x20}) // digit 1, end, 800 samples (RFC 4733 §2.3)
	alice.rtp.WriteToUDPAddrPort(dtmf, toRelay0)
	if got := recv(t, bob.rtp); !bytes.Equal(got, dtmf) {
		t.Fatal("DTMF event altered")
	}
	if calls := p.b.ActiveCalls(); len(calls) != 1 || calls[0].State != "answered" || calls[0].Media != cdr.MediaRelay {
		t.Errorf("active calls %+v", calls)
	}

	// Hold and unhold: re-INVITE with sendonly, then sendrecv.
	for _, dir := range []string{"sendonly", "sendrecv"} {
		req := sip.NewRequest(sip.INVITE, d.InviteResponse.Contact().Address)
		req.SetBody(sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0, 101}, dir))
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := d.Do(ctx, req)
		cancel()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("re-INVITE %s: %v %v", dir, res, err)
		}
		ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
		d.WriteRequest(ack)
		if dir == "sendonly" && !bytes.Contains(res.Body(), []byte("a=recvonly")) {
			t.Errorf("hold answer lacks recvonly:\n%s", res.Body())
		}
	}
	// Hold with UPDATE (RFC 3311).
	upd := sip.NewRequest(sip.UPDATE, d.InviteResponse.Contact().Address)
	upd.SetBody(sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0, 101}, "sendonly"))
	upd.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	uctx, ucancel := context.WithTimeout(context.Background(), 5*time.Second)
	res, err := d.Do(uctx, upd)
	ucancel()
	if err != nil || res.StatusCode != 200 || !bytes.Contains(res.Body(), []byte("a=recvonly")) {
		t.Fatalf("UPDATE: %v %v", res, err)
	}
	if a, _ := sdpAddr(t, res.Body()); a != toRelay0 {
		t.Errorf("UPDATE answer points at %s, want the relay %s", a, toRelay0)
	}
	bob.mu.Lock()
	if len(bob.updates) != 1 || !bytes.Contains(bob.updates[0], []byte("a=sendonly")) {
		t.Errorf("callee got UPDATEs %q", bob.updates)
	}
	reinv := len(bob.reinv)
	held := reinv > 0 && bytes.Contains(bob.reinv[0], []byte("a=sendonly"))
	bob.mu.Unlock()
	if reinv != 2 || !held {
		t.Errorf("callee got %d re-INVITEs (hold relayed: %v)", reinv, held)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Bye(ctx); err != nil {
		t.Fatalf("bye: %v", err)
	}
	recs := p.waitCDR(t, 1)
	r := recs[0]
	if r.Status != 200 || r.Media != cdr.MediaRelay || r.Answer == nil || r.From != "200" || r.To != "201" {
		t.Errorf("cdr %+v", r)
	}
	if r.Codec != "PCMU/8000" {
		t.Errorf("codec %q, want the callee's answer PCMU/8000", r.Codec)
	}
	if len(r.RTP) != 2 || r.RTP[0].Packets != 21 || r.RTP[1].Packets != 20 || r.RTP[0].Lost != 0 {
		t.Errorf("rtp %+v", r.RTP)
	}
	bob.mu.Lock()
	byes := bob.byes
	bob.mu.Unlock()
	if byes != 1 {
		t.Errorf("callee got %d BYEs", byes)
	}
	met.mu.Lock()
	defer met.mu.Unlock()
	if met.started != 1 || !slices.Equal(met.ended, []int{200}) || met.packets != 41 || len(met.quality) != 2 {
		t.Errorf("metrics: started %d ended %v packets %d quality %d", met.started, met.ended, met.packets, len(met.quality))
	}
}

func TestCallDirectAndCalleeBye(t *testing.T) {
	bob := newCallee(t, "early")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayNever, exts)
	alice := newCaller(t)
	d, err := alice.invite(t, p, "201", []int{0, 101})
	if err != nil {
		t.Fatal(err)
	}
	if got := alice.node.responses(); !slices.Equal(got, []int{100, 183, 200}) {
		t.Errorf("caller saw %v", got)
	}
	// Direct media: the answer is the callee's body untouched.
	bobAddr := bob.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
	if a, _ := sdpAddr(t, d.InviteResponse.Body()); a != bobAddr {
		t.Errorf("direct answer points at %s, want %s", a, bobAddr)
	}
	bob.mu.Lock()
	offer := bob.offer
	bob.mu.Unlock()
	if want := sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0, 101}, ""); !bytes.Equal(offer, want) {
		t.Errorf("direct offer changed:\n%s", offer)
	}
	// The callee hangs up: the caller gets a BYE.
	calleeBye(t, bob, p)
	select {
	case <-alice.bye:
	case <-time.After(3 * time.Second):
		t.Fatal("caller got no BYE")
	}
	r := p.waitCDR(t, 1)[0]
	if r.Status != 200 || r.Media != cdr.MediaDirect || len(r.RTP) != 0 {
		t.Errorf("cdr %+v", r)
	}
	_ = d
}

func TestRejections(t *testing.T) {
	busy := newCallee(t, "busy")
	bob := newCallee(t, "answer")
	loc := locator{"201": {contactOf(busy, "201")}, "202": {contactOf(bob, "202")}}
	p := startPBX(t, loc, b2bua.RelayAuto, exts)
	tests := []struct {
		name, ext string
		pts       []int
		status    int
	}{
		{"unknown extension", "299", []int{0}, 404},
		{"not registered", "203", []int{0}, 480},
		{"busy passed through", "201", []int{0}, 486},
		{"no common codec", "202", []int{0, 3, 101}, 488},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alice := newCaller(t)
			_, err := alice.invite(t, p, tc.ext, tc.pts)
			var de *sipgo.ErrDialogResponse
			if !errors.As(err, &de) || de.Res.StatusCode != tc.status {
				t.Fatalf("got %v, want %d", err, tc.status)
			}
			if tc.status == 488 {
				// RFC 3261 §20.43: code 305, both codec lists named.
				w := de.Res.GetHeader("Warning")
				if w == nil || !strings.HasPrefix(w.Value(), "305 lab.local ") || !strings.Contains(w.Value(), "PCMU/8000 GSM/8000 telephone-event/8000") || !strings.Contains(w.Value(), "allowed G722") {
					t.Errorf("Warning %v", w)
				}
			}
			r := p.waitCDR(t, i+1)[i]
			if r.Status != tc.status || r.Answer != nil {
				t.Errorf("cdr %+v", r)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	bob := newCallee(t, "ring")
	bob2 := newCallee(t, "ring") // forking: both ring, both get CANCEL
	p := startPBX(t, locator{"201": {contactOf(bob, "201"), contactOf(bob2, "201")}}, b2bua.RelayAlways, exts)
	alice := newCaller(t)
	uri := sip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(p.node.addr.Port())}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := alice.dua.Invite(ctx, uri, sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, ""), sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for !slices.Contains(alice.node.responses(), 180) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	err = d.WaitAnswer(ctx, sipgo.AnswerOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitAnswer: %v", err)
	}
	r := p.waitCDR(t, 1)[0]
	if r.Status != 487 {
		t.Errorf("cdr status %d, want 487", r.Status)
	}
	if len(p.b.ActiveCalls()) != 0 {
		t.Error("call still active")
	}
}

// TestProvisionalOrder: a callee sends 180 and 200 back to back; sipgo
// hands them to the transaction on separate goroutines, and the B2BUA must
// still relay 180 before 200, every time.
func TestProvisionalOrder(t *testing.T) {
	bob := newCallee(t, "burst")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayNever, exts)
	const runs = 30
	for i := range runs {
		alice := newCaller(t)
		d, err := alice.invite(t, p, "201", []int{0})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		// The caller's own sipgo may reorder too: read the wire order.
		deadline := time.Now().Add(time.Second)
		for !slices.Contains(alice.node.responses(), 200) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if got := alice.node.responses(); !slices.Equal(got[:min(3, len(got))], []int{100, 180, 200}) {
			t.Fatalf("run %d: caller saw %v", i, got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d.Bye(ctx)
		cancel()
	}
	p.waitCDR(t, runs)

	// Control: a plain sipgo UAC calling the same callee directly, reading
	// the responses through WaitAnswer, loses the 180 in most runs (26 of 30
	// when this test was written): the race the B2BUA works around is real.
	lost := 0
	for range runs {
		alice := newCaller(t)
		uri := sip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(bob.node.addr.Port())}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d, err := alice.dua.Invite(ctx, uri, sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, ""), sip.NewHeader("Content-Type", "application/sdp"))
		if err != nil {
			t.Fatal(err)
		}
		saw := false
		d.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			saw = saw || r.StatusCode == 180
			return nil
		}})
		if !saw {
			lost++
		}
		d.Ack(ctx)
		d.Bye(ctx)
		cancel()
	}
	t.Logf("control: plain sipgo WaitAnswer lost the 180 in %d of %d calls; the B2BUA relayed it in all %d", lost, runs, runs)
}

func TestRefuse(t *testing.T) {
	for _, how := range []string{"refuse", "overloaded"} {
		t.Run(how, func(t *testing.T) {
			bob := newCallee(t, "answer")
			p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayNever, exts,
				func(c *b2bua.Config, _ *relay.Config) {
					if how == "overloaded" {
						c.Overloaded = func() bool { return true }
					}
				})
			if how == "refuse" {
				p.b.Refuse(true)
			}
			alice := newCaller(t)
			_, err := alice.invite(t, p, "201", []int{0})
			var de *sipgo.ErrDialogResponse
			if !errors.As(err, &de) || de.Res.StatusCode != 503 || de.Res.GetHeader("Retry-After") == nil {
				t.Fatalf("got %v, want 503 with Retry-After", err)
			}
		})
	}
}

func TestDrain(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts)
	alice := newCaller(t)
	if _, err := alice.invite(t, p, "201", []int{0}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.b.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if r := p.waitCDR(t, 1)[0]; r.Status != 200 || r.Answer == nil {
		t.Errorf("cdr %+v", r)
	}
	bob.mu.Lock()
	defer bob.mu.Unlock()
	if bob.byes != 1 {
		t.Errorf("callee got %d BYEs", bob.byes)
	}
}
