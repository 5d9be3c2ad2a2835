// Package metrics holds the PBX's Prometheus metrics
// (github.com/prometheus/client_golang) in one small type that the parts of
// the PBX update: registrations, active calls, calls by final status,
// authentication failures, relayed packets and a per-direction MOS histogram.
// It has its own registry (no process-global state, STYLE.md); the admin API
// serves it on /metrics.
package metrics

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"voiplab/pbx/cdr"
)

// Metrics is safe for concurrent use; a nil *Metrics ignores every update.
// It satisfies the B2BUA's Metrics interface.
type Metrics struct {
	reg            *prometheus.Registry
	registrations  prometheus.Gauge
	activeCalls    prometheus.Gauge
	calls          *prometheus.CounterVec
	authFailures   prometheus.Counter
	relayedPackets prometheus.Counter
	mos            *prometheus.HistogramVec
	overload       prometheus.Counter
	blacklisted    prometheus.Counter
	blacklistDrops prometheus.Counter
}

// New returns the metrics, registered in a registry of their own (with the
// Go runtime and process collectors).
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		registrations: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voiplab_pbx_registrations",
			Help: "Registered contacts (bindings)."}),
		activeCalls: prometheus.NewGauge(prometheus.GaugeOpts{Name: "voiplab_pbx_active_calls",
			Help: "Calls in progress."}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voiplab_pbx_calls_total",
			Help: "Ended calls by final SIP status."}, []string{"status"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "voiplab_pbx_auth_failures_total",
			Help: "Refused digest authentications (wrong password, unknown user, replay)."}),
		relayedPackets: prometheus.NewCounter(prometheus.CounterOpts{Name: "voiplab_pbx_relayed_packets_total",
			Help: "RTP and RTCP packets forwarded by the media relay."}),
		mos: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "voiplab_pbx_call_mos",
			Help:    "ITU-T G.107 E-model MOS of each relayed call direction.",
			Buckets: []float64{1, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4}}, []string{"direction"}),
		overload: prometheus.NewCounter(prometheus.CounterOpts{Name: "voiplab_pbx_overload_rejections_total",
			Help: "Requests answered 503 because the PBX was overloaded."}),
		blacklisted: prometheus.NewCounter(prometheus.CounterOpts{Name: "voiplab_pbx_blacklisted_total",
			Help: "Source addresses blacklisted after security.max_failed_auth failed authentications."}),
		blacklistDrops: prometheus.NewCounter(prometheus.CounterOpts{Name: "voiplab_pbx_blacklist_drops_total",
			Help: "Messages from blacklisted sources dropped unread."}),
	}
	m.reg.MustRegister(m.registrations, m.activeCalls, m.calls, m.authFailures, m.relayedPackets, m.mos, m.overload,
		m.blacklisted, m.blacklistDrops,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetRegistrations sets the number of bindings.
func (m *Metrics) SetRegistrations(n int) {
	if m != nil {
		m.registrations.Set(float64(n))
	}
}

// CallStarted counts a call in progress.
func (m *Metrics) CallStarted() {
	if m != nil {
		m.activeCalls.Inc()
	}
}

// CallEnded counts an ended call by its final status.
func (m *Metrics) CallEnded(status int) {
	if m != nil {
		m.activeCalls.Dec()
		m.calls.WithLabelValues(strconv.Itoa(status)).Inc()
	}
}

// AuthFailure counts a refused authentication.
func (m *Metrics) AuthFailure() {
	if m != nil {
		m.authFailures.Inc()
	}
}

// PacketsRelayed adds forwarded packets.
func (m *Metrics) PacketsRelayed(n uint64) {
	if m != nil {
		m.relayedPackets.Add(float64(n))
	}
}

// MediaQuality observes the MOS of one direction of a relayed call.
func (m *Metrics) MediaQuality(d cdr.Direction) {
	if m != nil && d.MOS > 0 {
		m.mos.WithLabelValues(d.Direction).Observe(d.MOS)
	}
}

// Overloaded counts a request refused with 503.
func (m *Metrics) Overloaded() {
	if m != nil {
		m.overload.Inc()
	}
}

// Blacklisted counts a source address put on the blacklist.
func (m *Metrics) Blacklisted() {
	if m != nil {
		m.blacklisted.Inc()
	}
}

// BlacklistDrop counts a message dropped because its source is blacklisted.
func (m *Metrics) BlacklistDrop() {
	if m != nil {
		m.blacklistDrops.Inc()
	}
}
