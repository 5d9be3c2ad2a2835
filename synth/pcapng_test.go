package synth

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"voiplab/capture"
)

// writePcapng writes s with capture.NewWriter.
func writePcapng(t *testing.T, s Scenario) (string, Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "synth.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := capture.NewWriter(bw, capture.WriterOptions{Comment: "voiplab synth test"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Write(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, st
}

// TestPcapngRoundTrip writes the scenarios as pcapng and reads them back
// with capture's reader: same datagrams, same order.
func TestPcapngRoundTrip(t *testing.T) {
	for name, sc := range map[string]Scenario{"demo": Demo(), "all": allFeatures()} {
		t.Run(name, func(t *testing.T) {
			path, st := writePcapng(t, sc)
			mem, _ := write(t, sc)
			r, err := capture.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			i := 0
			for {
				d, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if i >= len(mem.recs) {
					t.Fatalf("read more datagrams than written (%d)", len(mem.recs))
				}
				want := mem.recs[i]
				if d.Src != want.Src || d.Dst != want.Dst || !bytes.Equal(d.Payload, want.Payload) || !d.Time.Equal(want.Time) {
					t.Fatalf("datagram %d: read %s>%s %d bytes at %v, wrote %s>%s %d bytes at %v",
						i+1, d.Src, d.Dst, len(d.Payload), d.Time, want.Src, want.Dst, len(want.Payload), want.Time)
				}
				i++
			}
			if i != st.Packets {
				t.Errorf("read %d datagrams, wrote %d", i, st.Packets)
			}
		})
	}
}

// TestTshark has Wireshark's dissectors check the demo capture: every SIP
// message is recognised, and the RTP stream analysis shows the planted
// loss and jitter (tshark is the reference, not this package's code).
func TestTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	// allFeatures has SIP over TCP (which tshark must reassemble), IPv6 and
	// every outcome.
	all, allStats := writePcapng(t, allFeatures())
	path, st := writePcapng(t, Demo())
	for _, c := range []struct {
		path string
		st   Stats
	}{{path, st}, {all, allStats}} {
		out, err := exec.Command("tshark", "-n", "-r", c.path, "-Y", "sip", "-T", "fields", "-e", "frame.number").Output()
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(out), "\n"); n != c.st.SIPMessages {
			t.Errorf("tshark sees %d SIP messages, synth wrote %d", n, c.st.SIPMessages)
		}
	}
	out, err := exec.Command("tshark", "-n", "-q", "-r", path, "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams").Output()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out)
	// Columns: Start End Src Port Dst Port SSRC Payload(may hold spaces) Pkts Lost (pct)
	// MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter [X]: read from the end.
	found := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), " X"))
		n := len(f)
		if n < 16 || !strings.HasPrefix(f[7], "g711") {
			continue
		}
		lost, _ := strconv.Atoi(f[n-8])
		pct, _ := strconv.ParseFloat(strings.Trim(f[n-7], "()%"), 64)
		meanJitter, _ := strconv.ParseFloat(f[n-2], 64)
		if f[2] == "198.51.100.22" && f[4] == "198.51.100.23" { // demo-loss, caller to callee
			found = true
			if pct < 3 || pct > 7 || lost == 0 {
				t.Errorf("demo-loss: tshark loss %d (%.1f %%), want about 5 %%", lost, pct)
			}
			if meanJitter < 30 || meanJitter > 50 {
				t.Errorf("demo-loss: tshark mean jitter %.1f ms, want about 40", meanJitter)
			}
		}
	}
	if !found {
		t.Error("tshark shows no demo-loss stream")
	}
}
