package admin_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the admin API imports no voiplab package (the PBX feeds it).
func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/admin")
}
