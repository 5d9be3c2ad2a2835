package bpf_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the filter compiler is a leaf under capture: it imports no other
// voiplab package.
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/capture/bpf") }
