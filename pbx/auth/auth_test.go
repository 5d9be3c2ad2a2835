package auth_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"voiplab/pbx/auth"
)

// fakeTx records what Authenticate answers.
type fakeTx struct {
	sip.ServerTransaction
	mu  sync.Mutex
	res []*sip.Response
}

func (f *fakeTx) Respond(r *sip.Response) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.res = append(f.res, r)
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newAuth(t *testing.T, c *clock, failures *[]string) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Config{
		Realm: "lab.local",
		Password: func(u string) (string, bool) {
			if u == "200" || u == "201" {
				return "pw" + u, true
			}
			return "", false
		},
		NonceLifetime: time.Minute,
		Now:           c.now,
		OnFailure: func(user, src string, err error) {
			if failures != nil {
				*failures = append(*failures, user+":"+err.Error())
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func request(method sip.RequestMethod, ruri string) *sip.Request {
	var u sip.Uri
	if err := sip.ParseUri(ruri, &u); err != nil {
		panic(err)
	}
	req := sip.NewRequest(method, u)
	req.AppendHeader(sip.NewHeader("Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1"))
	req.AppendHeader(sip.NewHeader("From", "<sip:200@lab.local>;tag=1"))
	req.AppendHeader(sip.NewHeader("To", "<sip:200@lab.local>"))
	req.AppendHeader(sip.NewHeader("Call-ID", "c1"))
	req.AppendHeader(sip.NewHeader("CSeq", "1 "+string(method)))
	return req
}

// challenges returns the parsed challenges of a response.
func challenges(t *testing.T, res *sip.Response, name string) []*digest.Challenge {
	t.Helper()
	var out []*digest.Challenge
	for _, h := range res.GetHeaders(name) {
		c, err := digest.ParseChallenge(h.Value())
		if err != nil {
			t.Fatalf("%s: %v", h.Value(), err)
		}
		out = append(out, c)
	}
	return out
}

// answer computes the credentials by hand (RFC 2617 §3.2.2.1 with qop=auth,
// RFC 7616 for SHA-256), independently of the library the server uses.
func answer(alg, user, pw, realm, nonce, method, uri string, nc int, cnonce string) string {
	var h func() hash.Hash = md5.New
	if alg == "SHA-256" {
		h = sha256.New
	}
	H := func(s string) string { x := h(); x.Write([]byte(s)); return hex.EncodeToString(x.Sum(nil)) }
	ha1 := H(user + ":" + realm + ":" + pw)
	ha2 := H(method + ":" + uri)
	resp := H(fmt.Sprintf("%s:%s:%08x:%s:auth:%s", ha1, nonce, nc, cnonce, ha2))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, cnonce="%s", qop=auth, nc=%08x, response="%s"`,
		user, realm, nonce, uri, alg, cnonce, nc, resp)
}

func TestLibraryMatchesRFC7616Example(t *testing.T) {
	// RFC 7616 §3.9.1: the same credentials with MD5 and SHA-256.
	for _, tc := range []struct{ alg, want string }{
		{"MD5", "8ca523f5e9506fed4657c9700eebdbec"},
		{"SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			c, err := digest.Digest(&digest.Challenge{Realm: "http-auth@example.org", Nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
				Algorithm: tc.alg, QOP: []string{"auth"}}, digest.Options{Method: "GET", URI: "/dir/index.html", Count: 1,
				Cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", Username: "Mufasa", Password: "Circle of Life"})
			if err != nil || c.Response != tc.want {
				t.Errorf("response %v %v, want %s", c, err, tc.want)
			}
			// and our hand computation agrees
			h := answer(tc.alg, "Mufasa", "Circle of Life", "http-auth@example.org", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
				"GET", "/dir/index.html", 1, "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
			if !strings.Contains(h, tc.want) {
				t.Errorf("hand computation differs: %s", h)
			}
		})
	}
}

func TestChallenge(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	a := newAuth(t, c, nil)
	t.Run("REGISTER gets 401 with MD5 then SHA-256", func(t *testing.T) {
		tx := &fakeTx{}
		if _, ok := a.Authenticate(request(sip.REGISTER, "sip:lab.local"), tx); ok {
			t.Fatal("authenticated without credentials")
		}
		r := tx.res[0]
		ch := challenges(t, r, "WWW-Authenticate")
		if r.StatusCode != 401 || len(ch) != 2 || ch[0].Algorithm != "MD5" || ch[1].Algorithm != "SHA-256" ||
			!ch[0].SupportsQOP("auth") || ch[0].Realm != "lab.local" || ch[0].Stale {
			t.Errorf("challenge: %v %+v", r.StatusCode, ch)
		}
	})
	t.Run("INVITE gets 407 Proxy-Authenticate", func(t *testing.T) {
		tx := &fakeTx{}
		a.Authenticate(request(sip.INVITE, "sip:201@lab.local"), tx)
		if tx.res[0].StatusCode != 407 || len(challenges(t, tx.res[0], "Proxy-Authenticate")) != 2 {
			t.Errorf("got %v", tx.res[0])
		}
	})
	t.Run("unknown and known users get the same challenge", func(t *testing.T) {
		shape := func(user string) string {
			req := request(sip.REGISTER, "sip:lab.local")
			req.ReplaceHeader(sip.NewHeader("From", "<sip:"+user+"@lab.local>;tag=1"))
			req.ReplaceHeader(sip.NewHeader("To", "<sip:"+user+"@lab.local>"))
			tx := &fakeTx{}
			a.Authenticate(req, tx)
			var b strings.Builder
			fmt.Fprint(&b, tx.res[0].StatusCode, tx.res[0].Reason)
			for _, ch := range challenges(t, tx.res[0], "WWW-Authenticate") {
				ch.Nonce = "N"
				b.WriteString(ch.String())
			}
			return b.String()
		}
		if k, u := shape("200"), shape("999"); k != u {
			t.Errorf("known %s\nunknown %s", k, u)
		}
	})
}

func TestVerify(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	var failures []string
	a := newAuth(t, c, &failures)
	nonce := func(method sip.RequestMethod) string {
		tx := &fakeTx{}
		a.Authenticate(request(method, "sip:lab.local"), tx)
		return challenges(t, tx.res[0], map[bool]string{true: "WWW-Authenticate", false: "Proxy-Authenticate"}[method == sip.REGISTER])[0].Nonce
	}
	with := func(method sip.RequestMethod, ruri, cred string) *sip.Request {
		r := request(method, ruri)
		name := "Authorization"
		if method != sip.REGISTER {
			name = "Proxy-Authorization"
		}
		r.AppendHeader(sip.NewHeader(name, cred))
		return r
	}
	n1 := nonce(sip.REGISTER)
	for _, tc := range []struct {
		name   string
		req    *sip.Request
		want   error
		status int // what Authenticate answers when it refuses
	}{
		{"MD5 qop=auth", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "REGISTER", "sip:lab.local", 1, "abc")), nil, 0},
		{"nc replayed", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "REGISTER", "sip:lab.local", 1, "abc")), auth.ErrReplay, 401},
		{"nc increases", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "REGISTER", "sip:lab.local", 2, "abd")), nil, 0},
		{"SHA-256", with(sip.REGISTER, "sip:lab.local", answer("SHA-256", "201", "pw201", "lab.local", n1, "REGISTER", "sip:lab.local", 3, "x")), nil, 0},
		{"INVITE 407 credentials", with(sip.INVITE, "sip:201@lab.local", answer("SHA-256", "200", "pw200", "lab.local", nonce(sip.INVITE), "INVITE", "sip:201@lab.local", 1, "x")), nil, 0},
		{"wrong password", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "nope", "lab.local", n1, "REGISTER", "sip:lab.local", 9, "abc")), auth.ErrDenied, 401},
		{"unknown user", with(sip.REGISTER, "sip:lab.local", answer("MD5", "999", "pw999", "lab.local", n1, "REGISTER", "sip:lab.local", 10, "abc")), auth.ErrDenied, 401},
		{"digest-uri without the user (SIPp)", with(sip.INVITE, "sip:201@lab.local", answer("MD5", "200", "pw200", "lab.local", nonce(sip.INVITE), "INVITE", "sip:lab.local", 1, "x")), nil, 0},
		{"digest-uri names another user", with(sip.INVITE, "sip:201@lab.local", answer("MD5", "200", "pw200", "lab.local", nonce(sip.INVITE), "INVITE", "sip:202@lab.local", 1, "x")), auth.ErrURI, 403},
		{"digest-uri not the Request-URI", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "REGISTER", "sip:other.test", 11, "abc")), auth.ErrURI, 403},
		{"method in digest differs", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "INVITE", "sip:lab.local", 12, "abc")), auth.ErrDenied, 401},
		{"wrong realm", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "evil", n1, "REGISTER", "sip:lab.local", 13, "abc")), auth.ErrRealm, 403},
		{"forged nonce", with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1[:len(n1)-4]+"AAAA", "REGISTER", "sip:lab.local", 1, "abc")), auth.ErrBadNonce, 401},
		{"empty username and realm", with(sip.REGISTER, "sip:lab.local", `Digest username=`), auth.ErrRealm, 403},
		{"garbage nc", with(sip.REGISTER, "sip:lab.local", `Digest username="200", realm="lab.local", nc=zz`), auth.ErrMalformed, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Check(tc.req)
			if !errors.Is(r.Err, tc.want) {
				t.Fatalf("Check = %+v, want %v", r, tc.want)
			}
		})
	}
	t.Run("Authenticate answers", func(t *testing.T) {
		tx := &fakeTx{}
		req := with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "bad", "lab.local", n1, "REGISTER", "sip:lab.local", 20, "q"))
		before := len(failures)
		if _, ok := a.Authenticate(req, tx); ok || tx.res[0].StatusCode != 401 || len(failures) != before+1 {
			t.Errorf("wrong password: ok=%v res=%v failures=%v", ok, tx.res, failures)
		}
		tx = &fakeTx{}
		req = with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n1, "REGISTER", "sip:lab.local", 21, "q"))
		if u, ok := a.Authenticate(req, tx); !ok || u != "200" || len(tx.res) != 0 {
			t.Errorf("right password: %v %v %v", u, ok, tx.res)
		}
	})
	t.Run("stale nonce", func(t *testing.T) {
		n := nonce(sip.REGISTER)
		c.t = c.t.Add(2 * time.Minute)
		tx := &fakeTx{}
		req := with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "pw200", "lab.local", n, "REGISTER", "sip:lab.local", 1, "q"))
		if _, ok := a.Authenticate(req, tx); ok {
			t.Fatal("stale nonce accepted")
		}
		ch := challenges(t, tx.res[0], "WWW-Authenticate")
		if tx.res[0].StatusCode != 401 || !ch[0].Stale || ch[0].Nonce == n {
			t.Errorf("stale answer: %v %+v", tx.res[0].StatusCode, ch)
		}
		// a stale nonce with a wrong password is a plain failure, not stale
		req = with(sip.REGISTER, "sip:lab.local", answer("MD5", "200", "bad", "lab.local", n, "REGISTER", "sip:lab.local", 2, "q"))
		if r := a.Check(req); r.Stale || !errors.Is(r.Err, auth.ErrDenied) {
			t.Errorf("stale + wrong password: %+v", r)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add(`Digest username="200", realm="lab.local", nonce="x", uri="sip:lab.local", response="00", qop=auth, nc=00000001, cnonce="a"`)
	f.Add(`Digest username="200", realm="lab.local", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uri="sip:lab.local", algorithm=SHA-256, response="00"`)
	f.Add(`Basic xyz`)
	a, _ := auth.New(auth.Config{Realm: "lab.local", Password: func(string) (string, bool) { return "p", true }})
	f.Fuzz(func(t *testing.T, h string) {
		r := request(sip.REGISTER, "sip:lab.local")
		r.AppendHeader(sip.NewHeader("Authorization", h))
		if res := a.Check(r); res.Err == nil {
			t.Fatalf("fuzzed credentials accepted: %q", h)
		}
	})
}

// FuzzParseCredentials: the fast parser agrees with digest.ParseCredentials
// whenever it accepts.
func FuzzParseCredentials(f *testing.F) {
	f.Add(`Digest username="200", realm="lab.local", nonce="abc", uri="sip:lab.local", response="00ff", algorithm=MD5, cnonce="x", qop=auth, nc=00000001`)
	f.Add(`Digest username="200",realm="lab.local",nonce="a b",uri="sip:x",response="1"`)
	f.Add(`Digest  username = "a" , nc=zz`)
	f.Add(`Digest username="a",`)
	f.Add(`Digest username="\"a"`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := auth.ParseCredentialsForTest(s)
		want, werr := digest.ParseCredentials(s)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: fast %v, library %v", s, err, werr)
		}
		if err == nil && *got != *want {
			t.Fatalf("%q:\n fast    %+v\n library %+v", s, got, want)
		}
	})
}
