package pbx

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"golang.org/x/sync/errgroup"

	"voiplab/capture"
	"voiplab/pbx/admin"
	"voiplab/pbx/auth"
	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/config"
	"voiplab/pbx/metrics"
	"voiplab/pbx/registrar"
	"voiplab/pbx/relay"
	"voiplab/pbx/store"
)

// Server is the PBX. Create it with New and run it with Serve (once).
type Server struct {
	cfg           config.Config
	log, base     *slog.Logger
	tap           *capture.Tap
	now           func() time.Time
	onNewPassword func(number, password string)
	maxInFlight   int64
	udpReaders    int

	inFlight atomic.Int64
	load     overload
	bans     *blacklist // nil: security.max_failed_auth is 0
	draining atomic.Bool
	ready    chan struct{}

	// set by Serve before ready is closed
	started   time.Time
	addrs     Addrs
	passwords map[string]string
	metrics   *metrics.Metrics
	reg       *registrar.Registrar
	regs      *regLayer
	calls     *b2bua.B2BUA
}

// Addrs are the addresses a running Server listens on (valid after Ready).
type Addrs struct {
	UDP   netip.AddrPort // zero when UDP is disabled
	TCP   netip.AddrPort // zero when TCP is disabled
	TLS   netip.AddrPort // zero when TLS is disabled
	Admin string         // "" when the admin API is disabled
	Store string         // the SQLite file
}

// New checks cfg and returns a Server; nothing is opened until Serve.
func New(cfg config.Config, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pbx: %w", err)
	}
	s := &Server{cfg: cfg, log: slog.New(slog.DiscardHandler), now: time.Now, maxInFlight: 4096,
		udpReaders: 1, ready: make(chan struct{}), load: overload{threshold: 100 * time.Millisecond}}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.base = s.log // the parts add their own component attribute
	s.log = s.log.With("component", "pbx")
	return s, nil
}

// Ready is closed once Serve listens on every address.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addrs returns the listening addresses; call it after Ready.
func (s *Server) Addrs() Addrs { return s.addrs }

// ActiveCalls lists the calls in progress (empty before Ready).
func (s *Server) ActiveCalls() []b2bua.CallInfo {
	select {
	case <-s.ready:
		return s.calls.ActiveCalls()
	default:
		return nil
	}
}

// Password returns an extension's password (configured or generated); call
// it after Ready.
func (s *Server) Password(number string) (string, bool) {
	p, ok := s.passwords[number]
	return p, ok
}

