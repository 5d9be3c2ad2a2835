package sdpneg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// corpusDir is the shared corpus: VOIPLAB_CORPUS, else the repository's
// sibling ../shared/corpus seen from this package directory.
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

// sipSDP is the SDP body of one SIP message found in a capture.
type sipSDP struct {
	frame int
	first string // request or status line
	body  []byte
}

// readSDPBodies returns the SDP bodies of the SIP messages that a capture
// carries in single UDP datagrams or TCP segments (no IP defragmentation, TCP
// reassembly, WebSocket or SCTP: the capture package does those).
func readSDPBodies(t testing.TB, path string) []sipSDP {
	t.Helper()
	var out []sipSDP
	walkPayloads(t, path, func(frame int, b []byte) {
		for _, m := range splitSIP(b) {
			m.frame = frame
			out = append(out, m)
		}
	})
	return out
}

// walkPayloads calls fn with the frame number and transport payload of each
// packet that gopacket decodes down to UDP or TCP.
func walkPayloads(t testing.TB, path string, fn func(frame int, payload []byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var (
		src  source
		link layers.LinkType
	)
	if strings.HasSuffix(path, ".pcapng") {
		r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		src, link = r, r.LinkType()
	}
	for frame := 1; ; frame++ {
		data, _, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			break // a truncated capture: keep what was read
		}
		p := gopacket.NewPacket(data, link, gopacket.NoCopy)
		tl := p.TransportLayer()
		if tl == nil {
			continue
		}
		fn(frame, tl.LayerPayload())
	}
}

// splitSIP cuts a transport payload into SIP messages (RFC 3261 §7.5, §20.14
// Content-Length; §7.3.3 compact forms "c" and "l") and keeps those whose
// Content-Type is application/sdp.
func splitSIP(b []byte) []sipSDP {
	var out []sipSDP
	for len(b) > 0 {
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 {
			break
		}
		head := string(b[:end])
		rest := b[end+4:]
		first, _, _ := strings.Cut(head, "\r\n")
		if !strings.HasPrefix(first, "SIP/2.0 ") && !strings.HasSuffix(first, " SIP/2.0") {
			break
		}
		ctype, clen := "", -1
		for h := range strings.SplitSeq(head, "\r\n") {
			name, value, ok := strings.Cut(h, ":")
			if !ok {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "content-type", "c":
				ctype = strings.ToLower(strings.TrimSpace(value))
			case "content-length", "l":
				clen, _ = strconv.Atoi(strings.TrimSpace(value))
			}
		}
		if clen < 0 || clen > len(rest) {
			clen = len(rest)
		}
		if strings.HasPrefix(ctype, "application/sdp") && clen > 0 {
			out = append(out, sipSDP{first: first, body: rest[:clen]})
		}
		b = rest[clen:]
	}
	return out
}

// countStatus counts the SIP messages of a capture whose first line starts
// with prefix, in single datagrams or segments.
func countStatus(t testing.TB, path, prefix string) int {
	t.Helper()
	n := 0
	walkPayloads(t, path, func(_ int, b []byte) {
		n += bytes.Count(b, []byte("\r\n"+prefix))
		if bytes.HasPrefix(b, []byte(prefix)) {
			n++
		}
	})
	return n
}

// tsharkRow is one line of testdata/tshark-sdp.tsv.
type tsharkRow struct {
	file    string
	frame   int
	media   []string // "audio 6000 RTP/AVP 9"
	conns   []string // "IN IP4 10.0.2.20"
	rtpmaps []string // "rtpmap:9 G722/8000"
}

func readTsharkRows(t *testing.T) []tsharkRow {
	t.Helper()
	f, err := os.Open("testdata/tshark-sdp.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, "|")
	}
	var rows []tsharkRow
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 5 {
			t.Fatalf("bad tsv line %q", sc.Text())
		}
		n, _ := strconv.Atoi(c[1])
		rows = append(rows, tsharkRow{file: c[0], frame: n, media: split(c[2]), conns: split(c[3]), rtpmaps: split(c[4])})
	}
	return rows
}

// needsReassembly lists captures whose SDP-carrying frames the simple reader
// of this test cannot reach (IP fragments, TCP segments, WebSocket, SCTP,
// tunnels gopacket does not decode); their frames are checked when found.
var needsReassembly = map[string]bool{
	"heplify_sip_ipv4_tcp_fragmented.pcap": true,
	"heplify_sip_tcp_websocket.pcap":       true,
	"heplify_sip_sctp.pcap":                true,
	"pkts_fragmented_udp_sip.pcap":         true,
	"sngrep_ipv6frag.pcap":                 true,
	"ndpi_fuzz-2006-06-26-2594.pcap":       true,
}

// fuzzed lists captures of deliberately broken SIP: Parse must report
// ErrMalformed and still return what it could read.
var fuzzed = map[string]bool{"ndpi_fuzz-2006-06-26-2594.pcap": true}

