package dtmf

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the package a leaf (DESIGN.md): the standard library only.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "voiplab/analyze/dtmf" {
			continue
		}
		first, _, _ := strings.Cut(dep, "/")
		if strings.HasPrefix(dep, "voiplab/") || strings.Contains(first, ".") {
			t.Errorf("forbidden dependency %s", dep)
		}
	}
}