// Serve runs the PBX until ctx is done, then stops gracefully (see the
// package doc). It returns nil after a clean stop.
func (s *Server) Serve(ctx context.Context) (err error) {
	st, err := store.Open(ctx, s.cfg.DataDir)
	if err != nil {
		return fmt.Errorf("pbx: %w", err)
	}
	defer func() {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("pbx: %w", cerr)
		}
	}()
	if err := s.loadPasswords(ctx, st); err != nil {
		return err
	}
	s.metrics = metrics.New()
	s.bans = newBlacklist(s.cfg.Security.MaxFailedAuth, time.Duration(s.cfg.Security.BlacklistSeconds)*time.Second, s.now)
	a, err := auth.New(auth.Config{
		Realm:         s.cfg.Domain,
		Password:      func(u string) (string, bool) { p, ok := s.passwords[u]; return p, ok },
		Algorithms:    s.cfg.Security.DigestAlgorithms,
		NonceLifetime: s.cfg.Security.NonceLifetime.D(),
		Now:           s.now,
		Logger:        s.base,
		OnFailure:     s.authFailed,
		OnSuccess:     func(_, src string) { s.bans.succeeded(hostOf(src)) },
	})
	if err != nil {
		return fmt.Errorf("pbx: %w", err)
	}
	s.reg, err = registrar.New(registrar.Config{
		Auth: a, Store: st, MinExpires: s.cfg.Registrar.MinExpires, MaxExpires: s.cfg.Registrar.MaxExpires,
		DefaultExpires: s.cfg.Registrar.DefaultExpires, Now: s.now, Logger: s.base,
		OnChange: s.metrics.SetRegistrations,
	})
	if err != nil {
		return fmt.Errorf("pbx: %w", err)
	}
	if err := s.reg.Load(ctx); err != nil {
		return fmt.Errorf("pbx: %w", err)
	}

	ls, err := s.listen()
	if err != nil {
		return err
	}
	defer ls.close()
	s.addrs.Store = st.Path()

	var udpConn atomic.Pointer[net.PacketConn]
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("voiplab-pbx"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerReadFilter(s.shedFilter(func() net.PacketConn {
			if p := udpConn.Load(); p != nil {
				return *p
			}
			return nil
		}))))
	if err != nil {
		return fmt.Errorf("pbx: sip: %w", err)
	}
	defer ua.Close()
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(s.base.With("component", "sip")))
	if err != nil {
		return fmt.Errorf("pbx: sip: %w", err)
	}
	contact := s.advertised()
	var clientOpts []sipgo.ClientOption
	if ls.udp != nil {
		clientOpts = append(clientOpts, sipgo.WithClientConnectionAddr(ls.udp.LocalAddr().String()))
	}
	client, err := sipgo.NewClient(ua, clientOpts...)
	if err != nil {
		return fmt.Errorf("pbx: sip: %w", err)
	}
	defer client.Close()
	lo, hi, _ := s.cfg.Media.PortRange()
	rl, err := relay.New(relay.Config{Addr: contact.Addr(), PortMin: lo, PortMax: hi, Timeout: s.cfg.Media.Timeout.D(),
		Logger: s.base, Tap: s.tap, Now: s.now})
	if err != nil {
		return fmt.Errorf("pbx: %w", err)
	}
	s.calls, err = b2bua.New(b2bua.Config{
		Domain: s.cfg.Domain, UA: ua, Client: client, Locator: locator{s.reg}, Auth: a, Contact: contact,
		Extension: s.extension, Codecs: s.cfg.Codecs, RelayMode: s.cfg.Media.Relay, Relay: rl,
		OnCDR:   func(r cdr.Record) { s.writeCDR(st, r) },
		Metrics: s.metrics, Logger: s.base, Now: s.now,
		Overloaded: s.load.refuse, // fresh INVITEs are shed with 503 Retry-After, like fresh REGISTERs
	})
	if err != nil {
		return fmt.Errorf("pbx: %w", err)
	}
	s.calls.Attach(srv)
	srv.OnRegister(s.guard(s.reg.HandleRegister))                    // TCP, TLS, and what regLayer leaves
	s.regs = newRegLayer(s.guard(s.reg.HandleRegister), sip.Timer_J) // UDP (read filter)
	srv.OnOptions(s.guard(s.reg.HandleOptions))

	s.started = s.now()
	regCtx, stopReg := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReg()
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { defer bg.Done(); _ = s.reg.Run(regCtx) }()

	sipCtx, stopSIP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSIP()
	if port := s.addrs.UDP.Port(); port != 0 {
		s.load.queue = func() (int, bool) { return rxQueue(port) }
		// 2 MiB: 1,600 datagrams (1,280 bytes of kernel truesize each for a
		// REGISTER), 70-100 ms of load at 8,000-12,000 registrations/s;
		// drops start at the 8 MiB buffer (4 MiB asked, doubled by Linux).
		s.load.maxQueue = 2 << 20
	}
	bg.Add(1)
	go func() { defer bg.Done(); s.load.watch(sipCtx) }()
	g, gctx := errgroup.WithContext(sipCtx)
	if ls.udp != nil {
		udpConn.Store(&ls.udp)
		for range s.udpReaders {
			g.Go(func() error { return clean(srv.ServeUDP(ls.udp)) })
		}
	}
	if ls.tcp != nil {
		g.Go(func() error { return clean(srv.ServeTCP(ls.tcp)) })
	}
	if ls.tls != nil {
		g.Go(func() error { return clean(srv.ServeTLS(ls.tls)) })
	}
	if ls.admin != nil {
		allow := make([]netip.Prefix, 0, len(s.cfg.Security.AdminAllow))
		for _, p := range s.cfg.Security.AdminAllow {
			allow = append(allow, netip.MustParsePrefix(p)) // checked by Validate
		}
		h := admin.Handler(source{s}, s.metrics.Handler(), allow, s.base.With("component", "admin"))
		g.Go(func() error { return admin.Serve(gctx, ls.admin, h) })
	}
	g.Go(func() error {
		select {
		case <-ctx.Done():
		case <-gctx.Done(): // a listener failed
		}
		s.drain()
		ls.close() // the SIP Serve calls return
		stopSIP()
		return nil
	})
	close(s.ready)
	s.log.Info("pbx started", "udp", s.addrs.UDP, "tcp", s.addrs.TCP, "admin", s.addrs.Admin, "store", s.addrs.Store)
	err = g.Wait()
	stopReg()
	bg.Wait() // the last bindings are written
	if err != nil {
		return err
	}
	s.log.Info("pbx stopped")
	return nil
}

