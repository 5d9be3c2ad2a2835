package relay

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"voiplab/capture"
)

// Config configures a Relay.
type Config struct {
	// Addr is the local address the relay binds its ports to and announces
	// in SDP (Session.Leg). An unspecified address binds every interface.
	Addr netip.Addr
	// PortMin and PortMax bound the RTP ports (inclusive). RTP takes the even
	// port, RTCP the odd one above it (RFC 3550 §11).
	PortMin, PortMax int
	// Timeout ends a Session whose legs have carried no packet for that long
	// (dead media); 0 disables it.
	Timeout time.Duration
	// Logger receives summaries (never one line per packet); nil discards.
	Logger *slog.Logger
	// Tap, when set, records every datagram the relay receives and sends.
	Tap *capture.Tap
	// Now is the clock that stamps packets for the statistics and the
	// dead-media timer; nil is time.Now.
	Now func() time.Time
	// BusyPoll, when positive, keeps each of the relay's epoll loops
	// (Linux) polling for that long after its last datagram before it
	// sleeps: under load the loop then seldom sleeps, which saves the
	// wake-ups of both the relay and the senders, at the price of up to a
	// core of CPU per loop while media flows. 0 (the default) sleeps at
	// once. Elsewhere it does nothing.
	BusyPoll time.Duration
}

// Relay hands out Sessions whose ports come from one range. It is safe for
// concurrent use.
type Relay struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	polls []*poller // nil where sockets have one goroutine each

	mu   sync.Mutex
	next int          // next even RTP port to try
	used map[int]bool // RTP ports held by open sessions
	rr   int          // next poller, round robin
}

// New checks cfg and returns a Relay.
func New(cfg Config) (*Relay, error) {
	if !cfg.Addr.IsValid() {
		return nil, fmt.Errorf("%w: no address", ErrConfig)
	}
	min := cfg.PortMin
	if min%2 == 1 {
		min++ // RFC 3550 §11: RTP on an even port
	}
	if min < 1 || cfg.PortMax > 65535 || min+1 > cfg.PortMax {
		return nil, fmt.Errorf("%w: port range %d-%d holds no RTP/RTCP pair", ErrConfig, cfg.PortMin, cfg.PortMax)
	}
	cfg.PortMin = min
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout %s", ErrConfig, cfg.Timeout)
	}
	if cfg.BusyPoll < 0 {
		return nil, fmt.Errorf("%w: negative busy poll %s", ErrConfig, cfg.BusyPoll)
	}
	r := &Relay{cfg: cfg, log: cfg.Logger, now: cfg.Now, next: min, used: map[int]bool{}, polls: newPollers(cfg.BusyPoll)}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.log = r.log.With("component", "relay")
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

// pairs is the number of RTP/RTCP pairs in the range.
func (r *Relay) pairs() int { return (r.cfg.PortMax - r.cfg.PortMin + 1) / 2 }

// Allocate opens a Session: two legs, each an even RTP port and the RTCP
// port above it. It returns ErrPortsExhausted when the range has no two
// free pairs left (ports held by other programs are skipped).
func (r *Relay) Allocate(ctx context.Context) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	s := newSession(r)
	for i := range s.legs {
		if err := r.bind(&s.legs[i]); err != nil {
			for j := range i {
				s.legs[j].close()
				r.release(s.legs[j].port)
			}
			return nil, err
		}
	}
	s.start()
	return s, nil
}

// bind finds a free pair and opens its two sockets.
func (r *Relay) bind(l *leg) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.pairs()
	for range n {
		port := r.next
		r.next += 2
		if r.next+1 > r.cfg.PortMax {
			r.next = r.cfg.PortMin
		}
		if r.used[port] {
			continue
		}
		rtp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(r.cfg.Addr, uint16(port))))
		if err != nil {
			continue // held by another program
		}
		rtcp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(r.cfg.Addr, uint16(port+1))))
		if err != nil {
			rtp.Close()
			continue
		}
		r.used[port] = true
		l.port = port
		l.rtp, l.rtcp = rtp, rtcp
		l.local = netip.AddrPortFrom(r.cfg.Addr, uint16(port))
		l.localRTCP = netip.AddrPortFrom(r.cfg.Addr, uint16(port+1))
		return nil
	}
	return fmt.Errorf("%w: %d-%d", ErrPortsExhausted, r.cfg.PortMin, r.cfg.PortMax)
}

func (r *Relay) release(port int) {
	r.mu.Lock()
	delete(r.used, port)
	r.mu.Unlock()
}

// poller returns the poller of the next session, nil when there is none.
func (r *Relay) poller() *poller {
	if len(r.polls) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rr++
	return r.polls[r.rr%len(r.polls)]
}

// Sessions returns the number of open sessions.
func (r *Relay) Sessions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.used) / 2
}
