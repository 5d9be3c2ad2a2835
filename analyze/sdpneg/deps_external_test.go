package sdpneg

import (
	"os/exec"
	"strings"
	"testing"
)

// TestExternalDependencies keeps sdpneg light for the PBX: besides the standard
// library it uses pion/sdp and voiplab/analyze/codec only (deps_test.go
// checks the voiplab side with internal/deptest).
func TestExternalDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := map[string]bool{
		"voiplab/analyze/sdpneg":   true,
		"voiplab/analyze/codec":    true,
		"github.com/pion/sdp/v3":   true,
		"github.com/pion/randutil": true, // pion/sdp's own dependency
	}
	for _, p := range strings.Fields(string(out)) {
		if !allowed[p] {
			t.Errorf("forbidden dependency %s", p)
		}
	}
}
