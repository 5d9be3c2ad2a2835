//go:build interop

package analyze_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestStreamsMatchFreshTshark runs the installed tshark on every corpus
// capture (`make interop`, CI) and compares its `-z rtp,streams` table with
// voiplab's streams, as TestStreamsMatchTshark does with the stored
// references. The figures are Wireshark 4.0's; another major version of
// tshark computes some of them differently, so the test needs 4.0.
func TestStreamsMatchFreshTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatalf("tshark is not installed (run ../shared/peers/install.sh): %v", err)
	}
	out, err := exec.Command("tshark", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "TShark (Wireshark) 4.0.") {
		t.Skipf("tshark is not 4.0: %s", strings.SplitN(string(out), "\n", 2)[0])
	}
	for _, path := range corpusCaptures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			args := []string{"-n", "-q", "-r", path, "-o", "rtp.heuristic_rtp:TRUE", "-o", "rtcp.heuristic_rtcp:TRUE"}
			if name == "heplify_sip_ipv4_tcp_fragmented.pcap" {
				args = append(args, "-d", "tcp.port==6060,sip")
			}
			args = append(args, "-z", "rtp,streams")
			raw, err := exec.Command("tshark", args...).Output()
			if err != nil && len(raw) == 0 {
				t.Fatalf("tshark: %v", err)
			}
			ref := parseRTPStreams(t, string(raw))
			if stored, err := os.ReadFile(path + ".tshark.json"); err == nil {
				var s tsharkRef
				if json.Unmarshal(stored, &s) == nil && len(s.RTPStreams.Streams) != len(ref) {
					t.Errorf("fresh tshark lists %d streams, the stored reference %d", len(ref), len(s.RTPStreams.Streams))
				}
			}
			compareWithTshark(t, analyzeLikeTshark(t, path), ref)
		})
	}
}

// rtpStreamLine is one row of tshark's `-z rtp,streams` table: start, end,
// source, port, destination, port, SSRC, payload (may contain spaces and
// commas), packets, lost (pct%), min/mean/max delta, min/mean/max jitter,
// and "X" when tshark saw a problem.
var rtpStreamLine = regexp.MustCompile(`^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\(-?[\d.]+%\)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)`)

func parseRTPStreams(t *testing.T, text string) []tsharkStream {
	t.Helper()
	var out []tsharkStream
	for _, line := range strings.Split(text, "\n") {
		m := rtpStreamLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		num := func(i int) float64 {
			f, err := strconv.ParseFloat(m[i], 64)
			if err != nil {
				t.Fatalf("tshark line %q: %v", line, err)
			}
			return f
		}
		out = append(out, tsharkStream{Src: m[1], Sport: int(num(2)), Dst: m[3], Dport: int(num(4)), SSRC: m[5],
			Payload: m[6], Packets: int(num(7)), Lost: int(num(8)), MaxDeltaMs: num(11),
			MeanJitterMs: num(13), MaxJitterMs: num(14)})
	}
	return out
}
