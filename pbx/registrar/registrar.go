package registrar

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/store"
)

// Binding is one registered contact (the store's row).
type Binding = store.Binding

// Authenticator authenticates a REGISTER; when ok is false it has answered.
type Authenticator interface {
	Authenticate(req *sip.Request, tx sip.ServerTransaction) (user string, ok bool)
}

// MaxContacts bounds the bindings of one extension; beyond it the binding
// that expires first is dropped.
const MaxContacts = 16

// Config configures a Registrar.
type Config struct {
	Auth Authenticator // required
	// Store keeps bindings across restarts; nil keeps them in memory only.
	Store *store.Store
	// Expires bounds in seconds (RFC 3261 §10.3 steps 7-8).
	MinExpires, MaxExpires, DefaultExpires int
	// Allow is the Allow header of OPTIONS answers and 405s.
	Allow []string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnChange is called with the number of bindings after each change.
	OnChange func(bindings int)
	Logger   *slog.Logger
}

// Registrar keeps the bindings. It is safe for concurrent use.
type Registrar struct {
	cfg Config
	log *slog.Logger

	mu    sync.RWMutex
	users map[string]map[string]Binding // user → contact URI → binding
	count int

	// dirty are the users whose bindings changed since the last write;
	// Run writes their current bindings. A handler never waits for the
	// store (a slow disk must not turn into SIP retransmissions).
	dirty map[string]bool
}

// New returns a Registrar; call Load to restore stored bindings and Run to
// persist changes.
func New(cfg Config) (*Registrar, error) {
	if cfg.Auth == nil {
		return nil, fmt.Errorf("%w: no authenticator", ErrConfig)
	}
	if cfg.MinExpires <= 0 || cfg.MaxExpires < cfg.MinExpires || cfg.DefaultExpires < cfg.MinExpires || cfg.DefaultExpires > cfg.MaxExpires {
		return nil, fmt.Errorf("%w: expires bounds %d/%d/%d", ErrConfig, cfg.MinExpires, cfg.DefaultExpires, cfg.MaxExpires)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Allow) == 0 {
		cfg.Allow = []string{"INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "REGISTER", "UPDATE", "INFO", "PRACK"}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registrar{cfg: cfg, log: log.With("component", "registrar"), users: map[string]map[string]Binding{},
		dirty: map[string]bool{}}
	return r, nil
}

// Load restores the unexpired bindings from the store.
func (r *Registrar) Load(ctx context.Context) error {
	if r.cfg.Store == nil {
		return nil
	}
	bs, err := r.cfg.Store.Bindings(ctx, r.cfg.Now())
	if err != nil {
		return fmt.Errorf("registrar: load: %w", err)
	}
	r.mu.Lock()
	for _, b := range bs {
		r.putLocked(b)
	}
	n := r.count
	r.mu.Unlock()
	r.log.Info("bindings restored", "count", len(bs))
	r.changed(n)
	return nil
}

// Run writes changed bindings to the store every 100 ms (one transaction:
// the current bindings of each changed user) and drops expired bindings
// every second, until ctx is done; it then writes what changed last and
// returns nil.
func (r *Registrar) Run(ctx context.Context) error {
	flushTick := time.NewTicker(100 * time.Millisecond)
	defer flushTick.Stop()
	expireTick := time.NewTicker(time.Second)
	defer expireTick.Stop()
	for {
		select {
		case <-flushTick.C:
			r.flush(ctx)
		case <-expireTick.C:
			r.expire()
		case <-ctx.Done():
			r.flush(ctx)
			return nil
		}
	}
}

// flush writes the bindings of the users changed since the last flush.
func (r *Registrar) flush(ctx context.Context) {
	if r.cfg.Store == nil {
		return
	}
	r.mu.Lock()
	if len(r.dirty) == 0 {
		r.mu.Unlock()
		return
	}
	var ops []store.BindingOp
	for u := range r.dirty {
		ops = append(ops, store.BindingOp{Delete: true, Binding: Binding{User: u}})
		for _, b := range r.users[u] {
			ops = append(ops, store.BindingOp{Binding: b})
		}
	}
	users := len(r.dirty)
	r.dirty = map[string]bool{}
	r.mu.Unlock()
	// A fresh context: the final flush runs after ctx is done.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.cfg.Store.ApplyBindings(fctx, ops); err != nil {
		r.log.Error("persist bindings", "error", err, "users", users)
	}
}

