//go:build interop

package hep

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"voiplab/capture"
)

// TestKamailioReceives sends HEP over UDP, carrying IPv4/UDP and IPv6/TCP
// captured packets, to Kamailio's sipcapture module
// (testdata/kamailio_sipcapture.cfg), which logs the chunks it decoded:
// every field must read back as sent. Not over TCP: Kamailio 5.6.3 does not
// read HEP over TCP, not even its own siptrace packets (with tcp_accept_hep3
// it still parses them as SIP: "content length not present or unparsable").
func TestKamailioReceives(t *testing.T) {
	if _, err := exec.LookPath("kamailio"); err != nil {
		t.Fatalf("kamailio is not installed (run ../shared/peers/install.sh): %v", err)
	}
	port := freePort(t)
	cfg, err := os.ReadFile("testdata/kamailio_sipcapture.cfg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	os.WriteFile(cfgPath, bytes.ReplaceAll(bytes.ReplaceAll(cfg, []byte("PORT"), []byte(fmt.Sprint(port))), []byte("DBDIR"), []byte(dir)), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, "kamailio", "-f", cfgPath, "-DD", "-E", "-w", dir, "-P", filepath.Join(dir, "pid"))
	// SIGTERM: Kamailio's main process then stops its children (SIGKILL
	// would leave them running).
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	var mu sync.Mutex
	var lines []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if _, l, ok := strings.Cut(sc.Text(), "HEPRX "); ok {
				mu.Lock()
				lines = append(lines, l)
				mu.Unlock()
			}
		}
	}()
	waitUDPBound(t, port)
	time.Sleep(300 * time.Millisecond) // its workers start after the bind

	ts := time.Date(2026, 11, 27, 18, 0, 1, 250000000, time.UTC)
	var want []string
	for _, proto := range []string{"udp"} {
		s, err := Dial(context.Background(), fmt.Sprintf("127.0.0.1:%d", port), proto, 2001)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []capture.Datagram{
			{Time: ts, Src: mustAddrPort("192.0.2.1:5060"), Dst: mustAddrPort("192.0.2.2:5062"), Transport: capture.UDP,
				Payload: []byte("OPTIONS sip:a@192.0.2.2 SIP/2.0\r\nCall-ID: k1\r\n\r\n")},
			{Time: ts, Src: mustAddrPort("[2001:db8::1]:40000"), Dst: mustAddrPort("[2001:db8::2]:5060"), Transport: capture.TCP,
				Payload: []byte("SIP/2.0 200 OK\r\nCall-ID: k2\r\n\r\n")},
		} {
			if err := s.SendSIP(&d, "cid-"+proto); err != nil {
				t.Fatal(err)
			}
			af, ipproto := 2, 17
			if d.Src.Addr().Is6() {
				af = 10
			}
			if d.Transport == capture.TCP {
				ipproto = 6
			}
			// Kamailio logs $hep(0x003)|$hep(0x005): the IPv4 or the
			// IPv6 chunk, the other one empty.
			src, dst := d.Src.Addr().String()+"|", d.Dst.Addr().String()+"|"
			if af == 10 {
				src, dst = "|"+d.Src.Addr().String(), "|"+d.Dst.Addr().String()
			}
			want = append(want, fmt.Sprintf("af=%d proto=%d src=%s:%d dst=%s:%d sec=%d usec=250000 type=1 id=2001 cid=cid-%s payload=%x",
				af, ipproto, src, d.Src.Port(), dst, d.Dst.Port(), ts.Unix(), proto, d.Payload))
		}
		s.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(lines)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != len(want) {
		t.Fatalf("kamailio logged %d packets, %d sent:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i := range want {
		if !strings.EqualFold(lines[i], want[i]) {
			t.Errorf("packet %d:\nkamailio %s\nsent     %s", i+1, lines[i], want[i])
		}
	}
}
