package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runReportCmd runs newReportCmd directly (root.go wires it into voiplab).
func runReportCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, logLevel: "warn", logFormat: "text"}
	cmd := newReportCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

// TestReportCmd writes reports of a real capture the way a user would and
// checks the file, the language, the title and the errors.
func TestReportCmd(t *testing.T) {
	dtmf := corpusFile(t, "rtp-pcap_SIP_DTMF2.pcap")
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    []string
		wantErr string
		usage   bool
	}{
		{name: "english by flag", args: []string{"--lang", "en", dtmf}, want: []string{`<html lang="en">`, "VoIP capture report", "SIP ladder"}},
		{name: "french by flag", args: []string{"--lang", "fr", dtmf}, want: []string{`<html lang="fr">`, "Rapport de capture VoIP", "Négociation des codecs"}},
		{name: "french from LANG", args: []string{dtmf}, env: map[string]string{"LANG": "fr_CH.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}, want: []string{`<html lang="fr">`}},
		{name: "english from LANG", args: []string{dtmf}, env: map[string]string{"LANG": "de_CH.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}, want: []string{`<html lang="en">`}},
		{name: "LC_ALL wins over LANG", args: []string{dtmf}, env: map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, want: []string{`<html lang="fr">`}},
		{name: "title", args: []string{"--lang", "fr", "--title", "Labo 3 : <appel> & DTMF", dtmf}, want: []string{"<title>Labo 3 : &lt;appel&gt; &amp; DTMF</title>"}},
		{name: "bad language", args: []string{"--lang", "de", dtmf}, wantErr: "--lang", usage: true},
		{name: "no file", args: []string{}, wantErr: "requires at least 1 arg"},
		{name: "missing file", args: []string{"/nonexistent/x.pcap"}, wantErr: "/nonexistent/x.pcap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".html")
			_, _, err := runReportCmd(t, append([]string{"-o", out}, tc.args...)...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if _, ok := err.(usageError); ok != tc.usage {
					t.Errorf("usage error = %v, want %v", ok, tc.usage)
				}
				if _, statErr := os.Stat(out); statErr == nil {
					t.Errorf("a failed report left %s behind", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			// the DTMF digits of the capture (checked against tshark by analyze's tests)
			if !strings.Contains(page, "<b>") || !strings.Contains(page, "echarts") {
				t.Error("report lacks its charts library")
			}
		})
	}
}

// TestReportCmdStdout: without -o the page goes to stdout.
func TestReportCmdStdout(t *testing.T) {
	dtmf := corpusFile(t, "rtp-pcap_SIP_DTMF2.pcap")
	out, _, err := runReportCmd(t, "--lang", "en", dtmf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(out), "</html>") {
		t.Errorf("stdout is not one HTML page (%d bytes)", len(out))
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "fr_CH.UTF-8"}, "fr"},
		{map[string]string{"LANG": "fr"}, "fr"},
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "fr_CH.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_GB.UTF-8", "LC_ALL": "fr_BE.UTF-8"}, "fr"},
	} {
		t.Run(tc.want+"/"+tc.env["LANG"]+tc.env["LC_ALL"]+tc.env["LC_MESSAGES"], func(t *testing.T) {
			if got := langFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("langFromEnv(%v) = %q, want %q", tc.env, got, tc.want)
			}
		})
	}
}
