package runner_test

import (
	"bytes"
	"context"
	"strings"
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
			out, err := runner.Run(context.Background(), lab, runner.RunOptions{Dir: t.TempDir(), Seed: 1, Subnet: 2})
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
			// The rerun gives the golden analysis of pcaps/ (make pcaps).
			for _, c := range out.Captures {
				name := lab.Name
				if c.Variant != "" {
					name += "-" + c.Variant
				}
				g := golden(t, name)
				if g == nil {
					t.Logf("no golden pcaps/%s.json", name)
					continue
				}
				if d := runner.Summarize(g).Diff(runner.Summarize(c.Result)); len(d) > 0 {
					t.Errorf("%s differs from pcaps/%s.json:\n%s", name, name, strings.Join(d, "\n"))
				}
			}
		})
	}
}

// TestDeterministic: two runs with the same seed give the same Summary;
// another seed changes the impairment's losses.
func TestDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a lab three times in real time")
	}
	lab, err := catalogue.Lookup("impaired-network")
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) runner.Summary {
		out, err := runner.Run(context.Background(), lab, runner.RunOptions{Dir: t.TempDir(), Seed: seed, NoHTML: true, Subnet: 2})
		if err != nil {
			t.Fatal(err)
		}
		return runner.Summarize(out.Captures[0].Result)
	}
	a, b := run(7), run(7)
	if d := a.Diff(b); len(d) > 0 {
		t.Errorf("two runs with seed 7 differ:\n%s", strings.Join(d, "\n"))
	}
	if d := a.Diff(run(8)); len(d) == 0 {
		t.Errorf("seeds 7 and 8 give the same losses: the seed is not used")
	}
}