// TestCorpusAgainstTshark parses the SDP of every SIP message of the corpus
// that tshark decodes SDP in, and compares m= lines, c= addresses and
// a=rtpmap codecs with tshark 4.0's (testdata/tshark-sdp.tsv, made by
// testdata/make-tshark-sdp.sh).
func TestCorpusAgainstTshark(t *testing.T) {
	dir := corpusDir(t)
	rows := readTsharkRows(t)
	byFile := map[string][]tsharkRow{}
	var files []string
	for _, r := range rows {
		if byFile[r.file] == nil {
			files = append(files, r.file)
		}
		byFile[r.file] = append(byFile[r.file], r)
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			msgs := readSDPBodies(t, filepath.Join(dir, "pcaps", file))
			byFrame := map[int][]sipSDP{}
			for _, m := range msgs {
				byFrame[m.frame] = append(byFrame[m.frame], m)
			}
			checked := 0
			for _, r := range byFile[file] {
				ms := byFrame[r.frame]
				if len(ms) == 0 {
					if !needsReassembly[file] {
						t.Errorf("frame %d: no SIP message with SDP found", r.frame)
					}
					continue
				}
				checked++
				var media, conns []string
				var sessions []*Session
				for _, m := range ms {
					s, err := Parse(m.body)
					if err != nil && !(fuzzed[file] && errors.Is(err, ErrMalformed) && s != nil) {
						t.Errorf("frame %d (%s): %v", r.frame, m.first, err)
						continue
					}
					sessions = append(sessions, s)
					media = append(media, mLines(s)...)
					conns = append(conns, cLines(s)...)
				}
				if fuzzed[file] {
					// Broken SDP: the tolerant parser must still find every
					// m= line and the rtpmap codecs tshark decodes.
					if len(media) != len(r.media) {
						t.Errorf("frame %d: %d m= lines, tshark %d", r.frame, len(media), len(r.media))
					}
				} else if strings.Join(media, "|") != strings.Join(r.media, "|") {
					t.Errorf("frame %d: m= %q, tshark %q", r.frame, media, r.media)
				}
				if !fuzzed[file] && !sameSet(conns, r.conns) {
					t.Errorf("frame %d: c= %q, tshark %q", r.frame, conns, r.conns)
				}
				for _, rm := range r.rtpmaps {
					if !hasRtpmap(sessions, rm) {
						t.Errorf("frame %d: tshark has %q, Parse has no such format", r.frame, rm)
					}
				}
			}
			t.Logf("%d of %d tshark frames checked", checked, len(byFile[file]))
			if checked == 0 && !needsReassembly[file] {
				t.Error("nothing checked")
			}
		})
	}
}

// mLines rebuilds each m= line as tshark's sdp.media shows it.
func mLines(s *Session) []string {
	var out []string
	for _, m := range s.Media {
		port := strconv.Itoa(m.Port)
		if m.PortCount > 1 {
			port += "/" + strconv.Itoa(m.PortCount)
		}
		f := []string{m.Type, port, m.Protocol}
		for _, x := range m.Formats {
			if x.PT >= 0 {
				f = append(f, strconv.Itoa(x.PT))
			} else {
				f = append(f, x.Name)
			}
		}
		out = append(out, strings.Join(f, " "))
	}
	return out
}

// cLines lists the c= lines as "IN IP4 addr" (session and media level).
func cLines(s *Session) []string {
	var out []string
	add := func(raw string) {
		if raw == "" {
			return
		}
		typ := "IP4"
		if strings.Contains(raw, ":") {
			typ = "IP6"
		}
		out = append(out, "IN "+typ+" "+raw)
	}
	add(s.ConnectionRaw)
	for _, m := range s.Media {
		if m.ConnectionRaw != s.ConnectionRaw {
			add(m.ConnectionRaw)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	set := func(xs []string) string {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		return fmt.Sprint(len(keys), sortStrings(keys))
	}
	return set(a) == set(b)
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// hasRtpmap reports whether a format of the sessions matches tshark's
// "rtpmap:<pt> <name>/<rate>[/<channels>]".
func hasRtpmap(ss []*Session, rm string) bool {
	v := strings.TrimPrefix(rm, "rtpmap:")
	ptText, enc, _ := strings.Cut(v, " ")
	pt, _ := strconv.Atoi(ptText)
	parts := strings.Split(enc, "/")
	want := Format{PT: pt, Name: parts[0], Channels: 1}
	if len(parts) > 1 {
		want.ClockRate = atoiPrefix(parts[1]) // tshark reads the leading digits
	}
	if len(parts) > 2 {
		want.Channels, _ = strconv.Atoi(parts[2])
	}
	for _, s := range ss {
		for _, m := range s.Media {
			for _, f := range m.Formats {
				if f.PT == want.PT && f.Name == want.Name && f.ClockRate == want.ClockRate && f.Channels == want.Channels {
					return true
				}
			}
		}
	}
	return false
}