// drain refuses new calls, waits up to drain_time for calls to end, then
// ends the rest (b2bua Drain, which also waits for their CDRs).
func (s *Server) drain() {
	s.draining.Store(true)
	s.calls.Refuse(true)
	deadline := time.NewTimer(s.cfg.DrainTime.D())
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for len(s.calls.ActiveCalls()) > 0 {
		select {
		case <-deadline.C:
			s.log.Info("drain time over: ending calls", "calls", len(s.calls.ActiveCalls()))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.calls.Drain(ctx); err != nil {
				s.log.Warn("drain", "error", err)
			}
			cancel()
			return
		case <-tick.C:
		}
	}
}

func (s *Server) writeCDR(st *store.Store, r cdr.Record) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := st.AddCDR(ctx, r); err != nil {
		s.log.Error("cdr not written", "call_id", r.CallID, "error", err)
	}
}

// clean treats a closed listener as a clean stop.
func clean(err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("pbx: sip: %w", err)
}

// authFailed counts a failed authentication and blacklists its source
// after security.max_failed_auth of them in a row.
func (s *Server) authFailed(user, src string, err error) {
	s.metrics.AuthFailure()
	if banned, until := s.bans.failed(hostOf(src)); banned {
		s.metrics.Blacklisted()
		s.log.Warn("source blacklisted after failed authentications", "src", src, "user", user,
			"failures", s.cfg.Security.MaxFailedAuth, "until", until.Format(time.RFC3339))
	}
}

// hostOf returns the address of "host:port" (req.Source()), or the zero Addr.
func hostOf(hostport string) netip.Addr {
	ap, err := netip.ParseAddrPort(hostport)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// guard runs a handler with overload protection and panic recovery: bad
// peer input must never crash the PBX.
func (s *Server) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("handler panic", "method", string(req.Method), "src", req.Source(), "panic", fmt.Sprint(r))
				_ = tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
			}
		}()
		n := s.inFlight.Add(1)
		// A request with credentials finishes a registration that already
		// cost a round trip: only fresh requests are shed first.
		// UDP requests are shed before parsing (shedFilter).
		fresh := req.GetHeader("Authorization") == nil
		if n > s.maxInFlight || (fresh && req.Transport() != "UDP" && s.load.refuse()) {
			s.inFlight.Add(-1)
			s.metrics.Overloaded()
			// RFC 3261 §21.5.4: 503 with Retry-After tells the client when to retry.
			res := sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
			res.AppendHeader(sip.NewHeader("Retry-After", "5"))
			_ = tx.Respond(res)
			return
		}
		defer s.inFlight.Add(-1)
		h(req, tx)
	}
}

func (s *Server) extension(number string) (b2bua.Extension, bool) {
	e, ok := s.cfg.Extension(number)
	if !ok {
		return b2bua.Extension{}, false
	}
	return b2bua.Extension{Number: e.Number, Codecs: e.Codecs, Relay: e.Relay != nil && *e.Relay}, true
}

