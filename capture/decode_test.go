package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// ipPacket builds an IPv4 or IPv6 UDP packet (no link header) with the
// Writer's frame builder, whose output tshark accepts (TestWriterRoundTrip).
func ipPacket(t *testing.T, src, dst string, payload []byte) []byte {
	t.Helper()
	var w Writer
	var sink bytes.Buffer
	w.ng, _ = newNgWriter(&sink, ngSection{}, ngInterface{linkType: LinkTypeEthernet})
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	dg := &Datagram{Src: s, Dst: d, Transport: UDP, Payload: payload}
	if err := w.packet(dg, s.Addr(), d.Addr(), 17, payload, 0, 0); err != nil {
		t.Fatal(err)
	}
	n := 20
	if s.Addr().Is6() {
		n = 40
	}
	return bytes.Clone(w.buf[14 : 14+n+8+len(payload)])
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

var macs = bytes.Repeat([]byte{0x02}, 12)

// ipv4Outer wraps inner in an IPv4 header of protocol proto (no checksum:
// the reader does not verify it).
func ipv4Outer(proto byte, inner []byte) []byte {
	h := []byte{0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2}
	binary.BigEndian.PutUint16(h[2:4], uint16(20+len(inner)))
	return cat(h, inner)
}

func TestDecodeEncapsulations(t *testing.T) {
	payload := []byte("SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n")
	ip4 := ipPacket(t, "192.0.2.1:5060", "192.0.2.2:5070", payload)
	ip6 := ipPacket(t, "[2001:db8::1]:5060", "[2001:db8::2]:5070", payload)
	eth := func(et uint16, p []byte) []byte { return cat(macs, u16(et), p) }
	// IPv6 with a hop-by-hop and a destination options header before UDP.
	ip6ext := bytes.Clone(ip6[:40])
	ip6ext[6] = 0                                                   // next: hop-by-hop
	binary.BigEndian.PutUint16(ip6ext[4:6], uint16(len(ip6)-40+16)) // + two 8-byte headers
	ip6ext = cat(ip6ext, []byte{60, 0, 1, 4, 0, 0, 0, 0}, []byte{17, 0, 1, 4, 0, 0, 0, 0}, ip6[40:])
	sll := func(p []byte) []byte { return cat([]byte{0, 0, 0, 1, 0, 6}, macs[:8], u16(0x0800), p) }
	sll2 := cat(u16(0x86dd), []byte{0, 0, 0, 0, 0, 1, 0, 1, 0, 6}, macs[:8], ip6) // proto, reserved, ifindex, hatype, pkttype, addrlen, addr
	erspan2 := cat([]byte{0x10, 0x00, 0x00, 0x01}, []byte{0, 0, 0, 0})            // ver 1, session 1, index 0
	erspan3 := cat([]byte{0x20, 0, 0, 1}, u32(0), []byte{0, 0, 0, 0})
	erspan3o := cat([]byte{0x20, 0, 0, 1}, u32(0), []byte{0, 0, 0, 1}, make([]byte, 8))

	tests := []struct {
		name     string
		linkType uint16
		frame    []byte
		wantSrc  string
	}{
		{"ethernet ipv4", linkEthernet, eth(0x0800, ip4), "192.0.2.1:5060"},
		{"ethernet ipv6", linkEthernet, eth(0x86dd, ip6), "[2001:db8::1]:5060"},
		{"ipv6 extension headers", linkEthernet, eth(0x86dd, ip6ext), "[2001:db8::1]:5060"},
		{"802.1Q", linkEthernet, eth(0x8100, cat(u16(142), u16(0x0800), ip4)), "192.0.2.1:5060"},
		{"QinQ", linkEthernet, eth(0x88a8, cat(u16(10), u16(0x8100), u16(20), u16(0x86dd), ip6)), "[2001:db8::1]:5060"},
		{"PPPoE session", linkEthernet, eth(0x8864, cat([]byte{0x11, 0, 0, 1}, u16(uint16(len(ip4)+2)), u16(0x0021), ip4)), "192.0.2.1:5060"},
		{"linux SLL", linkLinuxSLL, sll(ip4), "192.0.2.1:5060"},
		{"linux SLL2", linkLinuxSLL2, sll2, "[2001:db8::1]:5060"},
		{"null little-endian", linkNull, cat([]byte{2, 0, 0, 0}, ip4), "192.0.2.1:5060"},
		{"null big-endian ipv6 (macOS 30)", linkNull, cat([]byte{0, 0, 0, 30}, ip6), "[2001:db8::1]:5060"},
		{"loop", linkLoop, cat([]byte{0, 0, 0, 2}, ip4), "192.0.2.1:5060"},
		{"raw 101 ipv4", linkRaw, ip4, "192.0.2.1:5060"},
		{"raw 101 ipv6", linkRaw, ip6, "[2001:db8::1]:5060"},
		{"raw DLT 12", linkRawDLT12, ip4, "192.0.2.1:5060"},
		{"raw DLT 14", linkRawDLT14, ip6, "[2001:db8::1]:5060"},
		{"ipv4 in ipv4", linkEthernet, eth(0x0800, ipv4Outer(4, ip4)), "192.0.2.1:5060"},
		{"ipv6 in ipv4", linkEthernet, eth(0x0800, ipv4Outer(41, ip6)), "[2001:db8::1]:5060"},
		{"GRE ipv4", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0), u16(0x0800), ip4))), "192.0.2.1:5060"},
		{"GRE key+seq", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0x3000), u16(0x86dd), u32(7), u32(8), ip6))), "[2001:db8::1]:5060"},
		{"GRE v1 PPP (PPTP)", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0x3081), u16(0x880b), u16(uint16(len(ip4)+4)), u16(1), u32(1), u32(0), []byte{0xff, 0x03}, u16(0x0021), ip4))), "192.0.2.1:5060"},
		{"GRE PPP compressed protocol", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0), u16(0x880b), []byte{0x21}, ip4))), "192.0.2.1:5060"},
		{"GRE transparent ethernet", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0), u16(0x6558), eth(0x0800, ip4)))), "192.0.2.1:5060"},
		{"ERSPAN type II", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0x1000), u16(0x88be), u32(1), erspan2, eth(0x0800, ip4)))), "192.0.2.1:5060"},
		{"ERSPAN type I", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0), u16(0x88be), eth(0x0800, ip4)))), "192.0.2.1:5060"},
		{"ERSPAN type III", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0x1000), u16(0x22eb), u32(1), erspan3, eth(0x86dd, ip6)))), "[2001:db8::1]:5060"},
		{"ERSPAN type III platform subheader", linkEthernet, eth(0x0800, ipv4Outer(47, cat(u16(0x1000), u16(0x22eb), u32(1), erspan3o, eth(0x0800, ip4)))), "192.0.2.1:5060"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d decoder
			d.init()
			d.frame(tc.frame, tc.linkType, 7, time.Unix(1, 0))
			if len(d.out) != 1 {
				t.Fatalf("%d datagrams, want 1", len(d.out))
			}
			g := d.out[0]
			if g.Src.String() != tc.wantSrc || g.Dst.Port() != 5070 || g.Transport != UDP || g.Frame != 7 || g.Truncated {
				t.Errorf("got %s %s>%s frame %d trunc=%v", g.Transport, g.Src, g.Dst, g.Frame, g.Truncated)
			}
			if !bytes.Equal(g.Payload, payload) {
				t.Errorf("payload %q", g.Payload)
			}
		})
	}
}

