//go:build interop

package b2bua_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

// peersDir is ../shared/peers from the repository root.
func peersDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("VOIPLAB_PEERS")
	if d == "" {
		d = "../../../shared/peers"
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "sipp-call.sh")); err != nil {
		t.Fatalf("peers scripts missing (VOIPLAB_PEERS): %v", err)
	}
	return abs
}

func needBin(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (../shared/peers/install.sh)", name)
	}
}

// freeUDPPort returns a UDP port free on loopback, below 45000 (sipp-uas
// puts its RTP at PORT+20000).
func freeUDPPort(t testing.TB, lo, hi int) int {
	t.Helper()
	for p := lo; p <= hi; p++ {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			c.Close()
			return p
		}
	}
	t.Fatalf("no free port in %d-%d", lo, hi)
	return 0
}

// startUAS runs sipp-uas.sh on port and waits until it is ready.
func startUAS(t testing.TB, peers string, port int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(peers, "sipp-uas.sh"), fmt.Sprint(port), "120")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var log strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if strings.Contains(sc.Text(), "sipp-uas ready") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		mu.Lock()
		defer mu.Unlock()
		if t.Failed() {
			t.Logf("sipp-uas output:\n%s", log.String())
		}
	})
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("sipp-uas not ready")
	}
}

// TestInteropSIPp: SIPp calls through the B2BUA to a SIPp UAS, media
// relayed: every call succeeds, and the CDRs show RTP both ways.
func TestInteropSIPp(t *testing.T) {
	needBin(t, "sipp")
	peers := peersDir(t)
	uasPort := freeUDPPort(t, 5080, 5099)
	startUAS(t, peers, uasPort)
	uas := netip.AddrPortFrom(loopback, uint16(uasPort))
	p := startPBX(t, locator{"299": {{URI: fmt.Sprintf("sip:299@%s", uas), Addr: uas, Transport: "udp"}}},
		b2bua.RelayAlways, map[string]b2bua.Extension{"299": {Number: "299"}})

	const calls = 5
	cmd := exec.Command(filepath.Join(peers, "sipp-call.sh"), p.node.addr.String(), "5", fmt.Sprint(calls), "2")
	cmd.Env = append(os.Environ(), "CALLEE=299")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sipp-call.sh: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("successful=%d", calls)) {
		t.Errorf("sipp-call.sh output:\n%s", out)
	}
	recs := p.waitCDR(t, calls)
	t.Logf("first SIPp call: status %d, codec %s, rtp %+v", recs[0].Status, recs[0].Codec, recs[0].RTP)
	for _, r := range recs {
		if r.Status != 200 || r.Media != cdr.MediaRelay || len(r.RTP) != 2 {
			t.Errorf("cdr %+v", r)
			continue
		}
		// 2 s of 20 ms PCMU each way: about 100 packets per direction.
		for _, d := range r.RTP {
			if d.Packets < 50 || d.MOS < 4 {
				t.Errorf("%s: %d packets, MOS %.2f", d.Direction, d.Packets, d.MOS)
			}
		}
	}
}

// TestInteropBaresip: two baresip phones register with a test registrar
// (no auth) beside the B2BUA; one calls the other, the callee auto-answers,
// and both directions of RTP go through the relay.
func TestInteropBaresip(t *testing.T) {
	needBin(t, "baresip")
	peers := peersDir(t)
	reg := &registrar{m: map[string][]b2bua.Contact{}}
	p := startPBX(t, nil, b2bua.RelayAlways, map[string]b2bua.Extension{"200": {Number: "200"}, "201": {Number: "201"}},
		func(c *b2bua.Config, _ *relay.Config) { c.Locator = reg })
	p.node.srv.OnRegister(reg.onRegister)

	run := func(ext string, env ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(peers, "baresip-ua.sh"), ext, "pw"+ext, p.node.addr.String(), "15")
		cmd.Env = append(os.Environ(), env...)
		return cmd
	}
	callee := run("201")
	var calleeOut strings.Builder
	callee.Stdout, callee.Stderr = &calleeOut, &calleeOut
	if err := callee.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { callee.Process.Signal(syscall.SIGTERM); callee.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for len(reg.Contacts("201")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("baresip 201 did not register:\n%s", calleeOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	caller := run("200", "DIAL=201")
	var out strings.Builder
	caller.Stdout, caller.Stderr = &out, &out
	if err := caller.Start(); err != nil {
		t.Fatal(err)
	}
	// Let the call run a few seconds, then stop the caller: its BYE ends it.
	time.Sleep(6 * time.Second)
	caller.Process.Signal(syscall.SIGTERM)
	caller.Wait()
	var r cdr.Record
	ok := false
	for i := 0; i < 100 && !ok; i++ {
		p.mu.Lock()
		if len(p.cdrs) > 0 {
			r, ok = p.cdrs[0], true
		}
		p.mu.Unlock()
		if !ok {
			if i == 0 {
				// baresip may hold the call until its lifetime ends.
				p.b.Drain(context.Background())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ok {
		t.Fatalf("no CDR; caller:\n%s", out.String())
	}
	if r.Status != 200 || r.Answer == nil || r.Media != cdr.MediaRelay || len(r.RTP) != 2 {
		t.Fatalf("cdr %+v\ncaller:\n%s", r, out.String())
	}
	t.Logf("baresip call: status %d, %d ms, codec %s, rtp %+v", r.Status, r.DurationMs, r.Codec, r.RTP)
	for _, d := range r.RTP {
		if d.Packets < 50 {
			t.Errorf("%s: %d packets through the relay", d.Direction, d.Packets)
		}
	}
}

// registrar is a minimal test registrar: it accepts any REGISTER and keeps
// the Contact with the request's source address.
type registrar struct {
	mu sync.Mutex
	m  map[string][]b2bua.Contact
}

func (r *registrar) Contacts(user string) []b2bua.Contact {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[user]
}

func (r *registrar) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if ct := req.Contact(); ct != nil {
		src, _ := netip.ParseAddrPort(req.Source())
		r.mu.Lock()
		r.m[req.To().Address.User] = []b2bua.Contact{{URI: ct.Address.String(), Addr: src, Transport: "udp"}}
		r.mu.Unlock()
		c := ct.Clone()
		c.Params.Add("expires", "600")
		res.AppendHeader(c)
	}
	tx.Respond(res)
}
