package rtpstats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// corpusDir is the shared corpus of real captures with tshark 4.0 reference
// figures (see its README.md).
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../../shared/corpus"
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	return dir
}

// refStream is one row of tshark -z rtp,streams as *.tshark.json stores it.
type refStream struct {
	StartS       float64 `json:"start_s"`
	Src          string  `json:"src"`
	Sport        int     `json:"sport"`
	Dst          string  `json:"dst"`
	Dport        int     `json:"dport"`
	SSRC         string  `json:"ssrc"`
	Payload      string  `json:"payload"`
	Packets      int     `json:"packets"`
	Lost         int     `json:"lost"`
	LostPct      float64 `json:"lost_pct"`
	MinDeltaMs   float64 `json:"min_delta_ms"`
	MeanDeltaMs  float64 `json:"mean_delta_ms"`
	MaxDeltaMs   float64 `json:"max_delta_ms"`
	MinJitterMs  float64 `json:"min_jitter_ms"`
	MeanJitterMs float64 `json:"mean_jitter_ms"`
	MaxJitterMs  float64 `json:"max_jitter_ms"`
	Problem      bool    `json:"problem"`
}

func (r refStream) key() string {
	return fmt.Sprintf("%s %d %s %d 0x%s", r.Src, r.Sport, r.Dst, r.Dport, strings.ToUpper(strings.TrimPrefix(r.SSRC, "0x")))
}

type reference struct {
	RTPStreams struct {
		Streams []refStream `json:"streams"`
	} `json:"rtp_streams"`
}

// sdpMedia is what the harness keeps of one SDP m= line: Wireshark's SDP
// dissector sets up an RTP conversation on c= address and m= port (and RTCP
// on port+1) from the frame that carries it, with the a=rtpmap names.
type sdpMedia struct {
	frame   int
	rtp     bool // m= RTP/AVP*; false for udptl (T.38) and others
	rtcp    bool // the port+1 companion
	rtpmaps map[uint8]rtpmap
}

type rtpmap struct {
	name string
	rate int
}

// gotStream is one stream the harness built.
type gotStream struct {
	key   string
	start time.Time
	s     Stream
}

type capture struct {
	streams map[string]*gotStream
	start   time.Time // first packet of the capture (tshark's relative times)
}

// wellKnownUDP are the ports of the corpus where tshark's port table claims a
// datagram before the RTP heuristic is tried (udp.try_heuristic_first is
// off). Only the ports that occur in the corpus are listed.
var wellKnownUDP = map[uint16]bool{
	53: true, 67: true, 68: true, 123: true, 137: true, 138: true, 161: true, 162: true,
	514: true, 1900: true, 2944: true, 2945: true, 5060: true, 5353: true, 3478: false,
}

