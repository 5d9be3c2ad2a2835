package sipmsg

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// udpPayloads returns the payloads of the UDP datagrams to or from port
// 5060 in a pcap or pcapng file.
func udpPayloads(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type reader interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	// The extension does not tell the format (ndpi_http_on_sip_port.pcap
	// is pcapng): try pcap, then pcapng.
	var r reader
	var lt layers.LinkType
	if pr, err := pcapgo.NewReader(f); err == nil {
		r, lt = pr, pr.LinkType()
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		ng, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatalf("%s: neither pcap nor pcapng: %v", path, err)
		}
		r, lt = ng, ng.LinkType()
	}
	var out [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p := gopacket.NewPacket(data, lt, gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok || (udp.SrcPort != 5060 && udp.DstPort != 5060) || len(udp.Payload) == 0 {
			continue
		}
		out = append(out, append([]byte(nil), udp.Payload...))
	}
}

// tsharkRef is the part of <capture>.tshark.json this test uses.
type tsharkRef struct {
	SIPFields struct {
		Methods     map[string]int `json:"methods"`
		StatusCodes map[string]int `json:"status_codes"`
	} `json:"sip_fields"`
	Calls struct {
		Calls []struct {
			CallID   string `json:"call_id"`
			Messages int    `json:"messages"`
			FromUser string `json:"from_user"`
			ToUser   string `json:"to_user"`
		} `json:"calls"`
	} `json:"sip_calls_from_fields"`
}

// TestCorpusCaptures parses every SIP datagram on UDP port 5060 of
// captures whose SIP is all there, and compares methods, status codes,
// Call-IDs (with message counts) and From/To users with tshark 4.0's
// reference figures.
func TestCorpusCaptures(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "pcaps")
	for _, tc := range []struct {
		name      string
		malformed string // every message is malformed with this reason
	}{
		{name: "pkts_sipp.pcap"},
		{name: "pkts_sipp_sll.pcap"},
		{name: "ndpi_sip_hello.pcapng"},
		// The phones write IPv6 addresses without [ ] in URIs
		// ("sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0:5060"); Wireshark
		// reads host "fe80", port "0:0:0:…".
		{name: "heplify_sip_ipv6_udp.pcap", malformed: "IPv6 address not in [ ]"},
		{name: "rtp-pcap_SIP_DTMF2.pcap"},
		{name: "rtp-pcap_sip-rtp-g722.pcap"},
	} {
		name := tc.name
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name+".tshark.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref tsharkRef
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			methods, codes := map[string]int{}, map[string]int{}
			perCall := map[string]int{}
			users := map[string][2]string{}
			for i, p := range udpPayloads(t, filepath.Join(dir, name)) {
				m, err := Parse(p)
				if errors.Is(err, ErrNotSIP) {
					// NAT keep-alives (ndpi_sip_hello: 5-octet datagrams).
					if LooksLikeSIP(p) {
						t.Errorf("datagram %d: LooksLikeSIP true but ErrNotSIP", i)
					}
					continue
				}
				if err != nil {
					t.Errorf("datagram %d: %v", i, err)
					continue
				}
				switch {
				case tc.malformed == "" && m.Malformed != nil:
					t.Errorf("datagram %d (%s): %v", i, m.Summary(), m.Malformed)
				case tc.malformed != "" && (m.Malformed == nil || !strings.Contains(m.Malformed.Error(), tc.malformed)):
					t.Errorf("datagram %d (%s): Malformed = %v, want %q", i, m.Summary(), m.Malformed, tc.malformed)
				}
				if m.Request {
					methods[m.Method]++
				} else {
					codes[strconv.Itoa(m.Status)]++
				}
				perCall[m.CallID]++
				if _, ok := users[m.CallID]; !ok {
					users[m.CallID] = [2]string{m.From.User, m.To.User}
				}
			}
			eq(t, "methods", fmtCounts(methods), fmtCounts(ref.SIPFields.Methods))
			eq(t, "status codes", fmtCounts(codes), fmtCounts(ref.SIPFields.StatusCodes))
			want := map[string]int{}
			for _, c := range ref.Calls.Calls {
				want[c.CallID] = c.Messages
				eq(t, "From/To users of "+c.CallID, users[c.CallID], [2]string{c.FromUser, c.ToUser})
			}
			eq(t, "messages per Call-ID", fmtCounts(perCall), fmtCounts(want))
		})
	}
}

func fmtCounts(m map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k + "=" + strconv.Itoa(m[k]) + " ")
	}
	return b.String()
}

// TestCorpusNoPanic parses every UDP port-5060 payload of every capture,
// including fuzzed and non-SIP traffic: no panic, Summary never empty.
func TestCorpusNoPanic(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "pcaps")
	files, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	for _, f := range files {
		if strings.HasSuffix(f, ".json") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			var n, notSIP, bad int
			for _, p := range udpPayloads(t, f) {
				m, err := Parse(p)
				n++
				switch {
				case errors.Is(err, ErrNotSIP):
					notSIP++
				case err != nil:
					t.Fatalf("unexpected error %v", err)
				default:
					if m.Summary() == "" {
						t.Fatal("empty Summary")
					}
					if m.Malformed != nil {
						bad++
						t.Logf("malformed %s: %v", m.Summary(), m.Malformed)
					}
				}
			}
			t.Logf("%d datagrams, %d not SIP, %d malformed", n, notSIP, bad)
		})
	}
}
