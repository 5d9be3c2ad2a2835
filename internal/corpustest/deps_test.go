package corpustest_test

import (
	"testing"

	"voiplab/internal/deptest"
)

// TestDeps: the corpus reader is independent of voiplab's own capture package.
func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/internal/corpustest") }
