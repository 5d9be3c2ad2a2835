package main

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/capture"
	"voiplab/synth"
)

// runLab runs `voiplab lab ARGS` on its own command (root.go wires it in
// once the lead integrates it) and maps the error like run() does.
func runLab(t *testing.T, args ...string) (code int, stdout string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, logLevel: "warn", logFormat: "text"}
	cmd := newLabCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	var ue usageError
	switch {
	case err == nil:
		return exitOK, out.String()
	case errors.Is(err, errFindings):
		return exitFindings, out.String()
	case errors.As(err, &ue) || strings.Contains(err.Error(), "accepts "):
		return exitUsage, out.String()
	}
	t.Logf("error: %v", err)
	return exitError, out.String()
}

// synthCapture writes a synthesized 488 call to a pcapng file.
func synthCapture(t *testing.T) string {
	t.Helper()
	ep := func(a, u string) synth.Endpoint {
		return synth.Endpoint{Addr: netip.MustParseAddrPort(a), User: u, UserAgent: "test"}
	}
	sc := synth.Scenario{Seed: 3, Calls: []synth.Call{{Caller: ep("127.0.0.11:5060", "200"), Callee: ep("127.0.0.12:5060", "201"),
		Offer: []string{"G722"}, Answer: []string{"PCMU", "PCMA"}, Outcome: synth.Rejected, RejectStatus: 488, Talk: time.Second}}}
	p := filepath.Join(t.TempDir(), "mismatch.pcapng")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(fh, capture.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Write(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLabCLI(t *testing.T) {
	capFile := synthCapture(t)
	runDir := t.TempDir()
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"list", []string{"list"}, exitOK, []string{"basic-call", "codec-compare", "codec-mismatch", "media-path", "dtmf", "registration", "impaired-network", "one-way-audio"}},
		{"list fr", []string{"list", "--lang", "fr"}, exitOK, []string{"Reconnaître SIP, SDP, RTP et RTCP"}},
		{"show", []string{"show", "codec-mismatch"}, exitOK, []string{"Goal", "488 Not Acceptable Here", "Why did the call fail?"}},
		{"show answers fr", []string{"show", "codec-mismatch", "--answers", "--lang", "fr"}, exitOK, []string{"Réponse :", "RFC 3264 §6", "--lang fr"}},
		{"show unknown", []string{"show", "nope"}, exitUsage, nil},
		{"bad lang", []string{"list", "--lang", "de"}, exitUsage, nil},
		{"check passes", []string{"check", "codec-mismatch", capFile}, exitOK, []string{"✓ the call is rejected with 488", "3/3"}},
		{"check fails", []string{"check", "basic-call", capFile}, exitFindings, []string{"✗ the call was answered", "calls seen: rejected 488"}},
		{"check fr", []string{"check", "basic-call", capFile, "--lang", "fr"}, exitFindings, []string{"✗ l'appel a été répondu"}},
		{"check bad variant", []string{"check", "codec-mismatch", capFile, "--variant", "relay"}, exitUsage, nil},
		{"check missing file", []string{"check", "codec-mismatch", filepath.Join(t.TempDir(), "none.pcapng")}, exitError, nil},
		{"check needs two args", []string{"check", "codec-mismatch"}, exitUsage, nil},
		{"run", []string{"run", "codec-mismatch", "-o", runDir}, exitOK, []string{"codec-mismatch: 3 of 3 objectives met", "✓ the call is rejected with 488"}},
		{"run fr", []string{"run", "codec-mismatch", "-o", runDir, "--lang", "fr"}, exitOK, []string{"3 objectif(s) sur 3 atteint(s)", "voir : "}},
		{"run unknown", []string{"run", "nope"}, exitUsage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runLab(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestLabRunFiles: lab run writes the capture, its analysis and its report,
// and lab check grades the capture it wrote the same way.
func TestLabRunFiles(t *testing.T) {
	dir := t.TempDir()
	if code, out := runLab(t, "run", "codec-mismatch", "-o", dir); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	for _, f := range []string{"codec-mismatch.pcapng", "codec-mismatch.json", "codec-mismatch.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, out := runLab(t, "check", "codec-mismatch", filepath.Join(dir, "codec-mismatch.pcapng")); code != exitOK {
		t.Errorf("check of the lab's own capture: exit %d\n%s", code, out)
	}
}
