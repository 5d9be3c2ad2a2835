package catalogue_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the catalogue is data; it imports no voiplab package (its test
// reads analyze's finding codes).
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/labs/catalogue")
}
