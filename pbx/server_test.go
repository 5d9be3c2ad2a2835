package pbx_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"voiplab/pbx"
	"voiplab/pbx/admin"
	"voiplab/pbx/config"
	"voiplab/pbx/pbxtest"
)

// testConfig: extensions 200-202 with password pw<ext>, drain 0.
func testConfig() config.Config {
	c := config.DefaultConfig()
	c.Extensions = nil
	for _, n := range []string{"200", "201", "202"} {
		c.Extensions = append(c.Extensions, config.Extension{Number: n, Password: config.Secret("pw" + n)})
	}
	c.DrainTime = 0
	c.Security.NonceLifetime = config.Duration(time.Minute)
	return c
}

// fakeClock is time.Now plus an offset that a test moves forward.
type fakeClock struct{ off atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// phone is a sipgo client that builds REGISTERs by hand, so that a test
// controls every credential field.
type phone struct {
	t      *testing.T
	client *sipgo.Client
	ua     *sipgo.UserAgent
	pbx    string // host:port
	tcp    bool
	cseq   uint32
	callID string
}

func newPhone(t *testing.T, r *pbxtest.Running, tcp bool) *phone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-phone"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); ua.Close() })
	addr := r.UDP.String()
	if tcp {
		addr = r.TCP.String()
	}
	return &phone{t: t, client: c, ua: ua, pbx: addr, tcp: tcp, callID: fmt.Sprintf("reg-%d", time.Now().UnixNano())}
}

func (p *phone) ruri() string {
	if p.tcp {
		return "sip:" + p.pbx + ";transport=tcp"
	}
	return "sip:" + p.pbx
}

// register sends one REGISTER with the given extra headers and returns the
// final response.
func (p *phone) register(user string, contacts []string, expires string, extra ...sip.Header) *sip.Response {
	p.t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(p.ruri(), &u); err != nil {
		p.t.Fatal(err)
	}
	req := sip.NewRequest(sip.REGISTER, u)
	req.AppendHeader(sip.NewHeader("From", "<sip:"+user+"@lab.local>;tag=t"+user))
	req.AppendHeader(sip.NewHeader("To", "<sip:"+user+"@lab.local>"))
	req.AppendHeader(sip.NewHeader("Call-ID", p.callID))
	p.cseq++
	req.AppendHeader(sip.NewHeader("CSeq", fmt.Sprintf("%d REGISTER", p.cseq)))
	for _, c := range contacts {
		req.AppendHeader(sip.NewHeader("Contact", c))
	}
	if expires != "" {
		req.AppendHeader(sip.NewHeader("Expires", expires))
	}
	for _, h := range extra {
		req.AppendHeader(h)
	}
	if p.tcp {
		req.SetTransport("TCP")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err != nil {
		p.t.Fatalf("REGISTER: %v", err)
	}
	return res
}

// challenge picks the challenge of an algorithm from a 401.
func challenge(t *testing.T, res *sip.Response, alg string) *digest.Challenge {
	t.Helper()
	if res.StatusCode != 401 {
		t.Fatalf("want 401, got %d %s", res.StatusCode, res.Reason)
	}
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		c, err := digest.ParseChallenge(h.Value())
		if err != nil {
			t.Fatal(err)
		}
		if c.Algorithm == alg {
			return c
		}
	}
	t.Fatalf("no %s challenge in %v", alg, res)
	return nil
}

func (p *phone) credentials(ch *digest.Challenge, user, pw string, nc int) sip.Header {
	c, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: p.ruri(), Count: nc, Username: user, Password: pw})
	if err != nil {
		p.t.Fatal(err)
	}
	return sip.NewHeader("Authorization", c.String())
}

func contactExpires(res *sip.Response) map[string]string {
	out := map[string]string{}
	for _, h := range res.GetHeaders("Contact") {
		c := h.(*sip.ContactHeader)
		e, _ := c.Params.Get("expires")
		out[c.Address.String()] = e
	}
	return out
}