// readCapture classifies every UDP datagram of path the way tshark does with
// rtp.heuristic_rtp:TRUE and builds the streams.
func readCapture(t testing.TB, path string) *capture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	var src gopacket.PacketDataSource
	var lt layers.LinkType
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		src, lt = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		src, lt = r, r.LinkType()
	}
	ps := gopacket.NewPacketSource(src, lt)
	ps.DecodeOptions = gopacket.DecodeOptions{Lazy: false, NoCopy: true}

	c := &capture{streams: map[string]*gotStream{}}
	convs := map[netip.AddrPort]*sdpMedia{}
	frame := 0
	for {
		pkt, err := ps.NextPacket()
		if err != nil {
			break
		}
		frame++
		ts := pkt.Metadata().Timestamp
		if frame == 1 {
			c.start = ts
		}
		var srcIP, dstIP netip.Addr
		var udp *layers.UDP
		var appPayload []byte
		for _, l := range pkt.Layers() {
			switch l := l.(type) {
			case *layers.IPv4:
				srcIP, _ = netip.AddrFromSlice(l.SrcIP.To4())
				dstIP, _ = netip.AddrFromSlice(l.DstIP.To4())
			case *layers.IPv6:
				srcIP, _ = netip.AddrFromSlice(l.SrcIP)
				dstIP, _ = netip.AddrFromSlice(l.DstIP)
			case *layers.UDP:
				if udp == nil {
					udp = l
				}
			case *layers.TCP:
				appPayload = l.Payload
			}
		}
		if udp != nil {
			appPayload = udp.Payload
		}
		if len(appPayload) > 0 {
			noteSDP(convs, appPayload, frame)
		}
		if udp == nil || !srcIP.IsValid() {
			continue
		}
		b := udp.Payload
		sp, dp := uint16(udp.SrcPort), uint16(udp.DstPort)
		from := netip.AddrPortFrom(srcIP, sp)
		to := netip.AddrPortFrom(dstIP, dp)

		var media *sdpMedia
		for _, ap := range []netip.AddrPort{to, from} {
			if m, ok := convs[ap]; ok && m.frame < frame {
				media = m
				break
			}
		}
		var isRTP bool
		switch {
		case media != nil:
			// An SDP-signalled conversation: RTP whenever version is 2.
			isRTP = media.rtp && !media.rtcp && len(b) >= 12 && b[0]>>6 == 2
		case wellKnownUDP[sp] || wellKnownUDP[dp]:
		case LooksLikeRTCP(b):
		default:
			isRTP = LooksLikeRTP(b)
		}
		if !isRTP {
			continue
		}
		h, ok := ParseHeader(b)
		if !ok {
			h.PayloadType = b[1] & 0x7f
			h.Marker = b[1]&0x80 != 0
			h.Seq = uint16(b[2])<<8 | uint16(b[3])
			h.Timestamp = uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
			h.SSRC = uint32(b[8])<<24 | uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
		}
		p := Packet{Arrival: ts, Seq: h.Seq, Timestamp: h.Timestamp, PayloadType: h.PayloadType,
			Marker: h.Marker, PayloadLen: len(b) - h.PayloadOffset, Frame: frame}
		var rm rtpmap
		if media != nil {
			rm = media.rtpmaps[h.PayloadType]
		}
		p.ClockRate, p.Event = ClockRate(h.PayloadType, rm.name, rm.rate)
		k := fmt.Sprintf("%s %d %s %d 0x%08X", srcIP, sp, dstIP, dp, h.SSRC)
		g := c.streams[k]
		if g == nil {
			g = &gotStream{key: k, start: ts}
			c.streams[k] = g
		}
		g.s.Add(p)
	}
	return c
}

// noteSDP is a test-only extraction of c=, m= and a=rtpmap from a SIP body.
func noteSDP(convs map[netip.AddrPort]*sdpMedia, b []byte, frame int) {
	i := bytes.Index(b, []byte("\nv=0"))
	if i < 0 || !bytes.Contains(b[i:], []byte("\nm=")) {
		return
	}
	var sessAddr netip.Addr
	type m struct {
		port    int
		rtp     bool
		addr    netip.Addr
		rtpmaps map[uint8]rtpmap
	}
	var ms []*m
	flush := func() {
		for _, x := range ms {
			a := x.addr
			if !a.IsValid() {
				a = sessAddr
			}
			if !a.IsValid() || x.port == 0 {
				continue
			}
			convs[netip.AddrPortFrom(a, uint16(x.port))] = &sdpMedia{frame: frame, rtp: x.rtp, rtpmaps: x.rtpmaps}
			if x.rtp {
				convs[netip.AddrPortFrom(a, uint16(x.port+1))] = &sdpMedia{frame: frame, rtp: true, rtcp: true}
			}
		}
		ms, sessAddr = nil, netip.Addr{}
	}
	for _, line := range strings.Split(string(b[i+1:]), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "v="):
			// A new session description (H.248 carries Local and Remote ones).
			flush()
		case strings.HasPrefix(line, "c="):
			f := strings.Fields(line[2:])
			if len(f) == 3 {
				a, err := netip.ParseAddr(strings.Split(f[2], "/")[0])
				if err == nil {
					if len(ms) == 0 {
						sessAddr = a
					} else {
						ms[len(ms)-1].addr = a
					}
				}
			}
		case strings.HasPrefix(line, "m="):
			f := strings.Fields(line[2:])
			if len(f) >= 3 {
				port, _ := strconv.Atoi(f[1])
				ms = append(ms, &m{port: port, rtp: strings.HasPrefix(f[2], "RTP/"), rtpmaps: map[uint8]rtpmap{}})
			}
		case strings.HasPrefix(line, "a=rtpmap:") && len(ms) > 0:
			f := strings.Fields(line[len("a=rtpmap:"):])
			if len(f) == 2 {
				pt, err := strconv.Atoi(f[0])
				if err != nil || pt < 0 || pt > 127 {
					continue
				}
				enc := strings.Split(f[1], "/")
				rate := 0
				if len(enc) > 1 {
					rate, _ = strconv.Atoi(enc[1])
				}
				ms[len(ms)-1].rtpmaps[uint8(pt)] = rtpmap{name: enc[0], rate: rate}
			}
		}
	}
	flush()
}

