package rtcpreport

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the package a leaf (DESIGN.md): the standard library and
// pion/rtcp only, nothing from voiplab.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(dep, "/")
		switch {
		case dep == "voiplab/analyze/rtcpreport":
		case !strings.Contains(first, "."): // the standard library
		case strings.HasPrefix(dep, "github.com/pion/rtcp"):
		default:
			t.Errorf("forbidden dependency %s", dep)
		}
	}
}