func TestRegister(t *testing.T) {
	clock := &fakeClock{}
	r := pbxtest.Start(t, testConfig(), pbx.WithClock(clock.now))
	for _, tc := range []struct {
		name string
		tcp  bool
		alg  string
	}{{"MD5 over UDP", false, "MD5"}, {"SHA-256 over UDP", false, "SHA-256"}, {"MD5 over TCP", true, "MD5"}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPhone(t, r, tc.tcp)
			ct := "<sip:200@127.0.0.1:5999>"
			res := p.register("200", []string{ct}, "3600")
			ch := challenge(t, res, tc.alg)
			if !ch.SupportsQOP("auth") || ch.Realm != "lab.local" {
				t.Errorf("challenge %+v", ch)
			}
			res = p.register("200", []string{ct}, "3600", p.credentials(ch, "200", "pw200", 1))
			if res.StatusCode != 200 {
				t.Fatalf("got %d %s", res.StatusCode, res.Reason)
			}
			if e := contactExpires(res)["sip:200@127.0.0.1:5999"]; e != "3600" {
				t.Errorf("200 contacts %v", contactExpires(res))
			}
		})
	}

	t.Run("wrong password is challenged again", func(t *testing.T) {
		p := newPhone(t, r, false)
		ch := challenge(t, p.register("201", []string{"<sip:201@127.0.0.1:5998>"}, ""), "MD5")
		res := p.register("201", []string{"<sip:201@127.0.0.1:5998>"}, "", p.credentials(ch, "201", "wrong", 1))
		if res.StatusCode != 401 {
			t.Errorf("got %d", res.StatusCode)
		}
	})
	t.Run("unknown user gets the same challenge", func(t *testing.T) {
		p := newPhone(t, r, false)
		shape := func(res *sip.Response) string {
			var b strings.Builder
			fmt.Fprint(&b, res.StatusCode, res.Reason)
			for _, h := range res.GetHeaders("WWW-Authenticate") {
				c, _ := digest.ParseChallenge(h.Value())
				c.Nonce = ""
				b.WriteString(c.String())
			}
			return b.String()
		}
		known := p.register("200", []string{"<sip:200@127.0.0.1:5997>"}, "")
		unknown := p.register("299", []string{"<sip:299@127.0.0.1:5997>"}, "")
		if shape(known) != shape(unknown) {
			t.Errorf("known %s\nunknown %s", shape(known), shape(unknown))
		}
		// and an unknown user with credentials is challenged like a wrong password
		res := p.register("299", []string{"<sip:299@127.0.0.1:5997>"}, "", p.credentials(challenge(t, unknown, "MD5"), "299", "pw299", 1))
		if res.StatusCode != 401 {
			t.Errorf("unknown user with credentials: %d", res.StatusCode)
		}
	})
	t.Run("nc replay refused, next nc accepted", func(t *testing.T) {
		p := newPhone(t, r, false)
		ct := []string{"<sip:202@127.0.0.1:5996>"}
		ch := challenge(t, p.register("202", ct, ""), "MD5")
		if res := p.register("202", ct, "", p.credentials(ch, "202", "pw202", 1)); res.StatusCode != 200 {
			t.Fatalf("first use: %d", res.StatusCode)
		}
		if res := p.register("202", ct, "", p.credentials(ch, "202", "pw202", 1)); res.StatusCode != 401 {
			t.Errorf("replayed nc: %d", res.StatusCode)
		}
		if res := p.register("202", ct, "", p.credentials(ch, "202", "pw202", 2)); res.StatusCode != 200 {
			t.Errorf("nc 2: %d", res.StatusCode)
		}
	})
	t.Run("stale nonce", func(t *testing.T) {
		p := newPhone(t, r, false)
		ct := []string{"<sip:202@127.0.0.1:5996>"}
		ch := challenge(t, p.register("202", ct, ""), "MD5")
		clock.advance(2 * time.Minute)
		res := p.register("202", ct, "", p.credentials(ch, "202", "pw202", 1))
		if c := challenge(t, res, "MD5"); !c.Stale || c.Nonce == ch.Nonce {
			t.Errorf("stale challenge %+v", c)
		}
	})
	t.Run("authenticated as another user", func(t *testing.T) {
		p := newPhone(t, r, false)
		ch := challenge(t, p.register("201", []string{"<sip:201@127.0.0.1:5995>"}, ""), "MD5")
		// credentials of 200 for the AOR of 201
		if res := p.register("201", []string{"<sip:201@127.0.0.1:5995>"}, "", p.credentials(ch, "200", "pw200", 1)); res.StatusCode != 403 {
			t.Errorf("got %d", res.StatusCode)
		}
	})
}

// registerOK registers with digest and returns the 200.
func (p *phone) registerOK(user string, contacts []string, expires string) *sip.Response {
	p.t.Helper()
	res := p.register(user, contacts, expires)
	if res.StatusCode != 401 {
		return res
	}
	ch := challenge(p.t, res, "MD5")
	return p.register(user, contacts, expires, p.credentials(ch, user, "pw"+user, 1))
}