// loadPasswords fills the passwords of every extension: the configured
// one, or one generated at the first start and kept in the store.
func (s *Server) loadPasswords(ctx context.Context, st *store.Store) error {
	s.passwords = make(map[string]string, len(s.cfg.Extensions))
	for _, e := range s.cfg.Extensions {
		if e.Password != "" {
			s.passwords[e.Number] = string(e.Password)
			continue
		}
		name := "extension/" + e.Number + "/password"
		p, ok, err := st.Secret(ctx, name)
		if err != nil {
			return fmt.Errorf("pbx: %w", err)
		}
		if !ok {
			p = GeneratePassword()
			if err := st.SetSecret(ctx, name, p); err != nil {
				return fmt.Errorf("pbx: %w", err)
			}
			if s.onNewPassword != nil {
				s.onNewPassword(e.Number, p)
			}
		}
		s.passwords[e.Number] = p
	}
	return nil
}

// GeneratePassword returns a random 16-character password (letters and
// digits, about 95 bits).
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic("pbx: crypto/rand: " + err.Error()) // crypto/rand does not fail on Linux
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// advertised is the address put in Contact headers and relay SDP: the UDP
// (or TCP) listening address, or, when that is unspecified, the address of
// the interface that routes outwards (no packet is sent).
func (s *Server) advertised() netip.AddrPort {
	ap := s.addrs.UDP
	if !ap.IsValid() {
		ap = s.addrs.TCP
	}
	if ap.Addr().IsUnspecified() {
		a := netip.AddrFrom4([4]byte{127, 0, 0, 1})
		if c, err := net.Dial("udp", "192.0.2.1:9"); err == nil { // TEST-NET-1: only a route lookup
			if u, ok := c.LocalAddr().(*net.UDPAddr); ok {
				if x, ok := netip.AddrFromSlice(u.IP); ok {
					a = x.Unmap()
				}
			}
			c.Close()
		}
		ap = netip.AddrPortFrom(a, ap.Port())
	}
	return ap
}

// locator adapts registrar bindings to the B2BUA's contacts.
type locator struct{ r *registrar.Registrar }

func (l locator) Contacts(user string) []b2bua.Contact {
	bs := l.r.Contacts(user)
	out := make([]b2bua.Contact, 0, len(bs))
	for _, b := range bs {
		out = append(out, b2bua.Contact{URI: b.Contact, Addr: target(b), Transport: b.Transport})
	}
	return out
}

// target is where requests for a binding go. When the Contact names the
// address the REGISTER came from, the Contact's port is the phone's
// listening port (a phone, or SIPp's sip-register.sh, may register from
// another port). Otherwise the phone is behind NAT and its Contact is
// unreachable: send where its packets come from (RFC 3581 received/rport),
// which for TCP is also the connection to reuse.
func target(b registrar.Binding) netip.AddrPort {
	var u sip.Uri
	if err := sip.ParseUri(b.Contact, &u); err != nil || !strings.EqualFold(b.Transport, "UDP") {
		return b.Source
	}
	a, err := netip.ParseAddr(u.Host)
	if err != nil || a.Unmap() != b.Source.Addr().Unmap() {
		return b.Source
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port))
}

// source feeds the admin API.
type source struct{ s *Server }

func (src source) Status() admin.Status {
	s := src.s
	st := admin.Status{Domain: s.cfg.Domain, Started: s.started, UptimeSeconds: s.now().Sub(s.started).Seconds(),
		Registrations: s.reg.Count(), ActiveCalls: len(s.calls.ActiveCalls()), Draining: s.draining.Load()}
	st.Blacklisted, st.BlacklistedCount = s.bans.list(100)
	if s.addrs.UDP.IsValid() {
		st.Listen = append(st.Listen, "udp "+s.addrs.UDP.String())
	}
	if s.addrs.TCP.IsValid() {
		st.Listen = append(st.Listen, "tcp "+s.addrs.TCP.String())
	}
	if s.addrs.TLS.IsValid() {
		st.Listen = append(st.Listen, "tls "+s.addrs.TLS.String())
	}
	return st
}

