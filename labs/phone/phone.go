package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/labs/impair"
)

// Config describes one simulated phone.
type Config struct {
	// User is the extension ("200"), Password its digest password, Domain
	// the SIP domain of its address of record ("lab.local").
	User, Password, Domain string
	// Addr is the phone's SIP address, 127.0.0.11:5060 for example; its
	// media binds on the same IP.
	Addr netip.AddrPort
	// Codecs are the encoding names the phone offers and accepts, in
	// preference order: "PCMU", "PCMA", "G722", "telephone-event".
	Codecs []string
	// SDPAddr, when valid, is the address written in the SDP instead of
	// Addr's: a phone behind NAT writes its private address.
	SDPAddr netip.Addr
	// MediaPort is the first RTP port tried (default 16000).
	MediaPort int
	// MediaDelay delays the first RTP packet after the answer (late media).
	MediaDelay time.Duration
	// Impair, when not nil, impairs the phone's outgoing RTP.
	Impair *impair.Config
	// ToneHz is the frequency of the tone the phone sends (default 440).
	ToneHz float64
	// RTCPInterval is the period of RTCP sender reports; 0 sends none.
	RTCPInterval time.Duration
	// EventsWithoutNegotiation sends DTMF on payload type 101 even when the
	// SDP did not negotiate telephone-event (a misconfigured phone).
	EventsWithoutNegotiation bool
	// Seed makes SSRCs, sequence numbers and timestamps reproducible.
	Seed uint64
	// Record sees every datagram the phone sends, before it is written,
	// and every datagram it reads from a source RecordFrom accepts, as soon
	// as it is read. Reachable, when set, decides which destination
	// addresses the network delivers to.
	Record     Recorder
	RecordFrom func(netip.Addr) bool
	Reachable  func(netip.Addr) bool
	// UserAgent is the User-Agent header (default "voiplab-phone/USER").
	UserAgent string
	Logger    *slog.Logger
}

// Phone is one simulated SIP phone. Create it with New, run Serve, then
// Register, Call or take calls from Incoming.
type Phone struct {
	cfg      Config
	log      *slog.Logger
	ua       *sipgo.UserAgent
	srv      *sipgo.Server
	client   *sipgo.Client
	conn     net.PacketConn
	contact  sip.ContactHeader
	dcc      *sipgo.DialogClientCache
	dsc      *sipgo.DialogServerCache
	incoming chan *Call
	ready    chan struct{} // closed when the SIP socket is served

	mu       sync.Mutex
	rng      *rand.Rand
	nextPort int
}

// New binds the phone's SIP socket.
func New(cfg Config) (*Phone, error) {
	if cfg.User == "" || !cfg.Addr.IsValid() {
		return nil, fmt.Errorf("%w: user and addr are required", ErrConfig)
	}
	if cfg.Domain == "" {
		cfg.Domain = cfg.Addr.Addr().String()
	}
	if cfg.MediaPort == 0 {
		cfg.MediaPort = 16000
	}
	if cfg.ToneHz == 0 {
		cfg.ToneHz = 440
	}
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = []string{"PCMU", "PCMA", "telephone-event"}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "voiplab-phone/" + cfg.User
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "phone", "aor", cfg.User)
	raw, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.Addr))
	if err != nil {
		return nil, fmt.Errorf("phone %s: listen: %w", cfg.User, err)
	}
	p := &Phone{cfg: cfg, log: log, conn: newNetConn(raw, &cfg),
		incoming: make(chan *Call, 4), ready: make(chan struct{}), nextPort: cfg.MediaPort,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x766f69706c6162))}
	host := cfg.Addr.Addr().String()
	p.ua, err = sipgo.NewUA(sipgo.WithUserAgent(cfg.UserAgent), sipgo.WithUserAgentHostname(host),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(log),
			// sipgo's default handler logs to slog.Default: a library never
			// prints (STYLE.md).
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				log.Debug("unhandled response (a retransmission)", "status", r.StatusCode)
			})),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(log)))
	if err == nil {
		p.srv, err = sipgo.NewServer(p.ua, sipgo.WithServerLogger(log))
	}
	if err == nil {
		// Symmetric signalling: requests leave from the listening socket
		// (LIBRARIES.md: sipgo sends from an ephemeral port otherwise).
		p.client, err = sipgo.NewClient(p.ua, sipgo.WithClientConnectionAddr(cfg.Addr.String()),
			sipgo.WithClientHostname(host), sipgo.WithClientLogger(log))
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("phone %s: %w", cfg.User, err)
	}
	p.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: cfg.User, Host: host, Port: int(cfg.Addr.Port())}}
	p.dcc = sipgo.NewDialogClientCache(p.client, p.contact)
	p.dsc = sipgo.NewDialogServerCache(p.client, p.contact)
	p.srv.OnInvite(p.onInvite)
	p.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = p.dsc.ReadAck(req, tx) })
	p.srv.OnBye(p.onBye)
	p.srv.OnOptions(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	return p, nil
}