func TestBindings(t *testing.T) {
	r := pbxtest.Start(t, testConfig())
	p := newPhone(t, r, false)
	a, b := "<sip:200@127.0.0.1:6001>", "<sip:200@127.0.0.1:6002>"
	t.Run("423 interval too brief", func(t *testing.T) {
		res := p.registerOK("200", []string{a}, "10")
		if res.StatusCode != 423 || res.GetHeader("Min-Expires") == nil || res.GetHeader("Min-Expires").Value() != "60" {
			t.Errorf("got %v", res)
		}
	})
	t.Run("two contacts, max_expires caps", func(t *testing.T) {
		res := p.registerOK("200", []string{a, b + ";expires=120"}, "7200")
		got := contactExpires(res)
		if res.StatusCode != 200 || got["sip:200@127.0.0.1:6001"] != "3600" || got["sip:200@127.0.0.1:6002"] != "120" {
			t.Errorf("got %d %v", res.StatusCode, got)
		}
	})
	t.Run("un-REGISTER one contact", func(t *testing.T) {
		res := p.registerOK("200", []string{b}, "0")
		got := contactExpires(res)
		if res.StatusCode != 200 || len(got) != 1 || got["sip:200@127.0.0.1:6001"] == "" {
			t.Errorf("got %d %v", res.StatusCode, got)
		}
	})
	t.Run("query without contact", func(t *testing.T) {
		res := p.registerOK("200", nil, "")
		if got := contactExpires(res); res.StatusCode != 200 || len(got) != 1 {
			t.Errorf("got %d %v", res.StatusCode, got)
		}
	})
	t.Run("star needs Expires 0", func(t *testing.T) {
		if res := p.registerOK("200", []string{"*"}, "60"); res.StatusCode != 400 {
			t.Errorf("got %d", res.StatusCode)
		}
	})
	t.Run("star removes all", func(t *testing.T) {
		p.registerOK("200", []string{b}, "600")
		res := p.registerOK("200", []string{"*"}, "0")
		if got := contactExpires(res); res.StatusCode != 200 || len(got) != 0 {
			t.Errorf("got %d %v", res.StatusCode, got)
		}
		var st admin.Status
		if err := (admin.Client{Addr: r.Admin}).Get(context.Background(), "/status", &st); err != nil || st.Registrations != 0 {
			t.Errorf("status %+v %v", st, err)
		}
	})
}

func TestRestartKeepsRegistrations(t *testing.T) {
	cfg := testConfig()
	cfg.DataDir = t.TempDir()
	r := pbxtest.Start(t, cfg)
	p := newPhone(t, r, false)
	if res := p.registerOK("201", []string{"<sip:201@127.0.0.1:6100>"}, "600"); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	if res := p.registerOK("202", []string{"<sip:202@127.0.0.1:6101>"}, "60"); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	r2 := pbxtest.Start(t, cfg)
	var regs []struct {
		User, Contact string
		Expires       time.Time
	}
	if err := (admin.Client{Addr: r2.Admin}).Get(context.Background(), "/registrations", &regs); err != nil {
		t.Fatal(err)
	}
	if len(regs) != 2 || regs[0].User != "201" || regs[0].Contact != "sip:201@127.0.0.1:6100" || time.Until(regs[0].Expires) < 590*time.Second {
		t.Errorf("after restart: %+v", regs)
	}
}

func TestOptionsAndBadInput(t *testing.T) {
	r := pbxtest.Start(t, testConfig())
	p := newPhone(t, r, false)
	// garbage and a REGISTER without CSeq first: the PBX must keep serving
	c, err := net.Dial("udp", r.UDP.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, junk := range []string{"\x00\x01garbage", "REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: 99\r\n\r\nshort"} {
		c.Write([]byte(junk))
	}
	var u sip.Uri
	sip.ParseUri(p.ruri(), &u)
	req := sip.NewRequest(sip.OPTIONS, u)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	allow := res.GetHeader("Allow")
	if res.StatusCode != 200 || allow == nil || !strings.Contains(allow.Value(), "REGISTER") || !strings.Contains(allow.Value(), "INVITE") ||
		res.GetHeader("Accept") == nil || res.GetHeader("Accept").Value() != "application/sdp" {
		t.Errorf("OPTIONS: %v", res)
	}
}

func TestGeneratedPasswords(t *testing.T) {
	cfg := config.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.DrainTime = 0
	var got []string
	r := pbxtest.Start(t, cfg, pbx.WithNewPassword(func(n, p string) { got = append(got, n+"="+p) }))
	if len(got) != 10 || !strings.HasPrefix(got[0], "200=") || len(got[0]) != 4+16 {
		t.Fatalf("generated %v", got)
	}
	first, _ := r.Server.Password("200")
	r.Stop()
	got = nil
	r2 := pbxtest.Start(t, cfg, pbx.WithNewPassword(func(n, p string) { got = append(got, n+"="+p) }))
	if again, _ := r2.Server.Password("200"); len(got) != 0 || again != first {
		t.Errorf("second start generated %v, password %q then %q", got, first, again)
	}
}

func TestMetrics(t *testing.T) {
	r := pbxtest.Start(t, testConfig())
	p := newPhone(t, r, false)
	ch := challenge(t, p.register("200", []string{"<sip:200@127.0.0.1:6200>"}, ""), "MD5")
	p.register("200", []string{"<sip:200@127.0.0.1:6200>"}, "", p.credentials(ch, "200", "bad", 1))
	p.registerOK("201", []string{"<sip:201@127.0.0.1:6201>"}, "")
	res, err := (&httpGetter{}).get("http://" + r.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"voiplab_pbx_auth_failures_total 1\n", "voiplab_pbx_registrations 1\n", "voiplab_pbx_active_calls 0\n"} {
		if !strings.Contains(res, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
