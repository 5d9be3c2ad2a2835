package b2bua_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

// TestForkFirstAnswerWins: two contacts ring in parallel; the one that
// answers gets the call, the other gets CANCEL.
func TestForkFirstAnswerWins(t *testing.T) {
	ringer := newCallee(t, "ring")
	answerer := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(ringer, "201"), contactOf(answerer, "201")}}, b2bua.RelayNever, exts)
	alice := newCaller(t)
	d, err := alice.invite(t, p, "201", []int{0})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		ringer.mu.Lock()
		done := ringer.cancelled
		ringer.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the losing branch was not cancelled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if r := p.waitCDR(t, 1)[0]; r.Status != 200 {
		t.Errorf("cdr %+v", r)
	}
}

// TestMediaTimeout: a relayed call whose media never flows is ended with a
// BYE to both sides when the relay's dead-media timeout fires.
func TestMediaTimeout(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts,
		func(_ *b2bua.Config, rc *relay.Config) { rc.Timeout = 300 * time.Millisecond })
	alice := newCaller(t)
	if _, err := alice.invite(t, p, "201", []int{0}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-alice.bye:
	case <-time.After(3 * time.Second):
		t.Fatal("no BYE after dead media")
	}
	r := p.waitCDR(t, 1)[0]
	if r.Status != 200 || r.Answer == nil || r.Media != cdr.MediaRelay {
		t.Errorf("cdr %+v", r)
	}
	bob.mu.Lock()
	defer bob.mu.Unlock()
	if bob.byes != 1 {
		t.Errorf("callee got %d BYEs", bob.byes)
	}
}

// fakeAuth challenges an INVITE without Proxy-Authorization (RFC 3261
// §22.3) and accepts any with one, as user 200.
type fakeAuth struct{}

func (fakeAuth) Authenticate(req *sip.Request, tx sip.ServerTransaction) (string, bool) {
	if req.GetHeader("Proxy-Authorization") == nil {
		res := sip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
		res.AppendHeader(sip.NewHeader("Proxy-Authenticate", `Digest realm="lab.local", nonce="x"`))
		tx.Respond(res)
		return "", false
	}
	return "200", true
}

func TestAuthenticated(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayNever, exts,
		func(c *b2bua.Config, _ *relay.Config) { c.Auth = fakeAuth{} })
	alice := newCaller(t)
	_, err := alice.invite(t, p, "201", []int{0})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 407 {
		t.Fatalf("got %v, want 407", err)
	}
	uri := sip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(p.node.addr.Port())}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "someone", Host: "lab.local"}}
	from.Params.Add("tag", sip.GenerateTagN(8))
	d, err := alice.dua.Invite(ctx, uri, sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, ""),
		from, sip.NewHeader("Content-Type", "application/sdp"), sip.NewHeader("Proxy-Authorization", "Digest fake"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	d.Ack(ctx)
	d.Bye(ctx)
	recs := p.waitCDR(t, 1)
	// The 407 is not a call: the first CDR is the authenticated call, from
	// the authenticated user.
	if r := recs[0]; r.From != "200" || r.Status != 200 {
		t.Errorf("cdr %+v", r)
	}
}

func TestRewriteSDP(t *testing.T) {
	in := "v=0\r\no=- 1 1 IN IP4 192.168.1.5\r\ns=-\r\nc=IN IP4 192.168.1.5\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=rtcp:4001\r\na=sendrecv\r\n" +
		"m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	got := string(b2bua.RewriteSDPForTest([]byte(in), netip.MustParseAddrPort("10.0.0.1:20000"), []int{8, 101}))
	want := "v=0\r\no=- 1 1 IN IP4 192.168.1.5\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n" +
		"m=audio 20000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", strings.ReplaceAll(got, "\r", ""), strings.ReplaceAll(want, "\r", ""))
	}
}

// TestRelayExhausted: with no relay ports left the call is refused with 503
// and the caller's offer never reaches the callee.
func TestRelayExhausted(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts,
		func(_ *b2bua.Config, rc *relay.Config) { rc.PortMin, rc.PortMax = 33000, 33001 }) // one pair, a call needs two
	alice := newCaller(t)
	_, err := alice.invite(t, p, "201", []int{0})
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 503 {
		t.Fatalf("got %v, want 503", err)
	}
	if r := p.waitCDR(t, 1)[0]; r.Status != 503 {
		t.Errorf("cdr %+v", r)
	}
}

