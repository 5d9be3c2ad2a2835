package bpf

import (
	"fmt"
	"net/netip"
	"strings"

	xbpf "golang.org/x/net/bpf"
)

// LinkType is the link-layer header a program is compiled for, numbered as
// in https://www.tcpdump.org/linktypes.html.
type LinkType uint16

// Link types the compiler knows.
const (
	Ethernet LinkType = 1   // LINKTYPE_ETHERNET: 14-byte header, EtherType at 12
	LinuxSLL LinkType = 113 // LINKTYPE_LINUX_SLL: 16-byte header, protocol at 14
)

// DefaultSnaplen is what an accepting program returns: the number of bytes
// to keep, tcpdump's default snapshot length.
const DefaultSnaplen = 262144

// DefaultFilter keeps SIP and likely RTP/RTCP: UDP unless either port is a
// well-known service port below 1024 (DNS, NTP, DHCP, SNMP, syslog), so that
// SIP on 5060 and RTP/RTCP on any dynamic port stay, and non-first IPv4
// fragments of a big SIP message (which carry no ports, so never match
// "portrange") are kept for reassembly; and SIP over TCP or TLS on the ports
// SIP servers use (5060-5099: 5060, 5061 for TLS, Kamailio's and lab PBXs'
// 5070-5090).
const DefaultFilter = "(udp and not portrange 1-1023) or tcp portrange 5060-5099"

// EtherTypes (IEEE 802 numbers) and IP protocol numbers (IANA) used below.
const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherRARP = 0x8035
	etherIPv6 = 0x86dd

	protoTCP     = 6
	protoUDP     = 17
	protoSCTP    = 132
	ipv6Fragment = 44 // RFC 8200 §4.5
)

// link describes where the network header starts for a link type.
type link struct {
	typeOff uint32 // offset of the 16-bit EtherType/protocol field
	nh      uint32 // offset of the network header
}

func linkFor(lt LinkType) (link, error) {
	switch lt {
	case Ethernet:
		return link{typeOff: 12, nh: 14}, nil
	case LinuxSLL:
		return link{typeOff: 14, nh: 16}, nil
	}
	return link{}, fmt.Errorf("bpf: link type %d: %w", lt, ErrUnsupported)
}

// Compile compiles a filter expression for link type lt. The program accepts
// a packet by returning snaplen (DefaultSnaplen if 0), and rejects it by
// returning 0.
func Compile(expression string, lt LinkType, snaplen uint32) ([]xbpf.Instruction, error) {
	l, err := linkFor(lt)
	if err != nil {
		return nil, err
	}
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	e, err := parse(expression)
	if err != nil {
		return nil, err
	}
	n, err := l.lower(e)
	if err != nil {
		return nil, err
	}
	// Jumps whose 8-bit offsets overflow are emitted again as a short jump
	// to long jumps (tcpdump's programs do the same), until all fit.
	far := map[int]bool{}
	for range 64 {
		g := gen{far: far}
		accept, reject := g.label(), g.label()
		g.emit(n, accept, reject)
		g.place(accept)
		g.ins = append(g.ins, pending{i: xbpf.RetConstant{Val: snaplen}})
		g.place(reject)
		g.ins = append(g.ins, pending{i: xbpf.RetConstant{Val: 0}})
		prog, tooFar := g.resolve()
		if len(tooFar) == 0 {
			if len(prog) > maxInstructions {
				return nil, fmt.Errorf("bpf: %d instructions (the kernel takes %d): %w", len(prog), maxInstructions, ErrTooLarge)
			}
			return prog, nil
		}
		for _, o := range tooFar {
			far[o] = true
		}
	}
	return nil, fmt.Errorf("bpf: jumps do not converge: %w", ErrTooLarge)
}

// maxInstructions is the kernel's BPF_MAXINSNS for classic socket filters.
const maxInstructions = 4096

// MustCompile is Compile for expressions known to be valid (constants,
// tests); it panics on error.
func MustCompile(expression string, lt LinkType) []xbpf.Instruction {
	p, err := Compile(expression, lt, 0)
	if err != nil {
		panic(err)
	}
	return p
}

// node is the lowered form of an expression: boolean combinations of tests.
type node interface{}

type (
	nAnd  struct{ a, b node }
	nOr   struct{ a, b node }
	nNot  struct{ x node }
	nTrue struct{}
	nTest struct {
		ldx  int64 // >= 0: "ldxb 4*([ldx]&0xf)" first (IPv4 header length)
		ind  bool  // load at X+off
		size int
		off  uint32
		mask uint32 // 0: no mask
		cond xbpf.JumpTest
		k    uint32
	}
)

