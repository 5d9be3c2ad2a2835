package rtpstats

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/pion/rtp"
)

// pcmaPacket is the first RTP packet of rtp-pcap_SIP_DTMF2.pcap, header and
// 4 payload octets: V=2, PT 8 (PCMA), seq 0x3b39, ts 0x00029e20, SSRC
// 0x9a7b5382.
var pcmaPacket = []byte{0x80, 0x08, 0x3b, 0x39, 0x00, 0x02, 0x9e, 0x20, 0x9a, 0x7b, 0x53, 0x82, 0xd5, 0xd5, 0xd5, 0xd5}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		ok   bool
		err  error
		want Header
	}{
		{"pcma", pcmaPacket, true, nil, Header{Version: 2, PayloadType: 8, Seq: 0x3b39, Timestamp: 0x29e20, SSRC: 0x9a7b5382, PayloadOffset: 12}},
		{"marker and event PT", []byte{0x80, 0xe5, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 0x80, 0, 0xa0},
			true, nil, Header{Version: 2, Marker: true, PayloadType: 101, Seq: 1, Timestamp: 2, SSRC: 3, PayloadOffset: 12}},
		// CC = 1: one CSRC after the fixed header.
		{"csrc", []byte{0x81, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xaa, 0xbb, 0xcc, 0xdd, 9},
			true, nil, Header{Version: 2, CSRCCount: 1, Seq: 1, Timestamp: 2, SSRC: 3, PayloadOffset: 16}},
		// X = 1: profile 0xBEDE, length 1 word (RFC 8285 one-byte header).
		{"extension", []byte{0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0, 7},
			true, nil, Header{Version: 2, Extension: true, Seq: 1, Timestamp: 2, SSRC: 3, PayloadOffset: 20}},
		// P = 1: two payload octets, then 2 octets of padding (count 2).
		{"padding", []byte{0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 7, 7, 0, 2},
			true, nil, Header{Version: 2, Padding: true, Seq: 1, Timestamp: 2, SSRC: 3, PayloadOffset: 12, PaddingLen: 2}},
		{"padding zero", []byte{0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 7, 0}, false, ErrPadding, Header{}},
		{"padding too long", []byte{0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 7, 9}, false, ErrPadding, Header{}},
		{"short", pcmaPacket[:11], false, ErrShort, Header{}},
		{"csrc missing", []byte{0x82, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4}, false, ErrShort, Header{}},
		{"extension truncated", []byte{0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 2, 1, 2, 3, 4}, false, ErrShort, Header{}},
		{"version 1", []byte{0x40, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, false, ErrVersion, Header{}},
		{"empty", nil, false, ErrShort, Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := ParseHeader(tt.b)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			_, err := CheckHeader(tt.b)
			if !errors.Is(err, tt.err) || (err != nil && !strings.HasPrefix(err.Error(), "rtpstats: ")) {
				t.Errorf("CheckHeader error = %v, want %v", err, tt.err)
			}
			if ok && h != tt.want {
				t.Errorf("header = %+v, want %+v", h, tt.want)
			}
		})
	}
}

func TestParseHeaderDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(1000, func() { ParseHeader(pcmaPacket) }); n != 0 {
		t.Errorf("ParseHeader allocates %v times", n)
	}
}

func TestLooksLike(t *testing.T) {
	rr := []byte{0x81, 201, 0, 7, 0x9a, 0x7b, 0x53, 0x82, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	tests := []struct {
		name      string
		b         []byte
		rtp, rtcp bool
	}{
		{"pcma", pcmaPacket, true, false},
		{"rtcp rr", rr, false, true},
		// SR: octet 200 is RTP PT 72 with the marker bit, which the RTP
		// heuristic refuses (RFC 5761 §4).
		{"rtcp sr", append([]byte{0x80, 200, 0, 6}, make([]byte, 24)...), false, true},
		{"rtcp sdes first", append([]byte{0x81, 202, 0, 3}, make([]byte, 12)...), false, false},
		{"rtcp rr odd length", append([]byte{0x80, 201, 0, 1}, make([]byte, 5)...), false, false},
		// XR (207) first: RTP heuristic, then RTCP multiplexed on RTP.
		{"rtcp xr muxed", append([]byte{0x80, 207, 0, 3}, make([]byte, 12)...), false, true},
		{"pt 72 no marker", []byte{0x80, 72, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1}, false, false},
		{"pt 64 no marker is rtp", []byte{0x80, 64, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 1}, true, false},
		{"stun", []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, false, false},
		{"sip", []byte("INVITE sip:bob@example.com SIP/2.0\r\n"), false, false},
		{"short", pcmaPacket[:8], false, false},
		{"bad padding", []byte{0xb0, 0x61, 0, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 1, 0x31, 0, 0x12, 0, 0x3a, 0xa0, 0xa6, 0x6f}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LooksLikeRTP(tt.b); got != tt.rtp {
				t.Errorf("LooksLikeRTP = %v, want %v", got, tt.rtp)
			}
			if got := LooksLikeRTCP(tt.b); got != tt.rtcp {
				t.Errorf("LooksLikeRTCP = %v, want %v", got, tt.rtcp)
			}
		})
	}
}

