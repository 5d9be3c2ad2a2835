package capture

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// maxDepth bounds tunnel nesting (IP-in-IP, GRE, VLAN stacks) so that a
// crafted frame cannot recurse without end.
const maxDepth = 8

// decoder turns frames into datagrams. Decoding is written by hand rather
// than with gopacket's DecodingLayerParser: the tunnels we strip (GRE/PPP,
// ERSPAN, PPPoE, IP-in-IP) would each need a layer and a re-dispatch, and a
// straight-line decoder over the zero-copy frame allocates nothing and needs
// no "was this layer decoded" checks (see LIBRARIES.md).
type decoder struct {
	out    []Datagram
	outIdx int
	arena  []byte

	frameNo int
	ts      time.Time

	frag fragTable
	tcp  tcpTable
	sctp sctpTable

	warnings     []string
	lostWarnings int
}

func (d *decoder) init() {
	d.frag.init()
	d.tcp.init()
}

func (d *decoder) pop() (*Datagram, bool) {
	if d.outIdx < len(d.out) {
		dg := &d.out[d.outIdx] // valid until resetOutput: no copy of the struct per datagram
		d.outIdx++
		return dg, true
	}
	return nil, false
}

// resetOutput forgets the datagrams already returned: their payloads (which
// point into the frame buffer or the arena) may now be overwritten.
func (d *decoder) resetOutput() {
	d.out = d.out[:0]
	d.outIdx = 0
	d.arena = d.arena[:0]
}

// keep copies b into the arena, so that it outlives the structure it came from
// until the next frame is read.
func (d *decoder) keep(b []byte) []byte {
	start := len(d.arena)
	d.arena = append(d.arena, b...)
	return d.arena[start:len(d.arena):len(d.arena)]
}

func (d *decoder) emit(src, dst netip.AddrPort, tr Transport, payload []byte, truncated bool) {
	d.out = append(d.out, Datagram{
		Frame: d.frameNo, Time: d.ts, Src: src, Dst: dst,
		Transport: tr, Payload: payload, Truncated: truncated,
	})
}

func (d *decoder) warn(s string) {
	if len(d.warnings) < maxWarnings {
		d.warnings = append(d.warnings, s)
	} else {
		d.lostWarnings++
	}
}

// takeWarnings returns the warnings so far and how many more were dropped.
func (d *decoder) takeWarnings() ([]string, int) {
	w, n := d.warnings, d.lostWarnings
	d.warnings, d.lostWarnings = nil, 0
	return w, n
}

// frame decodes one captured frame of the given link type. A frame cut by
// the snap length is seen as such from its IP and UDP length fields.
func (d *decoder) frame(b []byte, linkType uint16, frameNo int, ts time.Time) {
	d.frameNo = frameNo
	d.ts = ts
	d.frag.expire(d, ts)
	d.tcp.expire(d, ts)
	d.link(b, linkType)
}

// flushAll delivers what the reassemblers still hold at the end of the file.
func (d *decoder) flushAll() {
	d.resetOutput()
	d.frag.flushAll(d)
	d.tcp.flushAll(d)
	d.sctp.flushAll(d)
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// link strips the link-layer header.
func (d *decoder) link(b []byte, lt uint16) {
	switch lt {
	case linkEthernet:
		d.ether(b, 0)
	case linkLinuxSLL:
		// Linux cooked capture v1: 16-byte header, protocol last.
		if len(b) < 16 {
			return
		}
		d.etherType(be16(b[14:16]), b[16:], 0)
	case linkLinuxSLL2:
		// Linux cooked capture v2: 20-byte header, protocol first.
		if len(b) < 20 {
			return
		}
		d.etherType(be16(b[0:2]), b[20:], 0)
	case linkNull, linkLoop:
		// BSD loopback: a 4-byte address family, in host byte order for
		// NULL and network byte order for LOOP.
		if len(b) < 4 {
			return
		}
		fam := binary.LittleEndian.Uint32(b)
		if lt == linkLoop || fam > 0xffff {
			fam = be32(b)
		}
		switch fam {
		case 2:
			d.ipv4(b[4:], 0)
		case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
			d.ipv6(b[4:], 0)
		}
	case linkRaw, linkRawDLT12, linkRawDLT14, linkIPv4, linkIPv6:
		d.rawIP(b, 0)
	}
}

func (d *decoder) rawIP(b []byte, depth int) {
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		d.ipv4(b, depth)
	case 6:
		d.ipv6(b, depth)
	}
}

