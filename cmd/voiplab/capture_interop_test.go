//go:build interop && linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture/bpf"
)

const peers = "../../../shared/peers"

// buildVoiplab builds the binary for these tests. Until root.go registers
// the capture command, a build overlay adds it.
func buildVoiplab(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "voiplab")
	args := []string{"build", "-o", bin}
	root, err := os.ReadFile("root.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(root), "newCaptureCmd(") {
		patched := strings.Replace(string(root), "root.AddCommand(", "root.AddCommand(newCaptureCmd(g), ", 1)
		over := filepath.Join(dir, "root.go")
		abs, _ := filepath.Abs("root.go")
		if err := os.WriteFile(over, []byte(patched), 0o644); err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(map[string]map[string]string{"Replace": {abs: over}})
		ov := filepath.Join(dir, "overlay.json")
		os.WriteFile(ov, js, 0o644)
		args = append(args, "-overlay", ov)
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// netns makes a network namespace with its loopback up, so that the test's
// capture sees only the test's own traffic.
func netns(t *testing.T) string {
	t.Helper()
	ns := fmt.Sprintf("vlcap%d", os.Getpid()%100000)
	for _, args := range [][]string{{"ip", "netns", "add", ns}, {"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"}} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	return ns
}

// TestCaptureSIPp runs `voiplab capture -i lo --live -w --report` in a
// network namespace of its own while SIPp makes three calls there, stops it
// with SIGINT, and checks: each call is printed as answered and completed
// with a MOS per direction; the kernel statistics are printed on SIGINT with
// no drop; capinfos and tshark read the pcapng (packet count, the filter,
// interface and comment in its headers, three INVITEs); the analysis of the
// written file finds the three calls and their six streams; the report is
// written.
func TestCaptureSIPp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root (live capture, network namespace)")
	}
	for _, tool := range []string{"sipp", "capinfos", "tshark", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not installed: %v", tool, err)
		}
	}
	bin := buildVoiplab(t)
	ns := netns(t)
	dir := t.TempDir()
	pcap, html := filepath.Join(dir, "sipp.pcapng"), filepath.Join(dir, "sipp.html")
	var out, errb syncBuffer
	capt := exec.Command("ip", "netns", "exec", ns, bin, "capture", "-i", "lo", "--live", "-w", pcap, "--report", html, "--duration", "90s")
	capt.Stdout, capt.Stderr = &out, &errb
	if err := capt.Start(); err != nil {
		t.Fatal(err)
	}
	defer capt.Process.Kill()
	for i := 0; i < 50 && !strings.Contains(errb.String(), "capturing on"); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // filter attached, ring drained

	uas := exec.Command("ip", "netns", "exec", ns, "bash", filepath.Join(peers, "sipp-uas.sh"), "5084", "40")
	uas.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := uas.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-uas.Process.Pid, syscall.SIGTERM)
		uas.Wait()
	}()
	time.Sleep(time.Second)
	call := exec.Command("ip", "netns", "exec", ns, "bash", filepath.Join(peers, "sipp-call.sh"), "127.0.0.1:5084", "3", "3", "2")
	if callOut, err := call.CombinedOutput(); err != nil {
		t.Fatalf("sipp-call: %v\n%s", err, callOut)
	}
	time.Sleep(6 * time.Second) // past the 4 s linger: the calls end in the live view
	capt.Process.Signal(os.Interrupt)
	if err := capt.Wait(); err != nil {
		t.Fatalf("capture: %v\n%s", err, errb.String())
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())

	text := out.String()
	if n := strings.Count(text, " answered (setup "); n != 3 {
		t.Errorf("%d answered lines, want 3", n)
	}
	ended := regexp.MustCompile(`completed after [0-9.]+ s, MOS [0-9.]+/[0-9.]+`).FindAllString(text, -1)
	if len(ended) != 3 {
		t.Errorf("%d completed lines with two MOS figures, want 3", len(ended))
	}
	if !strings.Contains(text, "== 3 calls (3 completed)") {
		t.Error("summary does not count 3 completed calls")
	}
	m := regexp.MustCompile(`(\d+) packets captured, (\d+) received by filter, (\d+) dropped`).FindStringSubmatch(errb.String())
	if m == nil || m[3] != "0" {
		t.Fatalf("drop line: %v", m)
	}
	captured, _ := strconv.Atoi(m[1])

	// capinfos: the file is pcapng with that many packets.
	ci, err := exec.Command("capinfos", "-M", "-T", "-r", "-t", "-E", "-c", pcap).CombinedOutput()
	if err != nil {
		t.Fatalf("capinfos: %v\n%s", err, ci)
	}
	fields := strings.Split(strings.TrimSpace(string(ci)), "\t")
	if len(fields) < 4 || fields[1] != "pcapng" || fields[2] != "ether" || fields[3] != strconv.Itoa(captured) {
		t.Errorf("capinfos: %q, want pcapng, ether, %d packets", fields, captured)
	}
	// tshark: three INVITEs, and the headers name voiplab and the filter.
	inv, err := exec.Command("tshark", "-r", pcap, "-Y", "sip.Method == \"INVITE\"", "-T", "fields", "-e", "sip.Call-ID").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(string(inv))); n != 3 {
		t.Errorf("tshark sees %d INVITEs, want 3", n)
	}
	hdr, _ := exec.Command("capinfos", "-k", "-I", pcap).CombinedOutput()
	for _, s := range []string{"voiplab capture -i lo", bpf.DefaultFilter, "Name = lo"} {
		if !strings.Contains(string(hdr), s) {
			t.Errorf("capinfos -k -I does not show %q:\n%s", s, hdr)
		}
	}
	// The analysis of the written file.
	res, err := analyze.Run(context.Background(), []string{pcap}, analyze.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Calls) != 3 || len(res.Streams) != 6 {
		t.Errorf("%d calls, %d streams; want 3 and 6", len(res.Calls), len(res.Streams))
	}
	for _, c := range res.Calls {
		if c.State != analyze.StateCompleted || len(c.Streams) != 2 {
			t.Errorf("call %s: %s with %d streams", c.CallID, c.State, len(c.Streams))
		}
	}
	if st, err := os.Stat(html); err != nil || st.Size() < 10000 {
		t.Errorf("report: %v", err)
	}
}

// TestCaptureWithoutPrivilege runs the built binary as nobody without
// capabilities: it must fail with exit 1 and say how to grant CAP_NET_RAW.
func TestCaptureWithoutPrivilege(t *testing.T) {
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatal("setpriv (util-linux) not installed")
	}
	bin := buildVoiplab(t)
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
		bin, "capture", "-i", "lo", "--duration", "1s")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitError {
		t.Fatalf("exit %v, want %d\n%s", err, exitError, out)
	}
	for _, s := range []string{"CAP_NET_RAW", "setcap cap_net_raw,cap_net_admin=eip"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("message does not say %q: %s", s, out)
		}
	}
}
