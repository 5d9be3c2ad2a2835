package synth

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps synth a leaf generator: its own imports are the
// standard library, voiplab/capture, voiplab/analyze/codec and pion's
// rtp/rtcp, and nothing it pulls in reaches the analyser's root package.
func TestDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not in PATH")
	}
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"voiplab/capture": true, "voiplab/analyze/codec": true,
		"github.com/pion/rtp": true, "github.com/pion/rtcp": true}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") || strings.HasPrefix(imp, "voiplab") {
			if !allowed[imp] {
				t.Errorf("synth imports %s", imp)
			}
		}
	}
	out, err = exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "voiplab/analyze", strings.HasPrefix(dep, "voiplab/report"), strings.HasPrefix(dep, "voiplab/pbx"),
			strings.HasPrefix(dep, "voiplab/labs"), strings.HasPrefix(dep, "github.com/emiago/"):
			t.Errorf("synth depends on %s", dep)
		}
	}
}
