package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func corpusFile(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	p := filepath.Join(dir, "pcaps", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus capture %s not found (set VOIPLAB_CORPUS): %v", name, err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestAnalyzeCLI runs the analyze command as a user would and checks its
// output and exit code (0 ok, 1 error, 2 usage, 3 findings at --fail-on).
func TestAnalyzeCLI(t *testing.T) {
	dtmf := corpusFile(t, "rtp-pcap_SIP_DTMF2.pcap")
	aaa := corpusFile(t, "sngrep_aaa.pcap")
	sipp := corpusFile(t, "pkts_sipp.pcap")
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		notInOut []string
	}{
		{name: "no file", args: []string{"analyze"}, code: exitUsage, stderr: "requires at least 1 arg"},
		{name: "unknown flag", args: []string{"analyze", "--bogus", dtmf}, code: exitUsage, stderr: "unknown flag"},
		{name: "bad fail-on", args: []string{"analyze", "--fail-on", "fatal", dtmf}, code: exitUsage, stderr: "--fail-on"},
		{name: "missing file", args: []string{"analyze", "/nonexistent/x.pcap"}, code: exitError, stderr: "/nonexistent/x.pcap"},
		{name: "not a capture", args: []string{"analyze", "cli_test.go"}, code: exitError, stderr: "not a pcap or pcapng file"},
		{name: "tables", args: []string{"analyze", dtmf}, code: exitOK,
			stdout: []string{"== Calls (2) ==", "603 Decline", "== RTP streams (2) ==", "DTMF in s2: 6789123", "call-rejected"}},
		{name: "ladder of all calls", args: []string{"analyze", "--ladder", dtmf}, code: exitOK,
			stdout: []string{"Call 5514@192.168.105.110", "Call 25672@192.168.105.110", "INVITE", "603 Decline", "RTP s1 PCMA"}},
		{name: "ladder of one call", args: []string{"analyze", "--ladder", "5514@192.168.105.110", dtmf}, code: exitOK,
			stdout: []string{"Call 5514@192.168.105.110"}, notInOut: []string{"Call 25672@"}},
		{name: "ladder of an unknown call", args: []string{"analyze", "--ladder=nope", dtmf}, code: exitError, stderr: "no call with Call-ID"},
		{name: "fail-on error with errors", args: []string{"analyze", "--fail-on", "error", aaa}, code: exitFindings, stdout: []string{"auth-failed"}},
		{name: "fail-on error without errors", args: []string{"analyze", "--fail-on", "error", sipp}, code: exitOK},
		{name: "fail-on warning", args: []string{"analyze", "--fail-on", "warning", sipp}, code: exitFindings},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: []string{"voiplab "}},
		{name: "unknown command", args: []string{"frobnicate"}, code: exitUsage, stderr: "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.notInOut {
				if strings.Contains(out, s) {
					t.Errorf("stdout has %q", s)
				}
			}
			if tc.stderr != "" && !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr lacks %q: %s", tc.stderr, errOut)
			}
		})
	}
}

func TestAnalyzeJSON(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, errOut := runCLI("analyze", "--json", "-o", out, corpusFile(t, "rtp-pcap_SIP_DTMF2.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Schema        int               `json:"schema"`
		Files         []json.RawMessage `json:"files"`
		Calls         []map[string]any  `json:"calls"`
		Registrations []json.RawMessage `json:"registrations"`
		Streams       []map[string]any  `json:"streams"`
		Findings      []map[string]any  `json:"findings"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if r.Schema != 1 || len(r.Files) != 1 || len(r.Calls) != 2 || len(r.Registrations) != 3 || len(r.Streams) != 2 {
		t.Errorf("schema %d files %d calls %d registrations %d streams %d", r.Schema, len(r.Files), len(r.Calls), len(r.Registrations), len(r.Streams))
	}
	// DESIGN.md's field names are a contract
	for _, k := range []string{"call_id", "from", "to", "state", "final_status", "reason", "start", "end", "setup_ms", "duration_ms", "messages", "sdp", "streams", "findings"} {
		if _, ok := r.Calls[1][k]; !ok {
			t.Errorf("call has no %q field", k)
		}
	}
	for _, k := range []string{"id", "call_id", "src", "dst", "ssrc", "payload_type", "codec", "clock_rate", "packets", "expected", "lost", "lost_pct", "seq_errors", "duplicates", "min_delta_ms", "mean_delta_ms", "max_delta_ms", "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms", "r_factor", "mos", "start", "end", "rtcp"} {
		if _, ok := r.Streams[0][k]; !ok {
			t.Errorf("stream has no %q field", k)
		}
	}
	for _, k := range []string{"code", "severity", "message", "call_id", "frames", "hint", "reference"} {
		if _, ok := r.Findings[0][k]; !ok {
			t.Errorf("finding has no %q field", k)
		}
	}
}

// TestDemo is `make demo` in a test: the synthesized capture with planted
// faults gives the diagnosis of each fault.
func TestDemo(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "demo.pcapng")
	if code, _, errOut := runCLI("synth", "demo", "-o", pcap); code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI("analyze", pcap)
	if code != exitOK {
		t.Fatalf("analyze: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"codec-mismatch", "one-way-audio", "nat-private-address", "packet-loss", "high-jitter",
		"low-mos", "call-cancelled", "no-response", "dtmf-not-negotiated", "auth-failed", "brute-force", "scanner",
		"call-rejected", "DTMF in"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo diagnosis lacks %s", want)
		}
	}
}

// TestBinary builds voiplab and runs it, to check main's exit codes.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "voiplab")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"analyze"}, 2},
		{[]string{"analyze", "main.go"}, 1},
		{[]string{"analyze", "--fail-on", "error", corpusFile(t, "sngrep_aaa.pcap")}, 3},
	} {
		cmd := exec.Command(bin, tc.args...)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("voiplab %v: exit %d, want %d", tc.args, code, tc.code)
		}
	}
}
