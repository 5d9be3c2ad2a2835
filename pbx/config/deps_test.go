package config_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the config imports only analyze/codec (codec names) from voiplab.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/config", "voiplab/analyze/codec")
}
