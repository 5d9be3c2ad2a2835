//go:build interop

package report

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"voiplab/analyze"
)

// TestJitterExampleAgainstTshark: the packets of the worked example (frame,
// sequence number, RTP timestamp, arrival time) are the ones tshark decodes
// in those frames, and the jitter steps follow RFC 3550 §6.4.1 by hand.
func TestJitterExampleAgainstTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatalf("interop test needs tshark: %v", err)
	}
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	for _, name := range []string{"rtp-pcap_SIP_DTMF2.pcap", "heplify_rtp_rtcp_sip_ipv4_udp.pcap", "rtp-pcap_sip-rtp-g722.pcap", "sipp_g711a.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "pcaps", name)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("corpus capture %s not found (set VOIPLAB_CORPUS): %v", name, err)
			}
			r, err := analyze.Run(context.Background(), []string{path}, analyze.DefaultOptions(), nil)
			if err != nil {
				t.Fatal(err)
			}
			ex, err := findJitterExample(r)
			if err != nil || ex == nil {
				t.Fatalf("no example: %v", err)
			}
			out, err := exec.Command(tshark, "-n", "-r", path, "-o", "rtp.heuristic_rtp:TRUE", "-Y", "rtp",
				"-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "rtp.seq", "-e", "rtp.timestamp").Output()
			if err != nil {
				t.Fatal(err)
			}
			type pkt struct {
				at      float64
				seq, ts uint64
			}
			frames := map[int]pkt{}
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Split(line, "\t")
				if len(f) < 4 {
					continue
				}
				n, _ := strconv.Atoi(f[0])
				at, _ := strconv.ParseFloat(f[1], 64)
				seq, _ := strconv.ParseUint(f[2], 10, 16)
				ts, _ := strconv.ParseUint(f[3], 10, 32)
				frames[n] = pkt{at * 1000, seq, ts}
			}
			first := frames[ex.Rows[0].Frame]
			for i, row := range ex.Rows {
				p, ok := frames[row.Frame]
				if !ok {
					t.Fatalf("tshark decodes no RTP in frame %d", row.Frame)
				}
				if uint64(row.Seq) != p.seq || uint64(row.Timestamp) != p.ts {
					t.Errorf("packet %d (frame %d): seq %d ts %d, tshark %d %d", i+1, row.Frame, row.Seq, row.Timestamp, p.seq, p.ts)
				}
				if got, want := row.ArrivalMs, p.at-first.at; math.Abs(got-want) > 0.002 {
					t.Errorf("packet %d: arrival %.4f ms, tshark %.4f ms", i+1, got, want)
				}
			}
			// RFC 3550 §6.4.1 by hand from tshark's numbers
			clock := float64(ex.Stream.ClockRate)
			s := func(i int) float64 { return float64(int64(frames[ex.Rows[i].Frame].ts)-int64(first.ts)) * 1000 / clock }
			a := func(i int) float64 { return frames[ex.Rows[i].Frame].at - first.at }
			d2 := (a(1) - a(0)) - (s(1) - s(0))
			j2 := math.Abs(d2) / 16
			d3 := (a(2) - a(1)) - (s(2) - s(1))
			j3 := j2 + (math.Abs(d3)-j2)/16
			if math.Abs(ex.J2-j2) > 1e-4 || math.Abs(ex.J3-j3) > 1e-4 {
				t.Errorf("jitter %.5f, %.5f; by hand %.5f, %.5f", ex.J2, ex.J3, j2, j3)
			}
		})
	}
}
