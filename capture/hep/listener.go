package hep

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"voiplab/capture"
)

// queueLen bounds the packets received but not yet taken by Next: when the
// consumer is slower, UDP packets wait in the kernel (and are dropped there
// when its buffer fills) and TCP senders are slowed down.
const queueLen = 4096

// Listener receives HEPv3 packets over UDP and TCP on one address. Next and
// NextPacket are not safe for concurrent use; Close and Stats are.
type Listener struct {
	udp  net.PacketConn
	tcp  net.Listener
	log  *slog.Logger
	now  func() time.Time
	ch   chan *Packet
	done chan struct{}
	wg   sync.WaitGroup
	stop func() bool

	closeOnce sync.Once
	closeErr  error

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	stats Stats

	frame int // datagrams returned by Next, for Datagram.Frame
}

// Stats counts what a Listener received.
type Stats struct {
	// Received counts HEP packets decoded.
	Received int
	// Delivered counts the datagrams Next returned.
	Delivered int
	// Skipped counts packets Next passed over: not SIP or RTP (RTCP JSON,
	// logs...) or without a payload.
	Skipped int
	// Errors counts datagrams or TCP streams that were not valid HEPv3;
	// LastError describes the last one.
	Errors    int
	LastError string
}

// ListenOption configures a Listener.
type ListenOption func(*Listener)

// WithLogger sets the logger that receives the Listener's summary when it
// closes. Nothing is logged per packet.
func WithLogger(log *slog.Logger) ListenOption {
	return func(l *Listener) {
		if log != nil {
			l.log = log
		}
	}
}

// WithClock sets the clock that timestamps packets received without a HEP
// timestamp (tests).
func WithClock(now func() time.Time) ListenOption {
	return func(l *Listener) { l.now = now }
}

// Listen receives HEPv3 on addr ("host:port") over both UDP and TCP (the same
// port number; with port 0 the system chooses one for both, see Addr). It
// stops when ctx is done or Close is called.
func Listen(ctx context.Context, addr string, opts ...ListenOption) (*Listener, error) {
	l := &Listener{
		log:   slog.New(slog.DiscardHandler),
		now:   time.Now,
		ch:    make(chan *Packet, queueLen),
		done:  make(chan struct{}),
		conns: make(map[net.Conn]struct{}),
	}
	for _, o := range opts {
		o(l)
	}
	l.log = l.log.With("component", "hep")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("hep: listen %q: %w", addr, err)
	}
	var lc net.ListenConfig
	// With port 0, the port the system gives UDP may be taken for TCP: try
	// a few times.
	for try := 0; ; try++ {
		l.udp, err = lc.ListenPacket(ctx, "udp", addr)
		if err != nil {
			return nil, fmt.Errorf("hep: listen udp %s: %w", addr, err)
		}
		udpPort := l.udp.LocalAddr().(*net.UDPAddr).Port
		l.tcp, err = lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(udpPort)))
		if err == nil {
			break
		}
		l.udp.Close()
		if port != "0" || try == 4 {
			return nil, fmt.Errorf("hep: listen tcp %s: %w", addr, err)
		}
	}
	l.wg.Add(2)
	go l.readUDP()
	go l.acceptTCP()
	l.stop = context.AfterFunc(ctx, func() { l.Close() })
	return l, nil
}