// Addr is the phone's SIP address.
func (p *Phone) Addr() netip.AddrPort { return p.cfg.Addr }

// User is the phone's extension.
func (p *Phone) User() string { return p.cfg.User }

// Serve reads SIP until ctx is done, then closes the phone's socket.
func (p *Phone) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- p.srv.ServeUDP(p.conn) }()
	// The client reuses the listening socket only once ServeUDP has put it
	// in the transport's pool: wait for that before anything is sent.
	go func() {
		for i := 0; i < 500; i++ {
			if c, _ := p.srv.TransportLayer().GetConnection("udp", p.cfg.Addr.String()); c != nil {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		close(p.ready)
	}()
	select {
	case <-ctx.Done():
		p.conn.Close()
		<-errc
		p.ua.Close()
		return nil
	case err := <-errc:
		p.ua.Close()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		return err
	}
}

// Incoming delivers the calls the phone answered.
func (p *Phone) Incoming() <-chan *Call { return p.incoming }

// Register sends REGISTER to registrar and answers a digest challenge with
// the phone's password (RFC 3261 §10, §22.2). It returns the final status;
// an error response is a *RejectedError.
func (p *Phone) Register(ctx context.Context, registrar netip.AddrPort, expires int) (int, error) {
	if err := p.waitReady(ctx); err != nil {
		return 0, err
	}
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: p.cfg.Domain})
	req.SetDestination(registrar.String())
	aor := sip.Uri{Scheme: "sip", User: p.cfg.User, Host: p.cfg.Domain}
	fromParams := sip.NewParams()
	fromParams.Add("tag", p.tag())
	req.AppendHeader(&sip.FromHeader{Address: aor, Params: fromParams})
	req.AppendHeader(&sip.ToHeader{Address: aor, Params: sip.NewParams()})
	c := p.contact
	req.AppendHeader(&c)
	req.AppendHeader(sip.NewHeader("Expires", itoa(expires)))
	res, err := p.client.Do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("phone %s: register: %w", p.cfg.User, err)
	}
	if res.StatusCode == 401 || res.StatusCode == 407 {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: p.cfg.User, Password: p.cfg.Password})
		if err != nil {
			return 0, fmt.Errorf("phone %s: register: %w", p.cfg.User, err)
		}
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, &RejectedError{Method: "REGISTER", Status: res.StatusCode, Reason: res.Reason}
	}
	return res.StatusCode, nil
}

func (p *Phone) tag() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("%016x", p.rng.Uint64())
}

// newMedia binds the next RTP/RTCP pair of the phone.
func (p *Phone) newMedia() (*media, error) {
	p.mu.Lock()
	port := p.nextPort
	p.mu.Unlock()
	rtpc, rtcpc, port, err := listenMedia(p.cfg.Addr.Addr(), port)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.nextPort = port + 2
	m := &media{log: p.log, rawRTP: rtpc, rawRTCP: rtcpc, port: port,
		ssrc: p.rng.Uint32(), seq: uint16(p.rng.Uint32()), ts: p.rng.Uint32(),
		toneHz: p.cfg.ToneHz, rtcpInterval: p.cfg.RTCPInterval, delay: p.cfg.MediaDelay}
	p.mu.Unlock()
	return m, nil
}

func (p *Phone) sdpAddr() netip.Addr {
	if p.cfg.SDPAddr.IsValid() {
		return p.cfg.SDPAddr
	}
	return p.cfg.Addr.Addr()
}

// waitReady waits until Serve runs.
func (p *Phone) waitReady(ctx context.Context) error {
	select {
	case <-p.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("phone %s: not serving: %w", p.cfg.User, ctx.Err())
	}
}
