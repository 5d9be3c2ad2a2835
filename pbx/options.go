package pbx

import (
	"fmt"
	"log/slog"
	"time"

	"voiplab/capture"
)

// Option configures a Server.
type Option func(*Server) error

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error {
		if l != nil {
			s.log = l
		}
		return nil
	}
}

// WithTap records the SIP (and relayed RTP) the PBX sends and receives.
func WithTap(t *capture.Tap) Option {
	return func(s *Server) error { s.tap = t; return nil }
}

// WithClock sets the clock for timers, expiries and records (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Server) error {
		if now == nil {
			return fmt.Errorf("pbx: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithNewPassword is called once for every extension password that the PBX
// generated at this start (extensions without a password in the config); the
// command prints them, a library never does.
func WithNewPassword(f func(number, password string)) Option {
	return func(s *Server) error { s.onNewPassword = f; return nil }
}

// WithMaxInFlight sets how many REGISTER/OPTIONS requests may be handled at
// once before new ones get 503 with Retry-After (default 4096).
func WithMaxInFlight(n int) Option {
	return func(s *Server) error {
		if n <= 0 {
			return fmt.Errorf("pbx: max in flight %d", n)
		}
		s.maxInFlight = int64(n)
		return nil
	}
}

// WithOverloadLatency sets the Go scheduler latency (90th percentile over
// 100 ms) above which new unauthenticated REGISTER and OPTIONS requests get
// 503 with Retry-After (default 100 ms).
func WithOverloadLatency(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return fmt.Errorf("pbx: overload latency %v", d)
		}
		s.load.threshold = d
		return nil
	}
}

// WithUDPReaders sets how many goroutines read and parse the SIP UDP socket
// (default 1). sipgo parses in its read loop, and UDP REGISTERs are served
// there too (regtx.go), so one reader bounds the REGISTER rate to one core
// (about 16,000 registrations per second); a second reader costs a wake-up
// per datagram (measured: 15% more CPU per registration at 4,000/s).
func WithUDPReaders(n int) Option {
	return func(s *Server) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("pbx: udp readers %d", n)
		}
		s.udpReaders = n
		return nil
	}
}
