package capturetest_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: capturetest builds on capture only.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/capture/capturetest", "voiplab/capture")
}
