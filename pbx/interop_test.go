//go:build interop

package pbx_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"voiplab/pbx/config"
	"voiplab/pbx/pbxtest"
)

// peers is ../shared/peers (VOIPLAB_PEERS overrides).
func peers(t *testing.T) string {
	d := os.Getenv("VOIPLAB_PEERS")
	if d == "" {
		d = "../../shared/peers"
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "sipp-reg.sh")); err != nil {
		t.Fatalf("peers scripts not found in %s (set VOIPLAB_PEERS): %v", abs, err)
	}
	return abs
}

// peerConfig: extensions 200-209 with password pw<ext>, as the peer scripts use.
func peerConfig() config.Config {
	c := config.DefaultConfig()
	c.Extensions = nil
	for n := 200; n <= 209; n++ {
		s := strconv.Itoa(n)
		c.Extensions = append(c.Extensions, config.Extension{Number: s, Password: config.Secret("pw" + s)})
	}
	c.DrainTime = 0
	return c
}

// keyValues runs a peer script and parses its key=value lines.
func keyValues(t *testing.T, env []string, timeout time.Duration, name string, args ...string) (map[string]string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.ContainsAny(k, " {\"") {
			kv[k] = v
		}
	}
	return kv, string(out), err
}

func TestInteropSIPpRegister(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Fatal("sipp is not installed (../shared/peers/install.sh)")
	}
	p := peers(t)
	r := pbxtest.Start(t, peerConfig())
	for _, tc := range []struct {
		name string
		env  []string
	}{{"udp", nil}, {"tcp", []string{"TRANSPORT=t1"}}} {
		t.Run(tc.name, func(t *testing.T) {
			// 10 users, 50 registrations/s for 4 s: 200 digest registrations
			kv, out, err := keyValues(t, tc.env, 60*time.Second, filepath.Join(p, "sipp-reg.sh"), r.UDP.String(), "10", "50", "4")
			if err != nil || kv["successful"] != "200" || kv["failed"] != "0" {
				t.Fatalf("sipp-reg: %v %v\n%s", err, kv, out)
			}
		})
	}
}

func TestInteropSIPVicious(t *testing.T) {
	for _, tool := range []string{"svmap", "svwar", "svcrack"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (sipvicious, ../shared/peers/install.sh)", tool)
		}
	}
	p := peers(t)
	cfg := peerConfig()
	cfg.Security.MaxFailedAuth = 0 // the blacklist would stop svcrack (TestInteropSVCrackBlacklisted)
	r := pbxtest.Start(t, cfg)
	kv, out, err := keyValues(t, []string{"TOOL_TIMEOUT=40"}, 3*time.Minute, filepath.Join(p, "scan.sh"), r.UDP.String(), "195-215", "200")
	if err != nil {
		t.Fatalf("scan.sh: %v\n%s", err, out)
	}
	// svwar must not tell extensions apart: unknown ones are challenged too.
	if !strings.HasPrefix(kv["svwar_REGISTER"], "refused") {
		t.Errorf("svwar REGISTER enumerated extensions: %q\n%s", kv["svwar_REGISTER"], out)
	}
	if kv["svmap_user_agent"] == "none" {
		t.Errorf("svmap did not see the PBX\n%s", out)
	}
	// the password is in svcrack's word list: digest must accept it
	if kv["svcrack"] != "200:pw200" {
		t.Errorf("svcrack = %q, want 200:pw200\n%s", kv["svcrack"], out)
	}
	t.Logf("svwar INVITE: %s", kv["svwar_INVITE"])
}

// TestInteropSVCrackBlacklisted: with the default security settings
// (max_failed_auth 3) svcrack is blacklisted after three wrong guesses and
// never reaches the right password, the 30th of its word list, while the
// PBX goes on serving other addresses.
func TestInteropSVCrackBlacklisted(t *testing.T) {
	if _, err := exec.LookPath("svcrack"); err != nil {
		t.Fatalf("svcrack is not installed (sipvicious, ../shared/peers/install.sh)")
	}
	p := peers(t)
	cfg := peerConfig()
	cfg.Security.MaxFailedAuth, cfg.Security.BlacklistSeconds = 3, 600
	r := pbxtest.Start(t, cfg)
	kv, out, err := keyValues(t, []string{"TOOL_TIMEOUT=20", "SVWAR_METHODS=OPTIONS"}, 2*time.Minute,
		filepath.Join(p, "scan.sh"), r.UDP.String(), "200-201", "200")
	if err != nil {
		t.Fatalf("scan.sh: %v\n%s", err, out)
	}
	if kv["svcrack"] != "none" {
		t.Errorf("svcrack = %q through the blacklist, want none\n%s", kv["svcrack"], out)
	}
	friend := newPhoneFrom(t, r, "127.0.0.2")
	if res := friend.register("201", []string{"<sip:201@127.0.0.2:5990>"}, ""); res.StatusCode != 401 {
		t.Errorf("another source after the attack: got %d, want a 401 challenge", res.StatusCode)
	}
	if !newPhone(t, r, false).unanswered("201", 1500*time.Millisecond) {
		t.Error("svcrack's address (127.0.0.1) is still answered")
	}
}
