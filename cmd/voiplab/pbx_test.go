package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/pbx/cdr"
	"voiplab/pbx/config"
	"voiplab/pbx/store"
)

// runPBX runs `pbx args...` through newPBXCmd.
func runPBX(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, logLevel: "warn", logFormat: "text"}
	cmd := newPBXCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(ctx)
	return out.String(), errb.String(), err
}

func TestPBXInit(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "pbx.yaml")
	_, stderr, err := runPBX(context.Background(), "init", "--extensions", "200-203", "-o", f)
	if err != nil || !strings.Contains(stderr, "200-203") {
		t.Fatalf("init: %v %s", err, stderr)
	}
	cfg, err := config.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Extensions) != 4 || len(cfg.Extensions[3].Password) != 16 || cfg.Extensions[0].Password == cfg.Extensions[1].Password {
		t.Errorf("extensions %+v", cfg.Extensions)
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: the file holds passwords", fi.Mode())
	}
	if _, _, err := runPBX(context.Background(), "init", "-o", f); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwrite without --force: %v", err)
	}
	if _, _, err := runPBX(context.Background(), "init", "--extensions", "x", "-o", f, "--force"); err == nil {
		t.Error("bad range accepted")
	}
	out, _, err := runPBX(context.Background(), "init", "-o", "-")
	if err != nil || !strings.Contains(out, `number: "209"`) {
		t.Errorf("stdout: %v %s", err, out)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestPBXServeStatusCDR(t *testing.T) {
	dir := t.TempDir()
	adminAddr := freePort(t)
	f := filepath.Join(dir, "pbx.yaml")
	yaml := "listen: { udp: \"127.0.0.1:0\", tcp: \"127.0.0.1:0\" }\n" +
		"data_dir: " + filepath.Join(dir, "data") + "\n" +
		"admin: { addr: \"" + adminAddr + "\" }\n" +
		"drain_time: 0s\n" +
		"extensions: [{ number: \"200\", password: pw200 }, { number: \"201\" }]\n"
	if err := os.WriteFile(f, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("bad config names the key", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.yaml")
		os.WriteFile(bad, []byte("media: { relay: sometimes }\n"), 0o600)
		_, _, err := runPBX(context.Background(), "serve", "--config", bad)
		if err == nil || err.Error() != `bad.yaml: line 1: media.relay: "sometimes" is not one of always, never, auto` {
			t.Errorf("got %v", err)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		out, errs string
		err       error
	}
	done := make(chan result, 1)
	capFile := filepath.Join(dir, "pbx.pcapng")
	go func() {
		o, e, err := runPBX(ctx, "serve", "--config", f, "--capture", capFile)
		done <- result{o, e, err}
	}()
	var out string
	var err error
	for i := 0; i < 100; i++ {
		out, _, err = runPBX(context.Background(), "status", "--config", f)
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out, "PBX lab.local up") || !strings.Contains(out, "0 registrations, 0 active calls") {
		t.Errorf("status: %v\n%s", err, out)
	}
	js, _, err := runPBX(context.Background(), "status", "--config", f, "--json")
	var v map[string]any
	if err != nil || json.Unmarshal([]byte(js), &v) != nil || v["status"] == nil {
		t.Errorf("status --json: %v %s", err, js)
	}
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if r.err != nil {
		t.Fatalf("serve: %v %s", r.err, r.errs)
	}
	// only the extension without a password gets one, printed once
	if !strings.Contains(r.out, "extension 201 password ") || strings.Contains(r.out, "extension 200 ") {
		t.Errorf("serve stdout: %q", r.out)
	}
	if !strings.Contains(r.errs, "wrote "+capFile) {
		t.Errorf("serve stderr: %q", r.errs)
	}
	if fi, err := os.Stat(capFile); err != nil || fi.Size() == 0 {
		t.Errorf("capture file: %v", err)
	}

	out, _, err = runPBX(context.Background(), "cdr", "--config", f, "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("cdr --json on an empty store: %v %q", err, out)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st.AddCDR(context.Background(), cdr.Record{CallID: "abc", From: "200", To: "201", Start: start, End: start.Add(time.Minute),
		Status: 200, Reason: "OK", DurationMs: 60000, Codec: "PCMA", Media: "relay",
		RTP: []cdr.Direction{{Direction: "caller->callee", Packets: 3000, MOS: 4.4}}})
	st.Close()
	out, _, err = runPBX(context.Background(), "cdr", "--config", f, "--csv")
	if err != nil || !strings.HasPrefix(out, "call_id,from,to") || !strings.Contains(out, "abc,200,201,2026-03-01T10:00:00Z") {
		t.Errorf("cdr --csv: %v\n%s", err, out)
	}
	out, _, err = runPBX(context.Background(), "cdr", "--config", f)
	if err != nil || !strings.Contains(out, "1m0s") || !strings.Contains(out, "4.40") {
		t.Errorf("cdr table: %v\n%s", err, out)
	}
	if _, _, err := runPBX(context.Background(), "cdr", "--json", "--csv", "--config", f); err == nil {
		t.Error("--json --csv accepted")
	}
}