func (d *decoder) ether(b []byte, depth int) {
	if len(b) < 14 || depth > maxDepth {
		return
	}
	d.etherType(be16(b[12:14]), b[14:], depth)
}

// etherType dispatches on an EtherType, stripping 802.1Q / 802.1ad (QinQ)
// tags and PPPoE session headers on the way.
func (d *decoder) etherType(et uint16, b []byte, depth int) {
	for range maxDepth {
		switch et {
		case 0x8100, 0x88a8, 0x9100: // IEEE 802.1Q tag, 802.1ad S-tag, old QinQ
			if len(b) < 4 {
				return
			}
			et = be16(b[2:4])
			b = b[4:]
			continue
		case 0x0800:
			d.ipv4(b, depth)
		case 0x86dd:
			d.ipv6(b, depth)
		case 0x8864: // RFC 2516 §4 PPPoE session: 6-byte header, then PPP
			if len(b) < 6 {
				return
			}
			d.ppp(b[6:], depth)
		}
		return
	}
}

// ppp decodes a PPP frame (RFC 1661 §2), with or without the HDLC-like
// address/control bytes (RFC 1662 §3) and protocol field compression.
func (d *decoder) ppp(b []byte, depth int) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) < 1 {
		return
	}
	var proto uint16
	if b[0]&1 == 1 { // compressed 1-byte protocol (RFC 1661 §6.5)
		proto = uint16(b[0])
		b = b[1:]
	} else {
		if len(b) < 2 {
			return
		}
		proto = be16(b)
		b = b[2:]
	}
	switch proto {
	case 0x0021:
		d.ipv4(b, depth)
	case 0x0057:
		d.ipv6(b, depth)
	}
}

