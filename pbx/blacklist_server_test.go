package pbx_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/pbx"
	"voiplab/pbx/admin"
	"voiplab/pbx/pbxtest"
)

// newPhoneFrom is newPhone sending from another loopback address.
func newPhoneFrom(t *testing.T, r *pbxtest.Running, ip string) *phone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-phone"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname(ip), sipgo.WithClientConnectionAddr(ip+":0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); ua.Close() })
	return &phone{t: t, client: c, ua: ua, pbx: r.UDP.String(), callID: fmt.Sprintf("bl-%s-%d", ip, time.Now().UnixNano())}
}

// unanswered sends a REGISTER and reports whether no response came within d.
func (p *phone) unanswered(user string, d time.Duration) bool {
	p.t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(p.ruri(), &u); err != nil {
		p.t.Fatal(err)
	}
	req := sip.NewRequest(sip.REGISTER, u)
	req.AppendHeader(sip.NewHeader("From", "<sip:"+user+"@lab.local>;tag=t"+user))
	req.AppendHeader(sip.NewHeader("To", "<sip:"+user+"@lab.local>"))
	req.AppendHeader(sip.NewHeader("Call-ID", p.callID+"-probe"))
	p.cseq++
	req.AppendHeader(sip.NewHeader("CSeq", fmt.Sprintf("%d REGISTER", p.cseq)))
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := p.client.Do(ctx, req)
	return err != nil
}

// TestBlacklistAfterFailedAuth: security.max_failed_auth failures in a row
// from one address blacklist it for blacklist_seconds (its requests are
// dropped unanswered), a success in between starts the count again, other
// addresses are served meanwhile, and the ban ends.
func TestBlacklistAfterFailedAuth(t *testing.T) {
	clock := &fakeClock{}
	cfg := testConfig()
	cfg.Security.MaxFailedAuth = 3
	cfg.Security.BlacklistSeconds = 60
	r := pbxtest.Start(t, cfg, pbx.WithClock(clock.now))
	ct := []string{"<sip:201@127.0.0.1:5990>"}

	attacker := newPhone(t, r, false) // from 127.0.0.1
	ch := challenge(t, attacker.register("201", ct, ""), "MD5")
	nc := 0
	guess := func(pw string) int {
		nc++
		return attacker.register("201", ct, "", attacker.credentials(ch, "201", pw, nc)).StatusCode
	}
	for _, pw := range []string{"1234", "admin"} {
		if got := guess(pw); got != 401 {
			t.Fatalf("wrong password %q: got %d, want 401", pw, got)
		}
	}
	if got := guess("pw201"); got != 200 {
		t.Fatalf("right password: got %d", got)
	}
	for _, pw := range []string{"0000", "secret", "letmein"} { // three in a row
		if got := guess(pw); got != 401 {
			t.Fatalf("wrong password %q: got %d, want 401 (the third failure is still answered)", pw, got)
		}
	}
	if !attacker.unanswered("201", 1500*time.Millisecond) {
		t.Fatal("a blacklisted source is still answered")
	}

	friend := newPhoneFrom(t, r, "127.0.0.2")
	fch := challenge(t, friend.register("202", []string{"<sip:202@127.0.0.2:5990>"}, ""), "MD5")
	if res := friend.register("202", []string{"<sip:202@127.0.0.2:5990>"}, "", friend.credentials(fch, "202", "pw202", 1)); res.StatusCode != 200 {
		t.Fatalf("another source during the ban: got %d", res.StatusCode)
	}

	body, err := httpGetter{}.get("http://" + r.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"voiplab_pbx_blacklisted_total 1", "voiplab_pbx_auth_failures_total 5"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(body, "voiplab_pbx_blacklist_drops_total") || strings.Contains(body, "voiplab_pbx_blacklist_drops_total 0\n") {
		t.Error("no dropped message counted")
	}

	var st admin.Status
	if err := (admin.Client{Addr: r.Admin}).Get(context.Background(), "/status", &st); err != nil {
		t.Fatal(err)
	}
	if st.BlacklistedCount != 1 || len(st.Blacklisted) != 1 || st.Blacklisted[0].Addr != "127.0.0.1" {
		t.Errorf("/status blacklisted %d: %+v", st.BlacklistedCount, st.Blacklisted)
	}

	clock.advance(61 * time.Second)
	if res := attacker.register("201", ct, ""); res.StatusCode != 401 {
		t.Fatalf("after the ban: got %d, want a 401 challenge", res.StatusCode)
	}
}
