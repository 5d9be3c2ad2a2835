package analyze

import (
	"log/slog"
	"time"
)

// Options configure an analysis. Start from DefaultOptions.
type Options struct {
	// Logger receives debug information; nil discards it.
	Logger *slog.Logger
	// Thresholds decide when a figure becomes a finding.
	Thresholds Thresholds
	// KeepRaw keeps the raw text of every SIP message in the Result (the
	// report shows it when an arrow of the ladder is clicked).
	KeepRaw bool
	// MaxRTCPPerStream bounds the RTCP reports kept per stream.
	MaxRTCPPerStream int

	// OnEvent, when set, makes the analysis live: it is called as calls
	// start, are answered and end, and as registrations complete; finished
	// calls are then evicted from memory (see Analyzer.Flush), so that a
	// capture of days keeps only what is live. Result then holds only what
	// was not yet finished.
	OnEvent func(Event)
	// Linger is how long a live call is kept after its end (BYE, final
	// error) for retransmissions and late media, before it is finished
	// (default 4 s).
	Linger time.Duration
	// IdleTimeout finishes a live call with no SIP and no RTP for that long
	// (default 5 minutes).
	IdleTimeout time.Duration
}

// Thresholds of the findings. Every value has a documented default.
type Thresholds struct {
	// LossWarnPct and LossErrorPct: packet loss of a stream (lost/expected) at
	// or above which packet-loss is a warning (default 1 %) or an error
	// (default 5 %). G.711 without concealment is audibly degraded from about
	// 1 % (ITU-T G.113 Appendix I).
	LossWarnPct, LossErrorPct float64
	// JitterWarnMs and JitterErrorMs: mean RFC 3550 jitter at or above which
	// high-jitter is a warning (default 30 ms) or an error (default 60 ms).
	JitterWarnMs, JitterErrorMs float64
	// MOSWarn and MOSError: E-model MOS estimates below which low-mos is a
	// warning (default 3.6, "many users dissatisfied" in ITU-T G.107 Annex B)
	// or an error (default 3.1).
	MOSWarn, MOSError float64
	// BruteForceFailures is the number of rejected authentications from one
	// source address that makes brute-force (default 10).
	BruteForceFailures int
	// ScannerTargets is the number of distinct extensions one source must
	// probe for scanner (default 10).
	ScannerTargets int
	// MinStreamPackets is the number of packets under which a stream is too
	// short to judge its quality (default 20).
	MinStreamPackets int
	// UnsignalledMinPackets is the number of packets with one SSRC that makes
	// RTP without signalling a stream (default 3); RTP on a port that SDP
	// announced is always a stream.
	UnsignalledMinPackets int
}

// DefaultOptions returns the defaults documented on Thresholds.
func DefaultOptions() Options {
	return Options{
		KeepRaw:          true,
		MaxRTCPPerStream: 500,
		Thresholds: Thresholds{
			LossWarnPct:           1,
			LossErrorPct:          5,
			JitterWarnMs:          30,
			JitterErrorMs:         60,
			MOSWarn:               3.6,
			MOSError:              3.1,
			BruteForceFailures:    10,
			ScannerTargets:        10,
			MinStreamPackets:      20,
			UnsignalledMinPackets: 3,
		},
	}
}