func and(ns ...node) node {
	n := ns[0]
	for _, m := range ns[1:] {
		n = nAnd{n, m}
	}
	return n
}

func or(ns ...node) node {
	n := ns[0]
	for _, m := range ns[1:] {
		n = nOr{n, m}
	}
	return n
}

func ld(size int, off uint32, cond xbpf.JumpTest, k uint32) nTest {
	return nTest{ldx: -1, size: size, off: off, cond: cond, k: k}
}

func eq(size int, off, k uint32) nTest { return ld(size, off, xbpf.JumpEqual, k) }

func (l link) ether(t uint32) node { return eq(2, l.typeOff, t) }

func (l link) lower(e expr) (node, error) {
	switch e := e.(type) {
	case andExpr:
		a, err := l.lower(e.a)
		if err != nil {
			return nil, err
		}
		b, err := l.lower(e.b)
		if err != nil {
			return nil, err
		}
		return nAnd{a, b}, nil
	case orExpr:
		a, err := l.lower(e.a)
		if err != nil {
			return nil, err
		}
		b, err := l.lower(e.b)
		if err != nil {
			return nil, err
		}
		return nOr{a, b}, nil
	case notExpr:
		x, err := l.lower(e.x)
		if err != nil {
			return nil, err
		}
		return nNot{x}, nil
	case prim:
		return l.prim(e)
	}
	return nil, fmt.Errorf("bpf: %T: %w", e, ErrUnsupported)
}

func protoNumber(p string) uint32 {
	switch p {
	case "tcp":
		return protoTCP
	case "udp":
		return protoUDP
	case "sctp":
		return protoSCTP
	}
	return 0
}

// ipProto matches an IPv4 or IPv6 packet of transport p; on IPv6 it looks
// through one fragment header (RFC 8200 §4.5), as libpcap does.
func (l link) ipProto(p uint32) node {
	v4 := and(l.ether(etherIPv4), eq(1, l.nh+9, p))
	v6 := and(l.ether(etherIPv6), or(eq(1, l.nh+6, p), and(eq(1, l.nh+6, ipv6Fragment), eq(1, l.nh+40, p))))
	return or(v4, v6)
}

func dirComb(dir string, src, dst node) node {
	switch dir {
	case "src":
		return src
	case "dst":
		return dst
	case "and":
		return nAnd{src, dst}
	}
	return nOr{src, dst}
}

func (l link) prim(p prim) (node, error) {
	q := p.q
	if p.val == "" {
		switch q.proto {
		case "ip":
			return l.ether(etherIPv4), nil
		case "ip6":
			return l.ether(etherIPv6), nil
		}
		return l.ipProto(protoNumber(q.proto)), nil
	}
	switch q.typ {
	case "host", "net":
		return l.hostNet(q, p.val)
	case "port", "portrange":
		return l.port(q, p.val)
	}
	return nil, fmt.Errorf("bpf: %q: %w", q.typ, ErrUnsupported)
}