// FuzzParseHeader: no panic, offsets inside the datagram, and agreement
// with pion/rtp on every field when both accept the packet.
func FuzzParseHeader(f *testing.F) {
	f.Add(pcmaPacket)
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0, 7})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 7, 7, 0, 2})
	f.Add([]byte{0x81, 201, 0, 7})
	for _, b := range corpusPayloads(f, 64) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, ok := ParseHeader(b)
		LooksLikeRTP(b)
		LooksLikeRTCP(b)
		if !ok {
			return
		}
		if h.PayloadOffset > len(b)-h.PaddingLen || h.PayloadOffset < 12 {
			t.Fatalf("payload offset %d, padding %d, len %d", h.PayloadOffset, h.PaddingLen, len(b))
		}
		var p rtp.Packet
		if err := p.Unmarshal(append([]byte(nil), b...)); err != nil {
			return
		}
		if p.Version != h.Version || p.PayloadType != h.PayloadType || p.SequenceNumber != h.Seq ||
			p.Timestamp != h.Timestamp || p.SSRC != h.SSRC || p.Marker != h.Marker ||
			len(p.CSRC) != int(h.CSRCCount) || p.Extension != h.Extension {
			t.Fatalf("pion %+v, ours %+v", p.Header, h)
		}
		if want := len(b) - h.PayloadOffset - h.PaddingLen; len(p.Payload) != want {
			t.Fatalf("pion payload %d, ours %d", len(p.Payload), want)
		}
	})
}

// TestLeafDependencies keeps rtpstats a leaf: the standard library and
// voiplab/analyze/codec only.
func TestLeafDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") ||
			(strings.HasPrefix(p, "voiplab") && p != "voiplab/analyze/rtpstats" && p != "voiplab/analyze/codec") {
			t.Errorf("forbidden dependency %s", p)
		}
	}
}

// corpusPayloads returns up to n UDP payloads of real captures (RTP, RTCP,
// STUN, DTLS, SIP) from the corpus, none when it is absent.
func corpusPayloads(tb testing.TB, n int) [][]byte {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../../shared/corpus"
	}
	var out [][]byte
	for _, name := range []string{"rtp-pcap_SIP_DTMF2.pcap", "ndpi_stun_google_meet.pcapng", "rtpdump_sample1_ipv4_amr-nb.pcap"} {
		f, err := os.Open(filepath.Join(dir, "pcaps", name))
		if err != nil {
			continue
		}
		var src gopacket.PacketDataSource
		var lt layers.LinkType
		if strings.HasSuffix(name, ".pcapng") {
			r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
			if err != nil {
				f.Close()
				continue
			}
			src, lt = r, r.LinkType()
		} else {
			r, err := pcapgo.NewReader(f)
			if err != nil {
				f.Close()
				continue
			}
			src, lt = r, r.LinkType()
		}
		ps := gopacket.NewPacketSource(src, lt)
		for i := 0; i < n/3; {
			pkt, err := ps.NextPacket()
			if err != nil {
				break
			}
			if udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && len(udp.Payload) > 0 {
				out = append(out, append([]byte(nil), udp.Payload...))
				i++
			}
		}
		f.Close()
	}
	return out
}

// FuzzStreamAdd feeds arbitrary packets to a Stream: no panic, and the
// invariants hold.
func FuzzStreamAdd(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 2, 0, 0, 0, 160, 0, 20, 0x80, 0})
	for _, b := range corpusPayloads(f, 6) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Stream
		n := 0
		var at time.Duration
		// 10 bytes per packet: seq(2) ts(4) arrival step ms(2) pt/marker(1) flags(1).
		for ; len(b) >= 10; b = b[10:] {
			at += time.Duration(binary.BigEndian.Uint16(b[6:])) * time.Millisecond
			s.Add(Packet{
				Arrival: t0.Add(at), Seq: binary.BigEndian.Uint16(b), Timestamp: binary.BigEndian.Uint32(b[2:]),
				PayloadType: b[8] & 0x7f, Marker: b[8]&0x80 != 0, ClockRate: []int{0, 8000, 16000, 44100, 48000, 90000}[int(b[9])%6],
				Event: b[9]&0x80 != 0,
			})
			n++
		}
		st := s.Stats()
		if st.Packets != n || len(st.Series) > MaxSeriesPoints || st.Lost != st.Expected-st.Packets {
			t.Fatalf("packets %d/%d, series %d, lost %d expected %d", st.Packets, n, len(st.Series), st.Lost, st.Expected)
		}
		if n > 0 && (math.IsNaN(st.MeanJitterMs) || math.IsInf(st.MaxJitterMs, 0) || st.LossBurstRatio <= 0) {
			t.Fatalf("bad figures %+v", st)
		}
		sum := 0
		for _, p := range st.Series {
			sum += p.Packets
		}
		if sum != n {
			t.Fatalf("series counts %d packets of %d", sum, n)
		}
	})
}
