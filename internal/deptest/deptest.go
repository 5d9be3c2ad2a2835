// Package deptest checks, in tests, that voiplab's packages keep DESIGN.md's
// one-way dependency rules (capture → analyze → report; leaf packages import
// nothing above them), in the manner of tailscale's tstest/deptest.
package deptest

import (
	"os/exec"
	"strings"
	"testing"
)

// Module is voiplab's module path.
const Module = "voiplab"

// Deps returns the voiplab packages that pkg depends on, directly or not
// (test files excluded), from `go list -deps`.
func Deps(t testing.TB, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var deps []string
	for _, line := range strings.Fields(string(out)) {
		if (line == Module || strings.HasPrefix(line, Module+"/")) && line != pkg {
			deps = append(deps, line)
		}
	}
	return deps
}

// AllowOnly fails the test when pkg depends on a voiplab package that is
// not in allowed. An allowed entry ending in "/..." allows a whole tree.
func AllowOnly(t *testing.T, pkg string, allowed ...string) {
	t.Helper()
	for _, dep := range Deps(t, pkg) {
		if !matches(dep, allowed) {
			t.Errorf("%s depends on %s, which DESIGN.md does not allow (allowed: %v)", pkg, dep, allowed)
		}
	}
}

// Forbid fails the test when pkg depends on one of the forbidden packages.
func Forbid(t *testing.T, pkg string, forbidden ...string) {
	t.Helper()
	for _, dep := range Deps(t, pkg) {
		if matches(dep, forbidden) {
			t.Errorf("%s depends on %s, which DESIGN.md forbids", pkg, dep)
		}
	}
}

func matches(dep string, patterns []string) bool {
	for _, p := range patterns {
		if tree, ok := strings.CutSuffix(p, "/..."); ok {
			if dep == tree || strings.HasPrefix(dep, tree+"/") {
				return true
			}
		} else if dep == p {
			return true
		}
	}
	return false
}