// hostNet compiles "host ADDR" and "net CIDR" (an address alone is a full
// length prefix).
func (l link) hostNet(q quals, v string) (node, error) {
	var pfx netip.Prefix
	var err error
	if strings.Contains(v, "/") {
		if q.typ == "host" {
			return nil, fmt.Errorf("bpf: host %q: a host takes an address, not a network: %w", v, ErrUnsupported)
		}
		pfx, err = netip.ParsePrefix(v)
		if err == nil && pfx.Masked() != pfx {
			// libpcap refuses "net 10.1.2.3/8": non-network bits set.
			return nil, fmt.Errorf("bpf: net %s: non-network bits set (did you mean %s?): %w", v, pfx.Masked(), ErrUnsupported)
		}
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(v)
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	if err != nil {
		return nil, fmt.Errorf("bpf: %s %q: not an IP address (host names are not resolved): %w", q.typ, v, ErrUnsupported)
	}
	if q.proto == "udp" || q.proto == "tcp" || q.proto == "sctp" {
		return nil, fmt.Errorf("bpf: %q modifier applied to %s: %w", q.proto, q.typ, ErrUnsupported)
	}
	a := pfx.Addr()
	if a.Is4() {
		if q.proto == "ip6" {
			return nil, fmt.Errorf("bpf: ip6 %s %s: an IPv4 address: %w", q.typ, v, ErrUnsupported)
		}
		b := a.As4()
		k := be32(b[:])
		mask := uint32(0xffffffff)
		if pfx.Bits() < 32 {
			mask = ^(uint32(0xffffffff) >> pfx.Bits())
		}
		word := func(off uint32) node {
			if pfx.Bits() == 0 { // 0.0.0.0/0: any address
				return nTrue{}
			}
			t := eq(4, l.nh+off, k)
			if mask != 0xffffffff {
				t.mask = mask
			}
			return t
		}
		// RFC 791 §3.1: source at 12, destination at 16.
		ip := and(l.ether(etherIPv4), dirComb(q.dir, word(12), word(16)))
		if q.proto == "ip" {
			return ip, nil
		}
		// RFC 826: sender protocol address at 14, target at 24 (Ethernet/IPv4).
		arp := and(or(l.ether(etherARP), l.ether(etherRARP)), dirComb(q.dir, word(14), word(24)))
		return or(ip, arp), nil
	}
	if q.proto == "ip" {
		return nil, fmt.Errorf("bpf: ip %s %s: an IPv6 address: %w", q.typ, v, ErrUnsupported)
	}
	b := a.As16()
	addr := func(off uint32) node {
		var ws []node
		for i := 0; i < 4; i++ {
			bits := min(max(pfx.Bits()-32*i, 0), 32)
			if bits == 0 {
				continue
			}
			t := eq(4, l.nh+off+uint32(4*i), be32(b[4*i:]))
			if bits < 32 {
				t.mask = ^(uint32(0xffffffff) >> bits)
			}
			ws = append(ws, t)
		}
		if len(ws) == 0 { // ::/0
			return nTrue{}
		}
		return and(ws...)
	}
	// RFC 8200 §3: source at 8, destination at 24.
	return and(l.ether(etherIPv6), dirComb(q.dir, addr(8), addr(24))), nil
}

// port compiles "port N" and "portrange N-M" for TCP, UDP and SCTP, whose
// headers all start with the source and destination ports (RFC 9293 §3.1,
// RFC 768, RFC 9260 §3.1).
func (l link) port(q quals, v string) (node, error) {
	if q.proto == "ip" || q.proto == "ip6" {
		return nil, fmt.Errorf("bpf: illegal qualifier %q of %s: %w", q.proto, q.typ, ErrUnsupported)
	}
	var lo, hi uint32
	var err error
	if q.typ == "portrange" {
		a, b, ok := strings.Cut(v, "-")
		if !ok {
			return nil, fmt.Errorf("bpf: portrange %q: want N-M: %w", v, ErrUnsupported)
		}
		if lo, err = parsePort(a); err != nil {
			return nil, err
		}
		if hi, err = parsePort(b); err != nil {
			return nil, err
		}
		if lo > hi {
			lo, hi = hi, lo
		}
	} else {
		if lo, err = parsePort(v); err != nil {
			return nil, err
		}
		hi = lo
	}
	rng := func(t nTest) node {
		if lo == hi {
			t.cond, t.k = xbpf.JumpEqual, lo
			return t
		}
		g, h := t, t
		g.cond, g.k = xbpf.JumpGreaterOrEqual, lo
		h.cond, h.k = xbpf.JumpGreaterThan, hi
		return nAnd{g, nNot{h}}
	}
	protoIs := func(off uint32) node {
		if p := protoNumber(q.proto); p != 0 {
			return eq(1, off, p)
		}
		return or(eq(1, off, protoSCTP), eq(1, off, protoTCP), eq(1, off, protoUDP))
	}
	// IPv6: only a transport header right after the fixed header.
	v6 := and(l.ether(etherIPv6), protoIs(l.nh+6),
		dirComb(q.dir, rng(ld(2, l.nh+40, 0, 0)), rng(ld(2, l.nh+42, 0, 0))))
	// IPv4: not a non-first fragment (RFC 791 §3.1 fragment offset), then
	// the ports after the variable-length header.
	ind := func(off uint32) nTest {
		return nTest{ldx: int64(l.nh), ind: true, size: 2, off: l.nh + off}
	}
	v4 := and(l.ether(etherIPv4), protoIs(l.nh+9),
		nNot{ld(2, l.nh+6, xbpf.JumpBitsSet, 0x1fff)},
		dirComb(q.dir, rng(ind(0)), rng(ind(2))))
	return or(v6, v4), nil
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
