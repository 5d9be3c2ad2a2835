//go:build interop

package b2bua_test

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"voiplab/pbx/b2bua"
)

// BenchmarkCallsSIPp drives signalling-only SIPp calls (INVITE, 100, 180,
// 200, ACK, BYE, 200 on both legs) through the B2BUA to a SIPp UAS at each
// rate of VOIPLAB_CPS (default "200,500,1000" calls per second) for
// VOIPLAB_CPS_SECONDS (default 5) and reports the calls that succeeded and
// failed and the rate achieved. Use -benchtime=1x.
func BenchmarkCallsSIPp(b *testing.B) {
	if _, err := exec.LookPath("sipp"); err != nil {
		b.Fatal("sipp is not installed (../shared/peers/install.sh)")
	}
	peers := peersDir(b)
	rates := strings.Split(envStr("VOIPLAB_CPS", "200,500,1000"), ",")
	secs, _ := strconv.Atoi(envStr("VOIPLAB_CPS_SECONDS", "5"))
	for _, rs := range rates {
		rate, _ := strconv.Atoi(strings.TrimSpace(rs))
		b.Run(fmt.Sprintf("cps=%d", rate), func(b *testing.B) {
			for range b.N {
				uasPort := freeUDPPort(b, 5080, 5099)
				startUAS(b, peers, uasPort)
				uas := netip.AddrPortFrom(loopback, uint16(uasPort))
				p := startPBX(b, locator{"299": {{URI: fmt.Sprintf("sip:299@%s", uas), Addr: uas, Transport: "udp"}}},
					b2bua.RelayNever, map[string]b2bua.Extension{"299": {Number: "299"}})
				calls := rate * secs
				cmd := exec.Command(filepath.Join(peers, "sipp-call.sh"), p.node.addr.String(), fmt.Sprint(rate), fmt.Sprint(calls), "0")
				cmd.Env = append(os.Environ(), "CALLEE=299", "CALLERS=50")
				out, _ := cmd.CombinedOutput()
				kv := parseKV(string(out))
				ok, _ := strconv.Atoi(kv["successful"])
				failed, _ := strconv.Atoi(kv["failed"])
				achieved, _ := strconv.ParseFloat(kv["achieved_rate"], 64)
				b.ReportMetric(float64(ok), "ok")
				b.ReportMetric(float64(failed), "failed")
				b.ReportMetric(achieved, "calls/s")
				b.Logf("rate %d/s for %d s: %d ok, %d failed, %.0f calls/s, setup mean %s ms, retransmissions %s",
					rate, secs, ok, failed, achieved, kv["setup_time_mean_ms"], kv["retransmissions"])
			}
		})
	}
}

func envStr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

var kvLine = regexp.MustCompile(`(?m)^([a-z0-9_]+)=(\S*)$`)

func parseKV(s string) map[string]string {
	m := map[string]string{}
	for _, g := range kvLine.FindAllStringSubmatch(s, -1) {
		m[g[1]] = g[2]
	}
	return m
}
