package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"voiplab/pbx/cdr"
	"voiplab/pbx/metrics"
)

func TestExposition(t *testing.T) {
	m := metrics.New()
	m.SetRegistrations(3)
	m.CallStarted()
	m.CallStarted()
	m.CallEnded(200)
	m.AuthFailure()
	m.PacketsRelayed(100)
	m.MediaQuality(cdr.Direction{Direction: "caller->callee", MOS: 4.3})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"voiplab_pbx_registrations 3", "voiplab_pbx_active_calls 1", `voiplab_pbx_calls_total{status="200"} 1`,
		"voiplab_pbx_auth_failures_total 1", "voiplab_pbx_relayed_packets_total 100",
		`voiplab_pbx_call_mos_bucket{direction="caller->callee",le="4.4"} 1`,
		`voiplab_pbx_call_mos_bucket{direction="caller->callee",le="4.2"} 0`,
	} {
		if !strings.Contains(string(b), want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
	var nilM *metrics.Metrics
	nilM.CallStarted() // no panic
}
