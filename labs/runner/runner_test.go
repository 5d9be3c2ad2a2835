package runner_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"voiplab/labs/catalogue"
	"voiplab/labs/runner"
)

// TestLabs: every lab of the catalogue runs in under 15 s and meets its
// objectives (STYLE.md meta test).
func TestLabs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every lab in real time (about a minute); -short skips it")
	}
	for _, lab := range catalogue.All() {
		t.Run(lab.Name, func(t *testing.T) {
			if !runner.Runnable(lab.Name) {
				t.Skip("no scenario")
			}
			out, err := runner.Run(context.Background(), lab, runner.RunOptions{Dir: t.TempDir(), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_ = out.Write(&b, "en")
			t.Logf("%s in %v:\n%s", lab.Name, out.Elapsed.Round(time.Millisecond), b.String())
			if !out.Passed() {
				t.Errorf("objectives not met")
			}
			if out.Elapsed > 15*time.Second {
				t.Errorf("took %v, want under 15 s", out.Elapsed)
			}
		})
	}
}
