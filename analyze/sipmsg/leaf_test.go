package sipmsg

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeafImports keeps sipmsg a leaf: the standard library and
// github.com/emiago/sipgo/sip only (DESIGN.md).
func TestLeafImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") && imp != "github.com/emiago/sipgo/sip" {
			t.Errorf("forbidden import %s", imp)
		}
		if strings.HasPrefix(imp, "voiplab/") {
			t.Errorf("forbidden voiplab import %s", imp)
		}
	}
}
