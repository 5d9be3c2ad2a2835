package metrics_test

import (
	"testing"

	"voiplab/internal/deptest"
)

func TestDeps(t *testing.T) {
	deptest.AllowOnly(t, "voiplab/pbx/metrics", "voiplab/pbx/cdr")
}
