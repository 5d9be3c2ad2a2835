package sdpneg

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps sdpneg a leaf (DESIGN.md): the standard library,
// pion/sdp and voiplab/analyze/codec only, so that the PBX can import it.
func TestDependencies(t *testing.T) {
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
