package capture

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// seg is one crafted TCP segment: sequence offset from the initial sequence
// number, payload and flags (PSH|ACK when 0).
type seg struct {
	off   uint32
	data  string
	flags byte
}

const isn = 0xfffffff0 // close to 2^32: every test also crosses the wrap

// runSegments writes segments client→server into a pcapng and reads them back.
func runSegments(t *testing.T, segs []seg) []Datagram {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("192.0.2.1:40000"), netip.MustParseAddrPort("192.0.2.2:5060")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, s := range segs {
		f := s.flags
		if f == 0 {
			f = tcpPSH | tcpACK
		}
		d := &Datagram{Src: src, Dst: dst, Time: t0.Add(time.Duration(i) * time.Millisecond)}
		if err := w.packet(d, src.Addr(), dst.Addr(), 6, []byte(s.data), isn+s.off, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, "crafted.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var out []Datagram
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if d.Transport != TCP || d.Src != src || d.Dst != dst {
			t.Errorf("datagram %s %s>%s", d.Transport, d.Src, d.Dst)
		}
		c := *d
		c.Payload = bytes.Clone(d.Payload)
		out = append(out, c)
	}
}

// want is one expected datagram: payload, frame and Truncated.
type want struct {
	payload string
	frame   int
	trunc   bool
}

func TestTCPReassembly(t *testing.T) {
	m1 := string(sipMessage("INVITE", 1, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"))
	m2 := "SIP/2.0 180 Ringing\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	m3 := "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nl: 5\r\n\r\nhello"
	all := m1 + m2
	n1 := uint32(len(m1))
	// ws builds one masked WebSocket text frame (RFC 6455 §5.2, §5.3).
	ws := func(p string, fin bool) string {
		mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
		b := []byte{0x01, 0x80}
		if fin {
			b[0] |= 0x80
		}
		if len(p) < 126 {
			b[1] |= byte(len(p))
		} else {
			b[1] |= 126
			b = append(b, byte(len(p)>>8), byte(len(p)))
		}
		b = append(b, mask[:]...)
		for i := range len(p) {
			b = append(b, p[i]^mask[i&3])
		}
		return string(b)
	}
	upgrade := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
	wsStream := upgrade + ws(m1, true) + ws(m2[:10], false) + "\x80\x80\x00\x00\x00\x00" + ws(m3, true)
	u := uint32(len(upgrade))
	tls := "\x16\x03\x01\x00\x05hello\x17\x03\x03\x00\x02ab"

	tests := []struct {
		name string
		segs []seg
		want []want
	}{
		{"two messages in one segment", []seg{{0, all, 0}},
			[]want{{m1, 1, false}, {m2, 1, false}}},
		{"one message over three segments", []seg{{0, m1[:10], 0}, {10, m1[10:50], 0}, {50, m1[50:], 0}},
			[]want{{m1, 3, false}}},
		{"out of order", []seg{{0, "", tcpSYN}, {31, all[30 : n1+5], 0}, {n1 + 6, all[n1+5:], 0}, {1, all[:30], 0}},
			[]want{{m1, 4, false}, {m2, 4, false}}},
		{"out of order without SYN", []seg{{30, all[30 : n1+5], 0}, {n1 + 5, all[n1+5:], 0}, {0, all[:30], 0}},
			// Like Wireshark, the first segment seen starts the stream: the
			// earlier one is taken as a retransmission.
			[]want{{all[30:n1], 2, true}, {m2, 2, false}}},
		{"retransmission", []seg{{0, m1[:40], 0}, {0, m1[:40], 0}, {40, m1[40:], 0}, {40, m1[40:], 0}},
			[]want{{m1, 3, false}}},
		{"overlapping segments", []seg{{0, all[:60], 0}, {20, all[20 : n1+3], 0}, {n1, all[n1:], 0}},
			[]want{{m1, 2, false}, {m2, 3, false}}},
		{"keep-alive CRLFs", []seg{{0, "\r\n\r\n", 0}, {4, m1 + "\r\n", 0}, {6 + n1, m3, 0}},
			[]want{{m1, 2, false}, {m3, 3, false}}},
		{"SYN then data", []seg{{0, "", tcpSYN}, {1, m3, 0}, {1 + uint32(len(m3)), "", tcpFIN | tcpACK}},
			[]want{{m3, 2, false}}},
		{"capture starts inside a message", []seg{{0, m1[20:] + m2, 0}},
			[]want{{m1[20:], 1, true}, {m2, 1, false}}},
		{"lost segment", []seg{{0, all[:20], 0}, {n1, m2, 0}, {n1 + uint32(len(m2)), "", tcpFIN | tcpACK}},
			[]want{{all[:20], 3, true}, {m2, 3, false}}},
		{"message cut by the end of the file", []seg{{0, m1[:40], 0}},
			[]want{{m1[:40], 1, true}}},
		{"HTTP on the SIP port", []seg{{0, "HTTP/1.1 200 OK\r\nContent-", 0}, {25, "Length: 0\r\n\r\n", 0}},
			[]want{{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2, false}}},
		{"TLS records", []seg{{0, tls[:10], 0}, {10, tls[10:], 0}},
			[]want{{tls[:10], 1, false}, {tls[10:], 2, false}}},
		{"SIP over WebSocket", []seg{{0, wsStream[:u+30], 0}, {u + 30, wsStream[u+30:], 0}},
			[]want{{upgrade, 1, false}, {m1, 2, false}, {m2[:10], 2, false}, {m3, 2, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runSegments(t, tc.segs)
			if len(got) != len(tc.want) {
				for _, g := range got {
					t.Logf("got frame %d trunc=%v %q", g.Frame, g.Truncated, g.Payload)
				}
				t.Fatalf("%d datagrams, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				wantWS := strings.HasPrefix(tc.name, "SIP over WebSocket") && i > 0
				if g.WebSocket != wantWS {
					t.Errorf("datagram %d: WebSocket = %v", i, g.WebSocket)
				}
				if string(g.Payload) != w.payload || g.Frame != w.frame || g.Truncated != w.trunc {
					t.Errorf("datagram %d: frame %d trunc=%v %q\nwant frame %d trunc=%v %q",
						i, g.Frame, g.Truncated, g.Payload, w.frame, w.trunc, w.payload)
				}
			}
		})
	}
}

func TestContentLength(t *testing.T) {
	tests := []struct {
		name, head string
		want       int
	}{
		{"long form", "INVITE sip:a SIP/2.0\r\nContent-Length: 12", 12},
		{"compact", "SIP/2.0 200 OK\r\nl:7", 7},
		{"case and spaces", "SIP/2.0 200 OK\r\ncontent-LENGTH :  3 ", 3},
		{"absent", "SIP/2.0 200 OK\r\nVia: x", 0},
		{"negative", "SIP/2.0 200 OK\r\nContent-Length: -999", -1},
		{"not in start line", "l: 5 sip:x SIP/2.0\r\nVia: x", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := contentLength([]byte(tc.head)); got != tc.want {
				t.Errorf("contentLength = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestIsSIPStart(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"INVITE sip:bob@biloxi.com SIP/2.0", true},
		{"SIP/2.0 180 Ringing", true},
		{"SIP/2.0 100 ", true}, // RFC 4475 §3.1.1.13 empty reason phrase
		{"REGIStER sip:x SIP/2.0", true},
		{"HTTP/1.1 200 OK", false},
		{"SIP/2.0 OK", false},
		{"GET / HTTP/1.1", false},
		{"Via: SIP/2.0/UDP x SIP/2.0", false},
		{strings.Repeat("A", 5), false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			if got := isSIPStart([]byte(tc.line)); got != tc.want {
				t.Errorf("isSIPStart = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTCPStreamLimits(t *testing.T) {
	seg := func(src string, seq uint32, flags byte, data string) []byte {
		var sink bytes.Buffer
		s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort("192.0.2.2:5060")
		wr, _ := NewWriter(&sink, WriterOptions{})
		if err := wr.packet(&Datagram{Src: s, Dst: d}, s.Addr(), d.Addr(), 6, []byte(data), seq, flags); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(wr.buf[14 : 14+20+20+len(data)])
	}
	partial := "INVITE sip:bob@example.com SIP/2.0\r\nContent-Length: 10\r\n\r\nabc"
	t0 := time.Unix(1000, 0)

	t.Run("idle stream flushed by packet time", func(t *testing.T) {
		var d decoder
		d.init()
		d.frame(seg("192.0.2.1:1000", 1, tcpPSH|tcpACK, partial), linkRaw, 1, t0)
		d.frame(seg("192.0.2.1:1000", 100, tcpACK, ""), linkRaw, 2, t0.Add(time.Minute))
		if len(d.out) != 0 {
			t.Fatalf("flushed too early")
		}
		d.frame(seg("192.0.2.9:9", 1, tcpPSH|tcpACK, "x"), linkRaw, 3, t0.Add(time.Minute+tcpIdleTimeout+2*time.Second))
		if len(d.out) < 1 || string(d.out[0].Payload) != partial || !d.out[0].Truncated {
			t.Fatalf("idle stream not flushed: %d datagrams", len(d.out))
		}
		if _, ok := d.tcp.m[flowKey{netip.MustParseAddrPort("192.0.2.1:1000"), netip.MustParseAddrPort("192.0.2.2:5060")}]; ok {
			t.Errorf("idle stream still held")
		}
	})
	t.Run("RST flushes and forgets", func(t *testing.T) {
		var d decoder
		d.init()
		d.frame(seg("192.0.2.1:1000", 1, tcpPSH|tcpACK, partial), linkRaw, 1, t0)
		d.frame(seg("192.0.2.1:1000", 1+uint32(len(partial)), tcpRST, ""), linkRaw, 2, t0)
		if len(d.out) != 1 || !d.out[0].Truncated || d.out[0].Frame != 2 || len(d.tcp.m) != 0 {
			t.Fatalf("got %d datagrams, %d streams", len(d.out), len(d.tcp.m))
		}
	})
	t.Run("stream table bounded", func(t *testing.T) {
		var d decoder
		d.init()
		for i := range tcpMaxStreams + 5 {
			src := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(1024+i)).String()
			d.frame(seg(src, 1, tcpPSH|tcpACK, "INVITE sip:x SIP/2.0\r\n"), linkRaw, i+1, t0.Add(time.Duration(i)*time.Millisecond))
		}
		if len(d.tcp.m) > tcpMaxStreams {
			t.Errorf("%d streams held, limit %d", len(d.tcp.m), tcpMaxStreams)
		}
	})
}
