package registrar_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the registrar uses only the store (and its cdr leaf).
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/registrar", "voiplab/pbx/store", "voiplab/pbx/cdr")
}
