package b2bua

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

// Contact is one registered binding of an extension.
type Contact struct {
	URI       string         // the Contact URI the phone registered
	Addr      netip.AddrPort // where its requests came from (sent there: NAT)
	Transport string         // "udp", "tcp"...
}

// Locator returns the registered contacts of an extension.
type Locator interface{ Contacts(user string) []Contact }

// Authenticator authenticates a caller. When ok is false it has already
// answered the request (407 with a challenge, or 403).
type Authenticator interface {
	Authenticate(req *sip.Request, tx sip.ServerTransaction) (user string, ok bool)
}

// Extension is what the B2BUA needs to know of an extension.
type Extension struct {
	Number string
	Codecs []string // allowed codecs in priority order; empty: Config.Codecs
	Relay  bool     // media through the PBX's relay
}

// Metrics receives counts; every method must be cheap. A nil Metrics is
// allowed.
type Metrics interface {
	CallStarted()
	CallEnded(status int)
	PacketsRelayed(n uint64)
	MediaQuality(d cdr.Direction)
}

// Relay modes of Config.RelayMode.
const (
	RelayAlways = "always"
	RelayNever  = "never" // unless an extension asks for it
	RelayAuto   = "auto"  // when the caller is behind NAT or an extension asks
)

// Config configures a B2BUA.
type Config struct {
	Domain string
	UA     *sipgo.UserAgent
	// Client sends both legs' requests; create it with
	// sipgo.WithClientConnectionAddr so that signalling leaves from the
	// listening port.
	Client  *sipgo.Client
	Locator Locator
	Auth    Authenticator // nil: no authentication
	// Contact is the address put in the Contact header of both legs (the
	// listening address). A zero port lets sipgo fill it from the
	// connection for requests.
	Contact   netip.AddrPort
	Extension func(number string) (Extension, bool)
	Codecs    []string // global priority order
	RelayMode string   // always | never | auto ("" = auto)
	Relay     *relay.Relay
	OnCDR     func(cdr.Record)
	Metrics   Metrics
	Logger    *slog.Logger
	Now       func() time.Time
	// RingTimeout ends an unanswered call with 480 (default 60 s).
	RingTimeout time.Duration
	// Overloaded, when set and true, makes new INVITEs get 503 with
	// Retry-After, as Refuse does (load shedding: in-dialog requests and
	// calls under way go on). nil: never.
	Overloaded func() bool
}

// CallInfo describes an active call (admin API).
type CallInfo struct {
	CallID string     `json:"call_id"`
	From   string     `json:"from"`
	To     string     `json:"to"`
	State  string     `json:"state"` // "ringing" or "answered"
	Start  time.Time  `json:"start"`
	Answer *time.Time `json:"answer,omitempty"`
	Media  string     `json:"media"`
	Codec  string     `json:"codec"`
}

// B2BUA relays calls between extensions. It is safe for concurrent use.
type B2BUA struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	dua    *sipgo.DialogUA
	refuse atomic.Bool

	mu     sync.Mutex
	calls  map[string]*call      // by caller Call-ID
	legs   map[string]*call      // by callee-leg Call-ID
	queues map[string]*respQueue // responses of outgoing INVITEs, by Call-ID
	wg     sync.WaitGroup
}

// New checks cfg and returns a B2BUA. It registers a transport-layer
// message handler on cfg.UA, so call it before the UA serves.
func New(cfg Config) (*B2BUA, error) {
	if cfg.UA == nil || cfg.Client == nil || cfg.Locator == nil || cfg.Extension == nil {
		return nil, fmt.Errorf("%w: UA, Client, Locator and Extension are required", ErrConfig)
	}
	switch cfg.RelayMode {
	case "":
		cfg.RelayMode = RelayAuto
	case RelayAlways, RelayNever, RelayAuto:
	default:
		return nil, fmt.Errorf("%w: relay mode %q (want always, never or auto)", ErrConfig, cfg.RelayMode)
	}
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = 60 * time.Second
	}
	b := &B2BUA{cfg: cfg, log: cfg.Logger, now: cfg.Now,
		calls: map[string]*call{}, legs: map[string]*call{}, queues: map[string]*respQueue{}}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.log = b.log.With("component", "b2bua")
	if b.now == nil {
		b.now = time.Now
	}
	host, port := cfg.Client.Hostname(), 0
	if cfg.Contact.IsValid() {
		host, port = cfg.Contact.Addr().String(), int(cfg.Contact.Port())
	}
	b.dua = &sipgo.DialogUA{
		Client:     cfg.Client,
		ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: host, Port: port}},
		// Requests inside a dialog go where the peer's messages came from
		// (phones behind NAT register private Contacts).
		RewriteContact: true,
	}
	cfg.UA.TransportLayer().OnMessage(b.onMessage)
	return b, nil
}

