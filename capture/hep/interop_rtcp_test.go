//go:build interop

package hep

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRTCPReportMatchesTshark compares NewRTCPReport with tshark 4.0's RTCP
// dissection of every RTCP datagram of corpus captures: report type and
// sender SSRC, sender packet and octet counts, and every reception report
// block (fraction lost, cumulative lost, highest sequence, jitter, LSR, DLSR).
func TestRTCPReportMatchesTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatalf("tshark is not installed (run ../shared/peers/install.sh): %v", err)
	}
	for _, name := range []string{
		"heplify_rtp_rtcp_sip_ipv4_udp.pcap",
		"sngrep_aaa.pcap",
		"ndpi_rtcp_multiple_pkts_in_the_same_datagram.pcap",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(corpusDir(t), "pcaps", name)
			out, err := exec.Command("tshark", "-r", path, "-n", "-o", "rtp.heuristic_rtp:TRUE",
				"-o", "rtcp.heuristic_rtcp:TRUE", "-Y", "rtcp", "-T", "fields",
				"-E", "occurrence=a", "-E", "aggregator=;",
				"-e", "frame.number", "-e", "rtcp.pt", "-e", "rtcp.senderssrc",
				"-e", "rtcp.sender.packetcount", "-e", "rtcp.sender.octetcount",
				"-e", "rtcp.ssrc.fraction", "-e", "rtcp.ssrc.cum_nr", "-e", "rtcp.ssrc.ext_high",
				"-e", "rtcp.ssrc.jitter", "-e", "rtcp.ssrc.lsr", "-e", "rtcp.ssrc.dlsr").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			byFrame := map[int][]byte{}
			for _, d := range corpusDatagrams(t, name) {
				byFrame[d.Frame] = d.Payload
			}
			rows := 0
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Split(line, "\t")
				for len(f) < 11 {
					f = append(f, "") // tshark leaves out trailing empty fields
				}
				frame, _ := strconv.Atoi(f[0])
				pts := nums(t, f[1])
				if pts[0] != 200 && pts[0] != 201 {
					continue // compound starting with another type: not an SR/RR report
				}
				rows++
				r, err := NewRTCPReport(byFrame[frame])
				if err != nil {
					t.Errorf("frame %d: %v", frame, err)
					continue
				}
				if uint64(r.Type) != pts[0] || uint64(r.SSRC) != nums(t, f[2])[0] {
					t.Errorf("frame %d: type %d ssrc %#x, tshark %s %s", frame, r.Type, r.SSRC, f[1], f[2])
				}
				if r.Type == 200 && (uint64(r.SenderInformation.Packets) != nums(t, f[3])[0] ||
					uint64(r.SenderInformation.Octets) != nums(t, f[4])[0]) {
					t.Errorf("frame %d: sender info %+v, tshark %s %s", frame, r.SenderInformation, f[3], f[4])
				}
				cols := [][]uint64{nums(t, f[5]), nums(t, f[6]), nums(t, f[7]), nums(t, f[8]), nums(t, f[9]), nums(t, f[10])}
				if len(r.ReportBlocks) != len(cols[0]) {
					t.Errorf("frame %d: %d report blocks, tshark %d", frame, len(r.ReportBlocks), len(cols[0]))
					continue
				}
				for i, b := range r.ReportBlocks {
					got := []uint64{uint64(b.FractionLost), uint64(b.PacketsLost), uint64(b.HighestSeq),
						uint64(b.Jitter), uint64(b.LSR), uint64(b.DLSR)}
					for j := range got {
						if got[j] != cols[j][i] {
							t.Errorf("frame %d block %d: %+v, tshark %v", frame, i, b, cols)
							break
						}
					}
				}
			}
			if rows == 0 {
				t.Fatal("tshark found no SR or RR")
			}
			t.Logf("%d RTCP reports checked", rows)
		})
	}
}

// nums parses a tshark field of ';'-separated decimal or 0x numbers (empty
// gives none).
func nums(t *testing.T, s string) []uint64 {
	t.Helper()
	if s == "" {
		return nil
	}
	var out []uint64
	for _, v := range strings.Split(s, ";") {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			t.Fatalf("tshark field %q: %v", s, err)
		}
		out = append(out, n)
	}
	return out
}