func TestDecodeSnapTruncated(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 200)
	ip4 := ipPacket(t, "192.0.2.1:5060", "192.0.2.2:5070", payload)
	var d decoder
	d.init()
	d.frame(ip4[:100], linkRaw, 1, time.Unix(1, 0))
	if len(d.out) != 1 || !d.out[0].Truncated || len(d.out[0].Payload) != 100-28 {
		t.Fatalf("got %+v", d.out)
	}
}

// fragments splits an IPv4 packet into fragments of at most size payload
// bytes (a multiple of 8), as RFC 791 §3.2 describes.
func fragments(ip []byte, size int) [][]byte {
	hdr, data := ip[:20], ip[20:]
	var out [][]byte
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		h := bytes.Clone(hdr)
		binary.BigEndian.PutUint16(h[2:4], uint16(20+end-off))
		fo := uint16(off / 8)
		if end < len(data) {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(h[6:8], fo)
		out = append(out, cat(h, data[off:end]))
	}
	return out
}

func TestDefragIPv4(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 100) // 1600 bytes
	ip4 := ipPacket(t, "192.0.2.1:5060", "192.0.2.2:5070", payload)
	fr := fragments(ip4, 512) // 4 fragments
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name      string
		order     []int
		gap       time.Duration // between fragments
		wantTrunc bool
		wantLen   int
		wantFrame int
	}{
		{"in order", []int{0, 1, 2, 3}, time.Millisecond, false, len(payload), 4},
		{"reversed", []int{3, 2, 1, 0}, time.Millisecond, false, len(payload), 4},
		{"duplicate", []int{0, 1, 1, 2, 3}, time.Millisecond, false, len(payload), 5},
		{"missing last: flushed at end", []int{0, 1, 2}, time.Millisecond, true, 3*512 - 8, 3},
		{"missing middle: contiguous start only", []int{0, 2, 3}, time.Millisecond, true, 512 - 8, 3},
		{"timeout by packet time", []int{0, 1, 2}, 0, true, 3*512 - 8, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d decoder
			d.init()
			ts := t0
			for i, k := range tc.order {
				d.frame(fr[k], linkRaw, i+1, ts)
				ts = ts.Add(tc.gap)
			}
			if tc.gap == 0 {
				// A later unrelated frame 31 s on expires the entry.
				d.frame(ipPacket(t, "192.0.2.9:1", "192.0.2.8:2", nil), linkRaw, len(tc.order)+1, t0.Add(31*time.Second))
				if len(d.out) < 1 || len(d.out[0].Payload) != tc.wantLen || !d.out[0].Truncated {
					t.Fatalf("not expired by packet time: %d datagrams", len(d.out))
				}
				return
			}
			if tc.wantTrunc {
				if len(d.out) != 0 {
					t.Fatalf("incomplete datagram delivered before the end")
				}
				d.flushAll()
			}
			if len(d.out) != 1 {
				t.Fatalf("%d datagrams, want 1", len(d.out))
			}
			g := d.out[0]
			if len(g.Payload) != tc.wantLen || g.Truncated != tc.wantTrunc || g.Frame != tc.wantFrame {
				t.Errorf("got %d bytes trunc=%v frame %d, want %d bytes trunc=%v frame %d",
					len(g.Payload), g.Truncated, g.Frame, tc.wantLen, tc.wantTrunc, tc.wantFrame)
			}
			if !bytes.Equal(g.Payload, payload[:len(g.Payload)]) {
				t.Errorf("payload corrupted")
			}
		})
	}
}

func TestDefragBounded(t *testing.T) {
	var d decoder
	d.init()
	ts := time.Unix(1000, 0)
	for i := range fragMaxEntries + 10 {
		ip4 := ipPacket(t, "192.0.2.1:5060", "192.0.2.2:5070", make([]byte, 64))
		binary.BigEndian.PutUint16(ip4[4:6], uint16(i)) // identification
		d.frame(fragments(ip4, 16)[0], linkRaw, i+1, ts)
	}
	if len(d.frag.m) > fragMaxEntries {
		t.Errorf("%d datagrams held, limit %d", len(d.frag.m), fragMaxEntries)
	}
	if len(d.out) != 10 {
		t.Errorf("%d evicted datagrams delivered, want 10", len(d.out))
	}
}
