package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
)

// WriterOptions are written into the pcapng Section Header Block (Comment)
// and Interface Description Block (Interface, Filter).
type WriterOptions struct {
	Comment, Filter, Interface string
}

// maxTCPSegment is the largest payload WriteDatagram puts in one TCP segment.
const maxTCPSegment = 65000

// Writer writes datagrams as a pcapng capture with Ethernet link type,
// synthesizing the Ethernet, IP and UDP or TCP headers.
type Writer struct {
	ng  *ngWriter
	seq map[flowKey]uint32 // next TCP sequence number per direction
	buf []byte
}

// NewWriter writes the pcapng section and interface headers to w.
func NewWriter(w io.Writer, opt WriterOptions) (*Writer, error) {
	name := opt.Interface
	if name == "" {
		name = "voiplab"
	}
	ng, err := newNgWriter(w, ngSection{application: "voiplab", comment: opt.Comment},
		ngInterface{name: name, filter: opt.Filter, linkType: LinkTypeEthernet})
	if err != nil {
		return nil, fmt.Errorf("capture: write pcapng header: %w", err)
	}
	return &Writer{ng: ng, seq: make(map[flowKey]uint32)}, nil
}

// WriteDatagram writes d.Payload with synthesized Ethernet + IPv4/IPv6 +
// UDP headers, or as TCP segments with a running sequence number per
// direction (so that readers reassemble the stream), timestamped d.Time.
// Checksums are correct. SCTP datagrams are not supported.
func (w *Writer) WriteDatagram(d *Datagram) error {
	src, dst := d.Src.Addr().Unmap(), d.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return fmt.Errorf("capture: write %s > %s: %w", d.Src, d.Dst, ErrAddress)
	}
	switch d.Transport {
	case UDP:
		if len(d.Payload) > 65535-8-20 {
			return fmt.Errorf("capture: write %d bytes: %w", len(d.Payload), ErrTooLarge)
		}
		return w.packet(d, src, dst, 17, d.Payload, 0, 0)
	case TCP:
		k := flowKey{netip.AddrPortFrom(src, d.Src.Port()), netip.AddrPortFrom(dst, d.Dst.Port())}
		p := d.Payload
		for {
			n := min(len(p), maxTCPSegment)
			if err := w.packet(d, src, dst, 6, p[:n], w.seq[k]+1, tcpPSH|tcpACK); err != nil {
				return err
			}
			w.seq[k] += uint32(n)
			p = p[n:]
			if len(p) == 0 {
				return nil
			}
		}
	}
	return fmt.Errorf("capture: write transport %s: %w", d.Transport, ErrAddress)
}

// TCP header flags (RFC 9293 §3.1).
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// packet builds one frame. For TCP, seq is the sequence number of the first
// payload byte and flags the header flags.
func (w *Writer) packet(d *Datagram, src, dst netip.Addr, proto uint8, payload []byte, seq uint32, flags byte) error {
	thl := 8
	if proto == 6 {
		thl = 20
	}
	ipl := 20
	et := uint16(0x0800)
	if src.Is6() {
		ipl, et = 40, 0x86dd
	}
	n := 14 + ipl + thl + len(payload)
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	clear(b)
	// Ethernet: locally administered MACs derived from the addresses.
	mac(b[0:6], dst)
	mac(b[6:12], src)
	binary.BigEndian.PutUint16(b[12:14], et)
	ip := b[14 : 14+ipl]
	tl := thl + len(payload)
	if src.Is4() {
		// RFC 791 §3.1 header, DF set, TTL 64.
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:4], uint16(ipl+tl))
		binary.BigEndian.PutUint16(ip[6:8], 0x4000)
		ip[8] = 64
		ip[9] = proto
		s4, d4 := src.As4(), dst.As4()
		copy(ip[12:16], s4[:])
		copy(ip[16:20], d4[:])
		binary.BigEndian.PutUint16(ip[10:12], ^fold(sum(ip, 0)))
	} else {
		// RFC 8200 §3 header, hop limit 64.
		ip[0] = 0x60
		binary.BigEndian.PutUint16(ip[4:6], uint16(tl))
		ip[6] = proto
		ip[7] = 64
		s16, d16 := src.As16(), dst.As16()
		copy(ip[8:24], s16[:])
		copy(ip[24:40], d16[:])
	}
	t := b[14+ipl:]
	binary.BigEndian.PutUint16(t[0:2], d.Src.Port())
	binary.BigEndian.PutUint16(t[2:4], d.Dst.Port())
	copy(t[thl:], payload)
	csum := 6
	if proto == 17 {
		binary.BigEndian.PutUint16(t[4:6], uint16(tl))
	} else {
		binary.BigEndian.PutUint32(t[4:8], seq)
		t[12] = 5 << 4
		t[13] = flags
		binary.BigEndian.PutUint16(t[14:16], 65535)
		csum = 16
	}
	// RFC 768 / RFC 9293 §3.1 checksum over the pseudo-header (RFC 8200
	// §8.1 for IPv6); a UDP checksum of 0 is sent as 0xffff.
	var ps uint32
	s16, d16 := src.AsSlice(), dst.AsSlice()
	ps = sum(s16, ps)
	ps = sum(d16, ps)
	ps += uint32(proto) + uint32(tl)
	c := ^fold(sum(t[:tl], ps))
	if c == 0 && proto == 17 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(t[csum:csum+2], c)
	if err := w.ng.writePacket(d.Time, b, n); err != nil {
		return fmt.Errorf("capture: write frame: %w", err)
	}
	return nil
}

func mac(dst []byte, a netip.Addr) {
	s := a.AsSlice()
	dst[0], dst[1] = 0x02, 0x00
	copy(dst[2:6], s[len(s)-4:])
}

// sum adds b to the running ones' complement sum (RFC 1071).
func sum(b []byte, s uint32) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// Flush writes buffered frames to the underlying writer.
func (w *Writer) Flush() error {
	if err := w.ng.flush(); err != nil {
		return fmt.Errorf("capture: flush: %w", err)
	}
	return nil
}
