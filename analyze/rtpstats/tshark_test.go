package rtpstats

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var tsharkOpts = []string{"-n", "-o", "rtp.heuristic_rtp:TRUE", "-o", "rtcp.heuristic_rtcp:TRUE"}

func needTshark(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	// The rules reproduced here are Wireshark 4.0's (the corpus reference
	// is 4.0.17); later versions changed the RTP heuristic and analysis.
	out, err := exec.Command(p, "--version").Output()
	if err != nil || !bytes.Contains(out, []byte("(Wireshark) 4.0.")) {
		first, _, _ := strings.Cut(string(out), "\n")
		t.Skipf("tshark is not 4.0.x (%q): its rules differ", first)
	}
	return p
}

// parseRTPStreams reads the text table of tshark -q -z rtp,streams.
func parseRTPStreams(t *testing.T, out string) []refStream {
	t.Helper()
	var rows []refStream
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 17 || strings.HasPrefix(line, "=") || f[0] == "Start" {
			continue
		}
		var r refStream
		r.StartS, _ = strconv.ParseFloat(f[0], 64)
		r.Src, r.Dst, r.SSRC = f[2], f[4], f[6]
		r.Sport, _ = strconv.Atoi(f[3])
		r.Dport, _ = strconv.Atoi(f[5])
		tail := f[7:]
		if tail[len(tail)-1] == "X" {
			r.Problem = true
			tail = tail[:len(tail)-1]
		}
		// ... Pkts Lost (pct) minΔ meanΔ maxΔ minJ meanJ maxJ
		n := len(tail)
		nums := make([]float64, 6)
		for i := range nums {
			nums[i], _ = strconv.ParseFloat(tail[n-6+i], 64)
		}
		r.MinDeltaMs, r.MeanDeltaMs, r.MaxDeltaMs = nums[0], nums[1], nums[2]
		r.MinJitterMs, r.MeanJitterMs, r.MaxJitterMs = nums[3], nums[4], nums[5]
		r.LostPct, _ = strconv.ParseFloat(strings.Trim(tail[n-7], "(%)"), 64)
		r.Lost, _ = strconv.Atoi(tail[n-8])
		r.Packets, _ = strconv.Atoi(tail[n-9])
		r.Payload = strings.Join(tail[:n-9], " ")
		rows = append(rows, r)
	}
	return rows
}

// TestTsharkLive runs the installed tshark on two captures and compares
// its rtp,streams table with ours, as TestCorpusStreams does with the
// stored reference.
func TestTsharkLive(t *testing.T) {
	tshark := needTshark(t)
	dir := filepath.Join(corpusDir(t), "pcaps")
	for _, name := range []string{"rtp-pcap_SIP_DTMF2.pcap", "heplify_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "asterisk-testsuite_ulaw-2013785496.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			args := append(append([]string{}, tsharkOpts...), "-q", "-r", path, "-z", "rtp,streams")
			out, err := exec.Command(tshark, args...).Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			want := parseRTPStreams(t, string(out))
			if len(want) == 0 {
				t.Fatalf("no streams parsed from:\n%s", out)
			}
			compareStreams(t, readCapture(t, path), want)
		})
	}
}

// TestTsharkHeuristic writes datagrams that probe each rule of
// LooksLikeRTP and LooksLikeRTCP (every payload type, CSRC, extension and
// padding cases, every RTCP packet type, odd and even ports), has tshark
// decode them with the heuristics on, and checks that it takes exactly the
// same ones for RTP and RTCP.
func TestTsharkHeuristic(t *testing.T) {
	tshark := needTshark(t)
	type probe struct {
		b       []byte
		dstPort uint16
	}
	var probes []probe
	hdr := func(b0, b1 byte, tail ...byte) []byte {
		b := []byte{b0, b1, 0x12, 0x34, 0, 0, 0x10, 0, 0xca, 0xfe, 0xba, 0xbe}
		return append(b, tail...)
	}
	body := bytes.Repeat([]byte{0xd5}, 40)
	for pt := 0; pt < 128; pt++ {
		for _, m := range []byte{0, 0x80} {
			probes = append(probes, probe{hdr(0x80, m|byte(pt), body...), 40000})
		}
	}
	for _, b := range [][]byte{
		hdr(0x80, 0)[:11],                             // short
		hdr(0x40, 0, body...),                         // version 1
		hdr(0xc0, 0, body...),                         // version 3
		hdr(0x81, 0),                                  // CSRC missing
		hdr(0x81, 0, 1, 2, 3, 4),                      // CSRC, empty payload
		hdr(0x8f, 0, body...),                         // 15 CSRCs, 40 bytes: short
		hdr(0x90, 0, 0xbe, 0xde, 0, 1, 1, 2, 3, 4),    // extension, exact
		hdr(0x90, 0, 0xbe, 0xde, 0, 9, 1, 2, 3, 4),    // extension truncated
		hdr(0xa0, 0, 7, 7, 7, 3),                      // padding 3
		hdr(0xa0, 0, 7, 7, 7, 0),                      // padding 0
		hdr(0xa0, 0, 7, 7, 7, 4),                      // padding = payload
		hdr(0xa0, 0, 7, 7, 7, 5),                      // padding > payload
		hdr(0xb0, 0, 0xbe, 0xde, 0, 1, 1, 2, 3, 4, 2), // ext + padding past ext
	} {
		probes = append(probes, probe{b, 40000})
	}
	for pt := 192; pt < 224; pt++ {
		b := append([]byte{0x81, byte(pt), 0, 7}, make([]byte, 28)...)
		probes = append(probes, probe{b, 40001}, probe{b, 40002}, probe{b[:31], 40001},
			probe{b[:4], 40001}, probe{b[:2], 40001}, probe{append([]byte{0xa1}, b[1:]...), 40001})
	}

	path := filepath.Join(t.TempDir(), "probes.pcap")
	if p := os.Getenv("VOIPLAB_PROBE_PCAP"); p != "" {
		path = p // keep the probes for a look with tshark
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, p := range probes {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		// A distinct source address per probe keeps tshark from tying
		// probes together in one conversation.
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
			SrcIP: net.IPv4(10, 1, byte(i>>8), byte(i)), DstIP: net.IPv4(10, 2, 0, 1)}
		udp := &layers.UDP{SrcPort: 50000, DstPort: layers.UDPPort(p.dstPort)}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, udp, gopacket.Payload(p.b)); err != nil {
			t.Fatal(err)
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)*1000), CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}
		if err := w.WritePacket(ci, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	args := append(append([]string{}, tsharkOpts...), "-r", path, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "frame.protocols")
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			continue
		}
		n, _ := strconv.Atoi(f[0])
		p := probes[n-1]
		gotRTP := LooksLikeRTP(p.b)
		gotRTCP := LooksLikeRTCP(p.b)
		protos := f[2]
		wantRTCP := strings.Contains(protos, ":rtcp")
		wantRTP := strings.Contains(protos, ":rtp") && !wantRTCP
		if gotRTP != wantRTP {
			t.Errorf("probe %d (% x, port %d): RTP = %v, tshark %v", n, p.b[:min(len(p.b), 16)], p.dstPort, gotRTP, wantRTP)
		}
		if gotRTCP != wantRTCP {
			t.Errorf("probe %d (% x, port %d): RTCP = %v, tshark %v", n, p.b[:min(len(p.b), 16)], p.dstPort, gotRTCP, wantRTCP)
		}
	}
}