// TestRelayModes: which calls the relay carries (DESIGN.md media.relay and
// the per-extension relay flag), and early media (183 with SDP) relayed.
func TestRelayModes(t *testing.T) {
	relayExts := map[string]b2bua.Extension{"200": {Number: "200"}, "201": {Number: "201"}, "205": {Number: "205", Relay: true}}
	tests := []struct {
		name, mode, ext string
		sdpAddr         string // what the caller's SDP announces
		want            string
	}{
		{"auto, same address", b2bua.RelayAuto, "201", "", cdr.MediaDirect},
		{"auto, NAT (private SDP address)", b2bua.RelayAuto, "201", "192.168.1.10:4000", cdr.MediaRelay},
		{"never", b2bua.RelayNever, "201", "192.168.1.10:4000", cdr.MediaDirect},
		{"never, extension asks", b2bua.RelayNever, "205", "", cdr.MediaRelay},
		{"always", b2bua.RelayAlways, "201", "", cdr.MediaRelay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bob := newCallee(t, "early")
			p := startPBX(t, locator{"201": {contactOf(bob, "201")}, "205": {contactOf(bob, "205")}}, tc.mode, relayExts)
			alice := newCaller(t)
			addr := alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
			if tc.sdpAddr != "" {
				addr = netip.MustParseAddrPort(tc.sdpAddr)
			}
			d, err := alice.inviteBody(t, p, tc.ext, sdpBody(addr, []int{0, 101}, ""))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			d.Bye(ctx)
			r := p.waitCDR(t, 1)[0]
			if r.Media != tc.want {
				t.Errorf("media %q, want %q", r.Media, tc.want)
			}
			bobAddr := bob.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
			alice.node.mu.Lock()
			early := alice.node.early
			alice.node.mu.Unlock()
			if len(early) != 1 {
				t.Fatalf("caller got %d 183s", len(early))
			}
			got, _ := sdpAddr(t, early[0])
			if relayed := got != bobAddr; relayed != (tc.want == cdr.MediaRelay) {
				t.Errorf("183 SDP points at %s (callee %s)", got, bobAddr)
			}
		})
	}
}

// TestRTCPMuxDeclined: the caller offers a=rtcp-mux, the callee's answer
// lacks it, so (RFC 5761 §5.1.1) the caller expects RTCP on its RTP port + 1
// and the relay must send it there.
func TestRTCPMuxDeclined(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts)
	alice := newCaller(t)
	// A port pair for the caller: RTP and RTCP = RTP + 1.
	var rtp, rtcp *net.UDPConn
	for range 50 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		r, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
		if err != nil {
			c.Close()
			continue
		}
		rtp, rtcp = c, r
		break
	}
	if rtp == nil {
		t.Fatal("no port pair")
	}
	defer rtp.Close()
	defer rtcp.Close()
	body := strings.Replace(string(sdpBody(rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, "")), "a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n", 1)
	d, err := alice.inviteBody(t, p, "201", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	bob.mu.Lock()
	offer := bob.offer
	bob.mu.Unlock()
	if !strings.Contains(string(offer), "a=rtcp-mux") {
		t.Errorf("rtcp-mux not passed to the callee")
	}
	leg1, _ := sdpAddr(t, offer)
	rr := []byte{0x80, 201, 0, 1, 0, 0, 0x12, 0x34} // RTCP RR, RFC 3550 §6.4.2
	bob.rtp.WriteToUDPAddrPort(rr, netip.AddrPortFrom(leg1.Addr(), leg1.Port()+1))
	buf := make([]byte, 100)
	rtcp.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := rtcp.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != string(rr) {
		t.Fatalf("caller's RTCP port got % x, %v", buf[:n], err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d.Bye(ctx)
	p.waitCDR(t, 1)
}

// TestManyProvisionals: a callee that sends 12 provisional responses before
// its 200 (sipgo's WaitAnswer stops reading after 10): every one reaches
// the caller, then the answer, and the call works to its BYE. The caller
// here reads its transaction itself, for the same reason.
func TestManyProvisionals(t *testing.T) {
	bob := newCallee(t, "chatty")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayNever, exts)
	alice := newCaller(t)
	cli := alice.node.cli
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	inv := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(p.node.addr.Port())})
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "200", Host: "lab.local"}}
	from.Params.Add("tag", sip.GenerateTagN(8))
	inv.AppendHeader(from)
	ct := alice.node.contact()
	inv.AppendHeader(&ct)
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.SetBody(sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, ""))
	tx, err := cli.TransactionRequest(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	var ok *sip.Response
	for ok == nil {
		select {
		case r := <-tx.Responses():
			if r.IsSuccess() {
				ok = r
			} else if !r.IsProvisional() {
				t.Fatalf("got %d", r.StatusCode)
			}
		case <-tx.Done():
			t.Fatal(tx.Err())
		}
	}
	// RFC 3261 §13.2.2.4 ACK, then §15.1.1 BYE, in the dialog.
	inDialog := func(m sip.RequestMethod, seq uint32) *sip.Request {
		r := sip.NewRequest(m, ok.Contact().Address)
		r.AppendHeader(sip.HeaderClone(inv.From()))
		r.AppendHeader(sip.HeaderClone(ok.To()))
		r.AppendHeader(sip.HeaderClone(inv.CallID()))
		r.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: m})
		r.SetDestination(p.node.addr.String())
		return r
	}
	if err := cli.WriteRequest(inDialog(sip.ACK, inv.CSeq().SeqNo)); err != nil {
		t.Fatal(err)
	}
	got := alice.node.responses()
	ringing := 0
	for _, s := range got {
		if s == 180 {
			ringing++
		}
	}
	if ringing != 12 || got[len(got)-1] != 200 {
		t.Errorf("caller saw %v", got)
	}
	res, err := cli.Do(ctx, inDialog(sip.BYE, inv.CSeq().SeqNo+1))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("BYE: %v %v", res, err)
	}
	r := p.waitCDR(t, 1)[0]
	bob.mu.Lock()
	byes := bob.byes
	bob.mu.Unlock()
	if r.Status != 200 || byes != 1 {
		t.Errorf("cdr %+v, callee BYEs %d", r, byes)
	}
}