func (src source) Registrations() any { return src.s.reg.Bindings() }
func (src source) Calls() any         { return src.s.calls.ActiveCalls() }

// listeners are the sockets Serve opened.
type listeners struct {
	udp   net.PacketConn
	tcp   net.Listener
	tls   net.Listener
	admin net.Listener
	once  sync.Once
}

func (l *listeners) close() {
	l.once.Do(func() {
		for _, c := range []interface{ Close() error }{l.udp, l.tcp, l.tls, l.admin} {
			if c != nil {
				_ = c.Close()
			}
		}
	})
}

// listen opens the SIP and admin sockets. UDP and TCP share one port: with
// port 0 TCP takes the port UDP got.
func (s *Server) listen() (*listeners, error) {
	ls := &listeners{}
	var err error
	udpAddr, tcpAddr := s.cfg.Listen.UDP, s.cfg.Listen.TCP
	for attempt := 0; ; attempt++ {
		ls.close()
		ls = &listeners{}
		if udpAddr != "" {
			if ls.udp, err = net.ListenPacket("udp", udpAddr); err != nil {
				return nil, fmt.Errorf("%w: udp %s: %v", ErrListen, udpAddr, err)
			}
			// A burst of REGISTERs must wait in the socket, not be dropped
			// into retransmissions: ask for 4 MiB (the kernel caps it at
			// net.core.rmem_max).
			if u, ok := ls.udp.(*net.UDPConn); ok {
				_ = u.SetReadBuffer(4 << 20)
				_ = u.SetWriteBuffer(4 << 20)
			}
		}
		if tcpAddr != "" {
			addr := tcpAddr
			th, tp, _ := net.SplitHostPort(tcpAddr)
			if ls.udp != nil && tp == "0" {
				uh, _, _ := net.SplitHostPort(udpAddr)
				if uh == th {
					addr = net.JoinHostPort(th, strconv.Itoa(ls.udp.LocalAddr().(*net.UDPAddr).Port))
				}
			}
			if ls.tcp, err = net.Listen("tcp", addr); err != nil {
				if addr != tcpAddr && attempt < 10 {
					continue // the UDP port is taken for TCP: try another
				}
				ls.close()
				return nil, fmt.Errorf("%w: tcp %s: %v", ErrListen, addr, err)
			}
		}
		break
	}
	if t := s.cfg.Listen.TLS; t.Enabled() {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			ls.close()
			return nil, fmt.Errorf("%w: tls %s: %v", ErrListen, t.Addr, err)
		}
		l, err := net.Listen("tcp", t.Addr)
		if err != nil {
			ls.close()
			return nil, fmt.Errorf("%w: tls %s: %v", ErrListen, t.Addr, err)
		}
		s.addrs.TLS = unmap(l.Addr().(*net.TCPAddr).AddrPort())
		if s.tap != nil {
			l = tapListener{l, s.tap} // records the encrypted bytes, as a capture would
		}
		ls.tls = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	if s.cfg.Admin.Addr != "" {
		if ls.admin, err = net.Listen("tcp", s.cfg.Admin.Addr); err != nil {
			ls.close()
			return nil, fmt.Errorf("%w: admin %s: %v", ErrListen, s.cfg.Admin.Addr, err)
		}
		s.addrs.Admin = ls.admin.Addr().String()
	}
	if ls.udp != nil {
		s.addrs.UDP = unmap(ls.udp.LocalAddr().(*net.UDPAddr).AddrPort())
		ls.udp = s.tap.PacketConn(ls.udp)
	}
	if ls.tcp != nil {
		s.addrs.TCP = unmap(ls.tcp.Addr().(*net.TCPAddr).AddrPort())
		if s.tap != nil {
			ls.tcp = tapListener{ls.tcp, s.tap}
		}
	}
	return ls, nil
}

// tapListener records every accepted TCP connection.
type tapListener struct {
	net.Listener
	tap *capture.Tap
}

func (l tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.tap.Conn(c), nil
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }
