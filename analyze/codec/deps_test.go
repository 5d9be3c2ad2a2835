package codec_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the codec table is a leaf (DESIGN.md).
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/analyze/codec") }