// Attach registers the B2BUA's request handlers on srv.
func (b *B2BUA) Attach(srv *sipgo.Server) {
	srv.OnInvite(b.safe(b.onInvite))
	srv.OnAck(b.safe(b.onAck))
	srv.OnBye(b.safe(b.onBye))
	srv.OnCancel(b.safe(b.onCancel))
	srv.OnUpdate(b.safe(b.onInDialog))
	srv.OnInfo(b.safe(b.onInDialog))
	srv.OnPrack(b.safe(b.onPrack))
}

// safe recovers a panic of a handler: sipgo has no recovery of its own, and
// nothing a peer sends may crash the PBX. The request gets a 500 (an ACK,
// which has no response, is only logged).
func (b *B2BUA) safe(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("handler panic", "method", string(req.Method), "src", req.Source(), "panic", fmt.Sprint(r))
				if req.Method != sip.ACK && tx != nil {
					_ = tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
				}
			}
		}()
		h(req, tx)
	}
}

// Refuse makes new INVITEs get 503 with Retry-After (graceful stop) when on.
func (b *B2BUA) Refuse(on bool) { b.refuse.Store(on) }

// ActiveCalls lists the calls in progress.
func (b *B2BUA) ActiveCalls() []CallInfo {
	b.mu.Lock()
	cs := make([]*call, 0, len(b.calls))
	for _, c := range b.calls {
		cs = append(cs, c)
	}
	b.mu.Unlock()
	out := make([]CallInfo, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.info())
	}
	return out
}

// Drain refuses new calls, ends every active call (BYE on both legs of an
// answered call, CANCEL and 480 for a ringing one) and waits until each has
// written its CDR, or ctx ends.
func (b *B2BUA) Drain(ctx context.Context) error {
	b.Refuse(true)
	b.mu.Lock()
	cs := make([]*call, 0, len(b.calls))
	for _, c := range b.calls {
		cs = append(cs, c)
	}
	b.mu.Unlock()
	for _, c := range cs {
		c.stop(stopDrain)
	}
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrDrain, ctx.Err())
	}
}

// onMessage runs in the transport read loop, in wire order: it queues the
// responses to the B2BUA's outgoing INVITEs for their call.
func (b *B2BUA) onMessage(msg sip.Message) {
	res, ok := msg.(*sip.Response)
	if !ok {
		return
	}
	cs, id := res.CSeq(), res.CallID()
	if cs == nil || id == nil || cs.MethodName != sip.INVITE {
		return
	}
	b.mu.Lock()
	q := b.queues[id.Value()]
	b.mu.Unlock()
	if q != nil {
		q.push(res)
	}
}

func (b *B2BUA) metrics() Metrics {
	if b.cfg.Metrics == nil {
		return nopMetrics{}
	}
	return b.cfg.Metrics
}

type nopMetrics struct{}

func (nopMetrics) CallStarted()               {}
func (nopMetrics) CallEnded(int)              {}
func (nopMetrics) PacketsRelayed(uint64)      {}
func (nopMetrics) MediaQuality(cdr.Direction) {}

// respQueue holds the responses of one outgoing INVITE in arrival order.
type respQueue struct {
	mu     sync.Mutex
	items  []*sip.Response
	notify chan struct{}
}

func newRespQueue() *respQueue { return &respQueue{notify: make(chan struct{}, 1)} }

func (q *respQueue) push(r *sip.Response) {
	q.mu.Lock()
	q.items = append(q.items, r)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *respQueue) pop() *sip.Response {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil
	}
	r := q.items[0]
	q.items = q.items[1:]
	return r
}