func (d *decoder) ipv4(b []byte, depth int) {
	if len(b) < 20 || b[0]>>4 != 4 || depth > maxDepth {
		return
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || len(b) < ihl {
		return
	}
	truncated := false
	total := int(be16(b[2:4]))
	switch {
	case total < ihl: // 0 with TCP segmentation offload: trust the capture
	case total > len(b):
		truncated = true
	default:
		b = b[:total]
	}
	src := netip.AddrFrom4([4]byte(b[12:16]))
	dst := netip.AddrFrom4([4]byte(b[16:20]))
	proto := b[9]
	// RFC 791 §3.1: MF flag and fragment offset in 8-byte units.
	fo := be16(b[6:8])
	if fo&0x3fff != 0 {
		d.frag.add(d, fragKey{src: src, dst: dst, id: uint32(be16(b[4:6])), proto: proto},
			int(fo&0x1fff)*8, fo&0x2000 != 0, b[ihl:], truncated, depth)
		return
	}
	d.transport(proto, src, dst, b[ihl:], truncated, depth)
}

func (d *decoder) ipv6(b []byte, depth int) {
	if len(b) < 40 || b[0]>>4 != 6 || depth > maxDepth {
		return
	}
	truncated := false
	if plen := int(be16(b[4:6])); plen != 0 { // 0: jumbogram (RFC 2675), trust the capture
		if 40+plen > len(b) {
			truncated = true
		} else {
			b = b[:40+plen]
		}
	}
	src := netip.AddrFrom16([16]byte(b[8:24]))
	dst := netip.AddrFrom16([16]byte(b[24:40]))
	d.ipv6Chain(b[6], src, dst, b[40:], truncated, depth)
}

// ipv6Chain skips IPv6 extension headers (RFC 8200 §4) and hands the upper
// layer to transport; a Fragment header goes to the reassembler.
func (d *decoder) ipv6Chain(nh uint8, src, dst netip.Addr, b []byte, truncated bool, depth int) {
	for range 16 {
		switch nh {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination, mobility, HIP, shim6
			if len(b) < 2 {
				return
			}
			l := (int(b[1]) + 1) * 8
			if len(b) < l {
				return
			}
			nh, b = b[0], b[l:]
		case 51: // RFC 4302 §2.2 AH: length in 4-byte units minus 2
			if len(b) < 2 {
				return
			}
			l := (int(b[1]) + 2) * 4
			if len(b) < l {
				return
			}
			nh, b = b[0], b[l:]
		case 44: // RFC 8200 §4.5 Fragment header
			if len(b) < 8 {
				return
			}
			fo := be16(b[2:4])
			d.frag.add(d, fragKey{src: src, dst: dst, id: be32(b[4:8]), proto: b[0], v6: true},
				int(fo&0xfff8), fo&1 != 0, b[8:], truncated, depth)
			return
		case 59: // no next header
			return
		default:
			d.transport(nh, src, dst, b, truncated, depth)
			return
		}
	}
}

// transport dispatches on the IP protocol number.
func (d *decoder) transport(proto uint8, src, dst netip.Addr, b []byte, truncated bool, depth int) {
	switch proto {
	case 17:
		d.udp(src, dst, b, truncated)
	case 6:
		d.tcp.segment(d, src, dst, b, truncated)
	case 132:
		d.sctp.packet(d, src, dst, b, truncated)
	case 4: // IPv4 in IP (RFC 2003)
		d.ipv4(b, depth+1)
	case 41: // IPv6 in IP (RFC 4213 §3.5)
		d.ipv6(b, depth+1)
	case 47:
		d.gre(b, depth+1)
	}
}

// udp emits the UDP payload (RFC 768), cut to the UDP length.
func (d *decoder) udp(src, dst netip.Addr, b []byte, truncated bool) {
	if len(b) < 8 {
		return
	}
	p := b[8:]
	if ulen := int(be16(b[4:6])); ulen >= 8 {
		if ulen-8 <= len(p) {
			p = p[:ulen-8]
		} else {
			truncated = true
		}
	}
	d.emit(netip.AddrPortFrom(src, be16(b[0:2])), netip.AddrPortFrom(dst, be16(b[2:4])), UDP, p, truncated)
}

// gre strips a GRE header (RFC 2784, RFC 2890 key and sequence; version 1 is
// the enhanced GRE of PPTP, RFC 2637 §4.1, with an optional acknowledgement).
func (d *decoder) gre(b []byte, depth int) {
	if len(b) < 4 || depth > maxDepth {
		return
	}
	flags := be16(b[0:2])
	proto := be16(b[2:4])
	hl := 4
	if flags&0x8000 != 0 { // checksum present (+ reserved1)
		hl += 4
	}
	if flags&0x2000 != 0 { // key
		hl += 4
	}
	seq := flags&0x1000 != 0
	if seq {
		hl += 4
	}
	if flags&0x0007 == 1 && flags&0x0080 != 0 { // version 1 acknowledgement
		hl += 4
	}
	if len(b) < hl {
		return
	}
	b = b[hl:]
	switch proto {
	case 0x0800:
		d.ipv4(b, depth)
	case 0x86dd:
		d.ipv6(b, depth)
	case 0x880b:
		d.ppp(b, depth)
	case 0x6558: // transparent Ethernet bridging
		d.ether(b, depth+1)
	case 0x88be:
		// ERSPAN: type I has no sequence number and no header; type II
		// has an 8-byte header before the mirrored Ethernet frame.
		if seq {
			if len(b) < 8 {
				return
			}
			b = b[8:]
		}
		d.ether(b, depth+1)
	case 0x22eb:
		// ERSPAN type III: 12-byte header, plus an 8-byte platform
		// specific subheader when the O flag (last bit) is set.
		if len(b) < 12 {
			return
		}
		o := b[11]&1 != 0
		b = b[12:]
		if o {
			if len(b) < 8 {
				return
			}
			b = b[8:]
		}
		d.ether(b, depth+1)
	default:
		// Any EtherType-like payload (VLAN, PPPoE).
		d.etherType(proto, b, depth+1)
	}
}
