package capture

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps capture the leaf of voiplab (DESIGN.md): it may not
// import another voiplab package.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "voiplab/") && p != "voiplab/capture" {
			t.Errorf("capture imports %s", p)
		}
	}
}
