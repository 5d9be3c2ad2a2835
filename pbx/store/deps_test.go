package store_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the store imports only pbx/cdr from voiplab.
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/store", "voiplab/pbx/cdr")
}