// compareStreams checks got against tshark's rows.
func compareStreams(t *testing.T, c *capture, want []refStream) {
	t.Helper()
	wantKeys := map[string]refStream{}
	for _, r := range want {
		wantKeys[r.key()] = r
	}
	var extra []string
	for k := range c.streams {
		if _, ok := wantKeys[k]; !ok {
			st := c.streams[k].s.Stats()
			extra = append(extra, fmt.Sprintf("%s (%d pkts from frame %d)", k, st.Packets, st.FirstFrame))
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("stream %s: not in tshark's list", k)
	}
	const tol = 0.001
	for _, r := range want {
		g, ok := c.streams[r.key()]
		if !ok {
			t.Errorf("stream %s (%d pkts): missing", r.key(), r.Packets)
			continue
		}
		st := g.s.Stats()
		name := r.key()
		if st.Packets != r.Packets || st.Lost != r.Lost {
			t.Errorf("%s: packets/lost = %d/%d, tshark %d/%d", name, st.Packets, st.Lost, r.Packets, r.Lost)
		}
		start := g.start.Sub(c.start).Seconds()
		checks := []struct {
			what      string
			got, want float64
		}{
			{"start_s", start, r.StartS},
			{"lost_pct", math.Round(st.LostPct*10) / 10, r.LostPct},
			{"min_delta", st.MinDeltaMs, r.MinDeltaMs},
			{"mean_delta", st.MeanDeltaMs, r.MeanDeltaMs},
			{"max_delta", st.MaxDeltaMs, r.MaxDeltaMs},
			{"min_jitter", st.MinJitterMs, r.MinJitterMs},
			{"mean_jitter", st.MeanJitterMs, r.MeanJitterMs},
			{"max_jitter", st.MaxJitterMs, r.MaxJitterMs},
		}
		for _, ck := range checks {
			if math.Abs(ck.got-ck.want) > tol {
				t.Errorf("%s: %s = %.6f, tshark %.3f", name, ck.what, ck.got, ck.want)
			}
		}
		if st.Problem != r.Problem {
			t.Errorf("%s: problem = %v, tshark %v", name, st.Problem, r.Problem)
		}
	}
}

// TestCorpusStreams checks every capture of the corpus against the
// rtp_streams tshark 4.0.17 gave for it (*.tshark.json).
func TestCorpusStreams(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "pcaps")
	refs, _ := filepath.Glob(filepath.Join(dir, "*.tshark.json"))
	if len(refs) == 0 {
		t.Skip("no reference files in corpus")
	}
	for _, ref := range refs {
		pcap := strings.TrimSuffix(ref, ".tshark.json")
		t.Run(filepath.Base(pcap), func(t *testing.T) {
			raw, err := os.ReadFile(ref)
			if err != nil {
				t.Fatal(err)
			}
			var r reference
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			compareStreams(t, readCapture(t, pcap), r.RTPStreams.Streams)
		})
	}
}