// TestCalleeReinvite: the callee puts the call on hold; the re-INVITE
// reaches the caller pointing at the relay, and the caller's answer reaches
// the callee pointing at the relay too.
func TestCalleeReinvite(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAlways, exts)
	alice := newCaller(t)
	d, err := alice.invite(t, p, "201", []int{0})
	if err != nil {
		t.Fatal(err)
	}
	var ds *sipgo.DialogServerSession
	var offer []byte
	for deadline := time.Now().Add(3 * time.Second); ds == nil && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		bob.mu.Lock()
		if bob.handled > 0 {
			ds, offer = bob.ds, bob.offer
		}
		bob.mu.Unlock()
	}
	if ds == nil {
		t.Fatal("callee's answer not acknowledged")
	}
	leg1, _ := sdpAddr(t, offer)
	leg0, _ := sdpAddr(t, d.InviteResponse.Body())
	req := sip.NewRequest(sip.INVITE, ds.InviteRequest.Contact().Address)
	req.SetBody(sdpBody(bob.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, "sendonly"))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := ds.Do(ctx, req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("callee re-INVITE: %v %v", res, err)
	}
	if a, _ := sdpAddr(t, res.Body()); a != leg1 {
		t.Errorf("answer to the callee points at %s, want relay leg %s", a, leg1)
	}
	ds.WriteRequest(sip.NewRequest(sip.ACK, ds.InviteRequest.Contact().Address))
	alice.mu.Lock()
	reinv := alice.reinv
	alice.mu.Unlock()
	if len(reinv) != 1 || !strings.Contains(string(reinv[0]), "a=sendonly") {
		t.Fatalf("caller got re-INVITEs %q", reinv)
	}
	if a, _ := sdpAddr(t, reinv[0]); a != leg0 {
		t.Errorf("re-INVITE to the caller points at %s, want relay leg %s", a, leg0)
	}
	d.Bye(ctx)
	p.waitCDR(t, 1)
}

// TestLateOffer: an INVITE without SDP (RFC 3261 §13.2.1, RFC 3264 §5):
// the callee's 200 carries the offer to the caller, and the caller's ACK
// carries the answer, which the B2BUA puts in its ACK to the callee.
func TestLateOffer(t *testing.T) {
	bob := newCallee(t, "answer")
	p := startPBX(t, locator{"201": {contactOf(bob, "201")}}, b2bua.RelayAuto, exts)
	alice := newCaller(t)
	uri := sip.Uri{Scheme: "sip", User: "201", Host: "127.0.0.1", Port: int(p.node.addr.Port())}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := alice.dua.Invite(ctx, uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	bobAddr := bob.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
	if a, _ := sdpAddr(t, d.InviteResponse.Body()); a != bobAddr {
		t.Errorf("offer in the 200 points at %s, want the callee %s", a, bobAddr)
	}
	answer := sdpBody(alice.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, "")
	ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
	ack.SetBody(answer)
	ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	if err := d.WriteAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		bob.mu.Lock()
		acks := append([][]byte(nil), bob.acks...)
		bob.mu.Unlock()
		if len(acks) > 0 {
			if string(acks[0]) != string(answer) {
				t.Fatalf("callee's ACK body %q, want the caller's answer", acks[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ACK at the callee")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := d.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if r := p.waitCDR(t, 1)[0]; r.Status != 200 || r.Media != cdr.MediaDirect {
		t.Errorf("cdr %+v", r)
	}
}
