package runner_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"voiplab/analyze"
	"voiplab/labs/catalogue"
	"voiplab/labs/runner"
)

// pcapsDir is the repository's pcaps/ (VOIPLAB_PCAPS overrides it).
func pcapsDir() string {
	if d := os.Getenv("VOIPLAB_PCAPS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "pcaps")
}

var update = flag.Bool("update", false, "rewrite pcaps/ (make pcaps): run every lab into it")

// TestPCAPsReadme: every file in pcaps/ has its README row. With -update it
// first runs every lab into pcaps/ (make pcaps).
func TestPCAPsReadme(t *testing.T) {
	dir := pcapsDir()
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		outs, err := runner.PCAPs(context.Background(), dir, runner.RunOptions{Seed: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if !o.Passed() {
				var b strings.Builder
				_ = o.Write(&b, "en")
				t.Errorf("%s does not meet its objectives:\n%s", o.Lab, b.String())
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		t.Skipf("%s does not exist yet (make pcaps)", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatalf("pcaps/README.md: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if !strings.Contains(string(readme), "| "+e.Name()+" |") {
			t.Errorf("pcaps/%s has no row in pcaps/README.md", e.Name())
		}
	}
	if want := runner.README(catalogue.All()); string(readme) != want {
		t.Errorf("pcaps/README.md is not what the catalogue gives: run make pcaps")
	}
}

// golden reads the golden analysis of one capture, nil when absent.
func golden(t *testing.T, name string) *analyze.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcapsDir(), name+".json"))
	if err != nil {
		return nil
	}
	var r analyze.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("golden %s.json: %v", name, err)
	}
	return &r
}