func (r *Registrar) changed(n int) {
	if r.cfg.OnChange != nil {
		r.cfg.OnChange(n)
	}
}

// expire drops expired bindings from memory (the store drops them on Load).
func (r *Registrar) expire() {
	now := r.cfg.Now()
	r.mu.Lock()
	removed := 0
	for u, m := range r.users {
		for c, b := range m {
			if !b.Expires.After(now) {
				delete(m, c)
				removed++
			}
		}
		if len(m) == 0 {
			delete(r.users, u)
		}
	}
	r.count -= removed
	n := r.count
	r.mu.Unlock()
	if removed > 0 {
		r.changed(n)
	}
}

func (r *Registrar) putLocked(b Binding) {
	m := r.users[b.User]
	if m == nil {
		m = map[string]Binding{}
		r.users[b.User] = m
	}
	if _, ok := m[b.Contact]; !ok {
		r.count++
	}
	m[b.Contact] = b
}

// Contacts returns the live bindings of user, oldest registration first
// (empty when not registered).
func (r *Registrar) Contacts(user string) []Binding {
	now := r.cfg.Now()
	r.mu.RLock()
	m := r.users[user]
	out := make([]Binding, 0, len(m))
	for _, b := range m {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Contact < out[j].Contact })
	return out
}

// Bindings returns every live binding, by user then contact.
func (r *Registrar) Bindings() []Binding {
	now := r.cfg.Now()
	r.mu.RLock()
	out := make([]Binding, 0, r.count)
	for _, m := range r.users {
		for _, b := range m {
			if b.Expires.After(now) {
				out = append(out, b)
			}
		}
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Contact < out[j].Contact
	})
	return out
}

// Count is the number of bindings held (expired ones go within a second).
func (r *Registrar) Count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.count
}

func respond(tx sip.ServerTransaction, res *sip.Response) {
	_ = tx.Respond(res) // the peer is gone or the transport closed: nothing to do
}

// HandleOptions answers OPTIONS with 200, Allow and Accept (RFC 3261 §11.2).
func (r *Registrar) HandleOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", strings.Join(r.cfg.Allow, ", ")))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	respond(tx, res)
}

