package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEveryPackageHasDoc: every package of the module has a package comment.
func TestEveryPackageHasDoc(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Doc}}", Module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, doc, _ := strings.Cut(line, "\t")
		if strings.TrimSpace(doc) == "" {
			t.Errorf("package %s has no package doc comment", pkg)
		}
	}
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		dep      string
		patterns []string
		want     bool
	}{
		{"voiplab/analyze/codec", []string{"voiplab/analyze/codec"}, true},
		{"voiplab/analyze/codec", []string{"voiplab/analyze/..."}, true},
		{"voiplab/analyzer", []string{"voiplab/analyze/..."}, false},
		{"voiplab/capture", []string{"voiplab/analyze/..."}, false},
	} {
		if got := matches(tc.dep, tc.patterns); got != tc.want {
			t.Errorf("matches(%q, %v) = %v, want %v", tc.dep, tc.patterns, got, tc.want)
		}
	}
}
