package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Config configures an Authenticator.
type Config struct {
	// Realm is the digest realm (the PBX domain).
	Realm string
	// Password returns a user's password; ok false for an unknown user.
	Password func(user string) (password string, ok bool)
	// Algorithms are offered in order, one challenge header each (RFC 8760
	// §2.4): "MD5", "SHA-256". Default: MD5, SHA-256.
	Algorithms []string
	// NonceLifetime: an older nonce gets stale=true. Default 5 minutes.
	NonceLifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Key signs nonces; random when nil.
	Key []byte
	// Logger; nil discards.
	Logger *slog.Logger
	// OnFailure is called for every refused attempt that carried
	// credentials (metrics, brute-force detection). It must not block.
	OnFailure func(user, src string, err error)
	// OnSuccess is called for every accepted authentication (a blacklist
	// forgets the source's failures). It must not block.
	OnSuccess func(user, src string)
}

// Authenticator checks SIP digest credentials. It is safe for concurrent use.
type Authenticator struct {
	cfg    Config
	nonces *nonces
	log    *slog.Logger
}

// New returns an Authenticator.
func New(cfg Config) (*Authenticator, error) {
	if cfg.Password == nil {
		return nil, fmt.Errorf("auth: no password lookup")
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"MD5", "SHA-256"}
	}
	for _, a := range cfg.Algorithms {
		if a != "MD5" && a != "SHA-256" {
			return nil, fmt.Errorf("auth: algorithm %q: %w", a, ErrAlgorithm)
		}
	}
	if cfg.NonceLifetime <= 0 {
		cfg.NonceLifetime = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Key == nil {
		cfg.Key = make([]byte, 32)
		if _, err := rand.Read(cfg.Key); err != nil {
			return nil, fmt.Errorf("auth: key: %w", err)
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{cfg: cfg, nonces: newNonces(cfg.Key), log: log.With("component", "auth")}, nil
}

// Result is the outcome of Check.
type Result struct {
	User  string // the authenticated user, or the username the request claimed
	Err   error  // nil when authenticated; one of the package's errors otherwise
	Stale bool   // the credentials were right but the nonce expired: challenge with stale=true
}

// headers returns the challenge and credential header names for a status:
// 401 WWW-Authenticate/Authorization, 407 Proxy-Authenticate/Proxy-Authorization
// (RFC 3261 §22.2, §22.3).
func headers(status int) (challenge, credentials string) {
	if status == 407 {
		return "Proxy-Authenticate", "Proxy-Authorization"
	}
	return "WWW-Authenticate", "Authorization"
}

// statusFor is 401 for REGISTER (a registrar, RFC 3261 §22.2), 407 for the
// other requests (the PBX acts as a proxy for them, §22.3).
func statusFor(req *sip.Request) int {
	if req.Method == sip.REGISTER {
		return 401
	}
	return 407
}

// Check verifies req's credentials for the realm without answering.
func (a *Authenticator) Check(req *sip.Request) Result {
	_, credName := headers(statusFor(req))
	var res Result
	// A request may carry credentials for several realms; use ours.
	for _, h := range req.GetHeaders(credName) {
		cred, err := parseCredentials(h.Value())
		if err != nil {
			res = Result{Err: fmt.Errorf("%w: %v", ErrMalformed, err)}
			continue
		}
		if cred.Realm != a.cfg.Realm {
			res = Result{User: cred.Username, Err: ErrRealm}
			continue
		}
		return a.verify(req, cred)
	}
	if res.Err == nil {
		res.Err = ErrNoCredentials
	}
	return res
}

func (a *Authenticator) verify(req *sip.Request, cred *digest.Credentials) Result {
	res := Result{User: cred.Username}
	alg := strings.ToUpper(cred.Algorithm)
	if alg == "" {
		alg = "MD5" // RFC 2617 §3.2.1: absent means MD5
	}
	offered := false
	for _, o := range a.cfg.Algorithms {
		offered = offered || o == alg
	}
	if !offered || cred.Userhash {
		res.Err = ErrAlgorithm
		return res
	}
	if !sameURI(cred.URI, req.Recipient) {
		res.Err = fmt.Errorf("%w: uri %q, Request-URI %q", ErrURI, cred.URI, req.Recipient.String())
		return res
	}
	id, issued, ok := a.nonces.parse(cred.Nonce)
	if !ok {
		res.Err = ErrBadNonce
		return res
	}
	var qop []string
	switch cred.QOP {
	case "":
		// RFC 2069 compatibility (RFC 3261 §22.4): no nc, the nonce is single use.
	case "auth":
		qop = []string{"auth"}
		if cred.Nc <= 0 || cred.Cnonce == "" {
			res.Err = fmt.Errorf("%w: qop=auth without nc or cnonce", ErrMalformed)
			return res
		}
	default:
		res.Err = fmt.Errorf("%w: qop %q not offered", ErrMalformed, cred.QOP)
		return res
	}
	password, known := a.cfg.Password(cred.Username)
	if !known {
		password = "\x00unknown" // compute anyway: same work for unknown users
	}
	want, err := digest.Digest(&digest.Challenge{Realm: a.cfg.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: qop},
		digest.Options{Method: string(req.Method), URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce,
			Username: cred.Username, Password: password})
	if err != nil {
		res.Err = fmt.Errorf("%w: %v", ErrMalformed, err)
		return res
	}
	// RFC 3261 §22.4: compare the request-digest; constant time.
	match := subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) == 1
	if !match || !known {
		res.Err = ErrDenied
		return res
	}
	if a.cfg.Now().Sub(issued) > a.cfg.NonceLifetime || a.nonces.tooOld(id) {
		res.Err, res.Stale = ErrStale, true
		return res
	}
	nc := uint32(cred.Nc)
	if cred.QOP == "" {
		nc = 1
	}
	if !a.nonces.use(id, nc) {
		res.Err = ErrReplay
		return res
	}
	return res
}

// sameURI compares the digest-uri with the Request-URI (RFC 2617 §3.2.2.5,
// RFC 3261 §22.4): scheme, host and port must match, and the user part when
// the digest-uri has one. A digest-uri without the user is accepted because
// SIPp 3.6.1 (and some phones) put sip:host:port there for an INVITE to
// sip:user@host:port; a credential made for another server still fails.
func sameURI(raw string, ruri sip.Uri) bool {
	var u sip.Uri
	if err := sip.ParseUri(raw, &u); err != nil {
		return false
	}
	port := func(p int) int {
		if p == 0 {
			return 5060
		}
		return p
	}
	return strings.EqualFold(u.Scheme, ruri.Scheme) && (u.User == "" || u.User == ruri.User) &&
		strings.EqualFold(u.Host, ruri.Host) && port(u.Port) == port(ruri.Port)
}

// Challenge builds a 401 (REGISTER) or 407 response carrying one challenge
// per offered algorithm, each with a fresh nonce and qop="auth".
func (a *Authenticator) Challenge(req *sip.Request, stale bool) *sip.Response {
	status := statusFor(req)
	reason := "Unauthorized"
	if status == 407 {
		reason = "Proxy Authentication Required"
	}
	res := sip.NewResponseFromRequest(req, status, reason, nil)
	chName, _ := headers(status)
	nonce := a.nonces.issue(a.cfg.Now())
	for _, alg := range a.cfg.Algorithms {
		c := digest.Challenge{Realm: a.cfg.Realm, Nonce: nonce, Algorithm: alg, QOP: []string{"auth"}, Stale: stale}
		res.AppendHeader(sip.NewHeader(chName, c.String()))
	}
	return res
}

// Authenticate checks req's credentials for realm (401 for REGISTER, 407 for
// others). On failure it has already answered tx (a 401/407 challenge, with
// stale=true for an expired nonce, or 403 for credentials that can never
// succeed: wrong realm or digest-uri) and returns ok=false.
func (a *Authenticator) Authenticate(req *sip.Request, tx sip.ServerTransaction) (user string, ok bool) {
	r := a.Check(req)
	if r.Err == nil {
		if a.cfg.OnSuccess != nil {
			a.cfg.OnSuccess(r.User, req.Source())
		}
		return r.User, true
	}
	var res *sip.Response
	switch {
	case errors.Is(r.Err, ErrRealm), errors.Is(r.Err, ErrURI):
		res = sip.NewResponseFromRequest(req, 403, "Forbidden", nil)
	default:
		res = a.Challenge(req, r.Stale)
	}
	if !errors.Is(r.Err, ErrNoCredentials) && !r.Stale {
		a.log.Info("authentication failed", "method", string(req.Method), "src", req.Source(), "reason", r.Err.Error())
		if a.cfg.OnFailure != nil {
			a.cfg.OnFailure(r.User, req.Source(), r.Err)
		}
	}
	if err := tx.Respond(res); err != nil {
		a.log.Debug("respond", "error", err)
	}
	return r.User, false
}