// HandleRegister processes a REGISTER (RFC 3261 §10.3).
func (r *Registrar) HandleRegister(req *sip.Request, tx sip.ServerTransaction) {
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		respond(tx, sip.NewResponseFromRequest(req, 400, "Bad Request", nil))
		return
	}
	// §10.3 step 3 (authenticate) before anything tells the peer about the AOR.
	user, ok := r.cfg.Auth.Authenticate(req, tx)
	if !ok {
		return
	}
	// §10.3 step 6: the authenticated user may only register its own AOR.
	if to.Address.User != user {
		respond(tx, sip.NewResponseFromRequest(req, 403, "Forbidden", nil))
		r.log.Info("register refused: auth user is not the AOR", "aor", to.Address.User, "user", user, "src", req.Source())
		return
	}
	headerExpires := -1
	if h := req.GetHeader("Expires"); h != nil {
		v, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || v < 0 {
			respond(tx, sip.NewResponseFromRequest(req, 400, "Bad Expires", nil))
			return
		}
		headerExpires = v
	}
	var contacts []*sip.ContactHeader
	star := false
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok { // a header built in code rather than parsed
			c = &sip.ContactHeader{}
			var err error
			if c.DisplayName, err = sip.ParseAddressValue(h.Value(), &c.Address, &c.Params); err != nil {
				respond(tx, sip.NewResponseFromRequest(req, 400, "Bad Contact", nil))
				return
			}
		}
		star = star || c.Address.Wildcard
		contacts = append(contacts, c)
	}
	now := r.cfg.Now()
	src, _ := netip.ParseAddrPort(req.Source())
	callID, cseq := req.CallID().Value(), req.CSeq().SeqNo
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}
	switch {
	case star:
		// §10.3 step 6: "*" only alone and with Expires: 0.
		if len(contacts) != 1 || headerExpires != 0 {
			respond(tx, sip.NewResponseFromRequest(req, 400, "Invalid Contact *", nil))
			return
		}
		r.mu.Lock()
		r.count -= len(r.users[user])
		delete(r.users, user)
		r.dirty[user] = true
		n := r.count
		r.mu.Unlock()
		r.changed(n)
		r.log.Info("unregistered all", "aor", user, "src", req.Source())
	case len(contacts) > 0:
		type change struct {
			b   Binding
			del bool
		}
		changes := make([]change, 0, len(contacts))
		for _, c := range contacts {
			exp := r.cfg.DefaultExpires
			if headerExpires >= 0 {
				exp = headerExpires
			}
			if v, ok := c.Params.Get("expires"); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					respond(tx, sip.NewResponseFromRequest(req, 400, "Bad Contact expires", nil))
					return
				}
				exp = n
			}
			// §10.3 step 7: too brief → 423 with Min-Expires (§20.23).
			if exp > 0 && exp < r.cfg.MinExpires {
				res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
				res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(r.cfg.MinExpires)))
				respond(tx, res)
				return
			}
			if exp > r.cfg.MaxExpires {
				exp = r.cfg.MaxExpires
			}
			b := Binding{User: user, Contact: c.Address.String(), Source: src, Transport: req.Transport(),
				Expires: now.Add(time.Duration(exp) * time.Second), CallID: callID, CSeq: cseq, UserAgent: ua}
			changes = append(changes, change{b: b, del: exp == 0})
		}
		r.mu.Lock()
		m := r.users[user]
		// §10.3 step 7: an older CSeq of the same Call-ID does not update.
		for _, ch := range changes {
			if old, ok := m[ch.b.Contact]; ok && old.CallID == callID && old.CSeq > cseq {
				r.mu.Unlock()
				respond(tx, sip.NewResponseFromRequest(req, 500, "Out of order REGISTER", nil))
				return
			}
		}
		if len(changes) > MaxContacts {
			r.mu.Unlock()
			respond(tx, sip.NewResponseFromRequest(req, 403, "Too many contacts", nil))
			return
		}
		fresh := make(map[string]bool, len(changes))
		for _, ch := range changes {
			fresh[ch.b.Contact] = true
		}
		for _, ch := range changes {
			if ch.del {
				if _, ok := m[ch.b.Contact]; ok {
					delete(m, ch.b.Contact)
					r.count--
				}
				continue
			}
			r.putLocked(ch.b)
			m = r.users[user]
		}
		// Over MaxContacts, the bindings that expire first make room
		// (a phone that re-registers from a new port leaves its old binding).
		for len(m) > MaxContacts {
			var oldest Binding
			for c, b := range m {
				if fresh[c] {
					continue // just registered: never evicted by its own request
				}
				if oldest.Contact == "" || b.Expires.Before(oldest.Expires) ||
					(b.Expires.Equal(oldest.Expires) && b.Contact < oldest.Contact) { // deterministic on ties
					oldest = b
				}
			}
			delete(m, oldest.Contact)
			r.count--
		}
		if len(m) == 0 {
			delete(r.users, user)
		}
		r.dirty[user] = true
		n := r.count
		r.mu.Unlock()
		r.changed(n)
		r.log.Debug("registered", "aor", user, "src", req.Source(), "contacts", len(changes))
	}
	// §10.3 step 8: 200 with every current binding and its expiry.
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	for _, b := range r.Contacts(user) {
		var u sip.Uri
		if err := sip.ParseUri(b.Contact, &u); err != nil {
			continue
		}
		left := int(b.Expires.Sub(now).Round(time.Second) / time.Second)
		h := &sip.ContactHeader{Address: u, Params: sip.NewParams()}
		h.Params.Add("expires", strconv.Itoa(left))
		res.AppendHeader(h)
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT") /* RFC 3261 §20.17: RFC 1123 date in GMT */))
	respond(tx, res)
}
