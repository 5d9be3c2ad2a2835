//go:build interop

package pbx_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"voiplab/pbx"
	"voiplab/pbx/config"
	"voiplab/pbx/pbxtest"
	"voiplab/pbx/store"
)

// startUAS runs sipp-uas.sh on port, registered as ext at the PBX, and
// returns once it says it is ready; it is stopped at the end of the test.
// SIPp sometimes fails to start right after another SIPp ended (its control
// socket): three attempts.
func startUAS(t *testing.T, peersDir, registrar, port, ext string) {
	t.Helper()
	var log string
	for i := 0; i < 3; i++ {
		var ok bool
		if ok, log = tryUAS(t, peersDir, registrar, port, ext); ok {
			return
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("sipp-uas did not become ready:\n%s", log)
}

func tryUAS(t *testing.T, peersDir, registrar, port, ext string) (bool, string) {
	cmd := exec.Command(filepath.Join(peersDir, "sipp-uas.sh"), port, "120")
	cmd.Env = append(cmd.Environ(), "UAS_MEDIA=none", "REGISTRAR="+registrar, "EXT="+ext)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var mu sync.Mutex
	var lines []string
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			mu.Unlock()
			if strings.Contains(sc.Text(), "ready") {
				close(ready)
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // the script unregisters and stops SIPp
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	select {
	case <-ready:
		t.Cleanup(stop)
		return true, ""
	case <-exited:
	case <-time.After(20 * time.Second):
		stop()
	}
	mu.Lock()
	defer mu.Unlock()
	return false, strings.Join(lines, "\n")
}

func callConfig() config.Config {
	c := peerConfig()
	c.Extensions = append(c.Extensions, config.Extension{Number: "299", Password: "pw299"})
	c.Media.Relay = config.RelayNever
	return c
}

// TestInteropSIPpCalls: SIPp calls through the PBX (caller authenticated with
// 407) to a SIPp UAS registered as 299; every call gets a CDR.
func TestInteropSIPpCalls(t *testing.T) {
	p := peers(t)
	r := pbxtest.Start(t, callConfig(), pbx.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	startUAS(t, p, r.UDP.String(), "5081", "299")
	kv, out, err := keyValues(t, []string{"CALLEE=299", "CALLER=200", "CALLERS=5"}, 90*time.Second,
		filepath.Join(p, "sipp-call.sh"), r.UDP.String(), "5", "10", "0")
	if err != nil || kv["successful"] != "10" || kv["failed"] != "0" {
		t.Fatalf("sipp-call: %v %v\n%s", err, kv, out)
	}
	st, err := store.Open(context.Background(), r.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var recs int
	for i := 0; i < 50; i++ { // the last CDRs are written after the BYE transactions
		cdrs, err := st.CDRs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		recs = 0
		for _, c := range cdrs {
			if c.Status == 200 && c.To != "" {
				recs++
			}
		}
		if recs >= 10 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if recs != 10 {
		t.Errorf("%d answered CDRs, want 10", recs)
	}
}

// TestInteropDrain: a PBX stopped during a call ends it after drain_time and
// writes its CDR.
func TestInteropDrain(t *testing.T) {
	p := peers(t)
	cfg := callConfig()
	cfg.DrainTime = config.Duration(time.Second)
	cfg.DataDir = t.TempDir()
	r := pbxtest.Start(t, cfg)
	startUAS(t, p, r.UDP.String(), "5082", "299")
	done := make(chan struct{})
	go func() {
		defer close(done)
		// one 30 s call; the PBX ends it long before
		keyValues(t, []string{"CALLEE=299", "MEDIA=none"}, 60*time.Second, filepath.Join(p, "sipp-call.sh"), r.UDP.String(), "1", "1", "30")
	}()
	var active int
	for i := 0; i < 100 && active == 0; i++ {
		time.Sleep(100 * time.Millisecond)
		active = len(r.Server.ActiveCalls())
	}
	if active == 0 {
		t.Fatal("the call did not start")
	}
	start := time.Now()
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 15*time.Second {
		t.Errorf("stop took %v with drain_time 1s", d)
	}
	st, err := store.Open(context.Background(), cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cdrs, _ := st.CDRs(context.Background())
	if len(cdrs) != 1 || cdrs[0].Status != 200 {
		t.Errorf("CDRs after drain: %+v", cdrs)
	}
	<-done
}
