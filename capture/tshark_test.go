package capture

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUDPCountsAgainstTshark compares the number of UDP datagrams we yield
// with the frames tshark shows as UDP (not inside ICMP errors), file by file.
// It runs tshark, so it is skipped when tshark is absent or with -short.
func TestUDPCountsAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark on every capture")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	// Intentional differences: datagrams whose other fragments never came,
	// which we deliver Truncated at the end and tshark leaves as fragments:
	// the INVITE of frame 1 (only its first fragment was captured), and
	// frame 642 of the fuzzed capture (a DNS query whose MF bit was mutated).
	extra := map[string]int{"pkts_fragmented_udp_sip.pcap": 1, "ndpi_fuzz-2006-06-26-2594.pcap": 1}
	files, _ := filepath.Glob(filepath.Join(corpusDir(t), "pcaps", "*.pcap*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".json") {
			continue
		}
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command("tshark", "-n", "-r", f, "-Y", "udp && !icmp && !icmpv6", "-T", "fields", "-e", "frame.number").Output()
			if err != nil {
				t.Fatal(err)
			}
			want := len(strings.Fields(string(out))) + extra[name]
			_, _, all := readAll(t, f)
			got := 0
			for _, d := range all {
				if d.Transport == UDP {
					got++
				}
			}
			if got != want {
				t.Errorf("%d UDP datagrams, tshark %d (+%d expected difference)", got, want-extra[name], extra[name])
			}
		})
	}
}