// Addr returns the local address (UDP and TCP share its port).
func (l *Listener) Addr() netip.AddrPort {
	return l.udp.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Next returns the next SIP (protocol type 1) or RTP (type 4) payload
// received, as a Datagram in arrival order: Frame counts the datagrams
// returned (from 1), Time is the HEP timestamp (the arrival time when the
// packet has none), Src, Dst and Transport are those of the captured packet.
// Other packets (RTCP JSON, logs) are counted in Stats().Skipped; use
// NextPacket to see them. After Close, Next returns what was already queued,
// then io.EOF. The Datagram is the caller's to keep.
func (l *Listener) Next(ctx context.Context) (*capture.Datagram, error) {
	for {
		p, err := l.NextPacket(ctx)
		if err != nil {
			return nil, err
		}
		if (p.ProtoType != ProtoSIP && p.ProtoType != ProtoRTP) || len(p.Payload) == 0 {
			l.count(func(s *Stats) { s.Skipped++ })
			continue
		}
		l.frame++
		l.count(func(s *Stats) { s.Delivered++ })
		return &capture.Datagram{
			Frame: l.frame, Time: p.Time, Src: p.Src, Dst: p.Dst,
			Transport: p.Transport, Payload: p.Payload,
		}, nil
	}
}

// NextPacket returns the next HEP packet received, of any protocol type, in
// arrival order; Time is filled with the arrival time when the packet has no
// timestamp. After Close it returns what was already queued, then io.EOF.
// Use either Next or NextPacket on one Listener, not both.
func (l *Listener) NextPacket(ctx context.Context) (*Packet, error) {
	select {
	case p, ok := <-l.ch:
		if !ok {
			return nil, io.EOF
		}
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Stats returns the counts so far.
func (l *Listener) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Close stops receiving, closes the sockets and TCP connections, and waits
// for the receiving goroutines to end.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		if l.stop != nil {
			l.stop()
		}
		close(l.done)
		l.closeErr = errors.Join(l.udp.Close(), l.tcp.Close())
		l.mu.Lock()
		for c := range l.conns {
			c.Close()
		}
		l.mu.Unlock()
		l.wg.Wait()
		close(l.ch)
		st := l.Stats()
		l.log.Info("hep listener closed", "received", st.Received, "skipped", st.Skipped,
			"errors", st.Errors, "last_error", st.LastError)
	})
	return l.closeErr
}

func (l *Listener) count(f func(*Stats)) {
	l.mu.Lock()
	f(&l.stats)
	l.mu.Unlock()
}

func (l *Listener) fail(err error) {
	l.count(func(s *Stats) { s.Errors++; s.LastError = err.Error() })
}

// deliver queues p; it returns false when the Listener is closing.
func (l *Listener) deliver(p *Packet) bool {
	if p.Time.IsZero() {
		p.Time = l.now()
	}
	l.count(func(s *Stats) { s.Received++ })
	select {
	case l.ch <- p:
		return true
	case <-l.done:
		return false
	}
}

func (l *Listener) readUDP() {
	defer l.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := l.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-l.done:
				return
			default:
			}
			l.fail(fmt.Errorf("hep: read udp: %w", err))
			continue
		}
		p, err := Decode(buf[:n])
		if err != nil {
			l.fail(fmt.Errorf("%w (from %s)", err, from))
			continue
		}
		if !l.deliver(p) {
			return
		}
	}
}

func (l *Listener) acceptTCP() {
	defer l.wg.Done()
	for {
		c, err := l.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-l.done:
				return
			default:
			}
			l.fail(fmt.Errorf("hep: accept tcp: %w", err))
			time.Sleep(10 * time.Millisecond) // EMFILE and the like: do not spin
			continue
		}
		l.mu.Lock()
		select {
		case <-l.done:
			l.mu.Unlock()
			c.Close()
			return
		default:
		}
		l.conns[c] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go l.readTCP(c)
	}
}

// readTCP splits a TCP stream into HEP packets by the header's length. A
// stream that loses the "HEP3" framing is closed: there is no way to find the
// next packet boundary.
func (l *Listener) readTCP(c net.Conn) {
	defer l.wg.Done()
	defer func() {
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 65536)
	buf := make([]byte, MaxLen)
	for {
		if _, err := io.ReadFull(r, buf[:headerLen]); err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) {
				l.fail(fmt.Errorf("hep: read tcp from %s: %w", c.RemoteAddr(), err))
			}
			return
		}
		total, err := PacketLen(buf[:headerLen])
		if err != nil {
			l.fail(fmt.Errorf("%w (tcp from %s, stream closed)", err, c.RemoteAddr()))
			return
		}
		if _, err := io.ReadFull(r, buf[headerLen:total]); err != nil {
			if !errors.Is(err, net.ErrClosed) {
				l.fail(fmt.Errorf("hep: read tcp from %s: %w", c.RemoteAddr(), err))
			}
			return
		}
		p, err := Decode(buf[:total])
		if err != nil {
			l.fail(fmt.Errorf("%w (tcp from %s)", err, c.RemoteAddr()))
			continue
		}
		if !l.deliver(p) {
			return
		}
	}
}
