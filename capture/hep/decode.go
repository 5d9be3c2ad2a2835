package hep

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Decode decodes the HEPv3 packet at the start of b. Bytes after the length
// the header announces are ignored (a TCP reader splits the stream with
// PacketLen). Vendor-specific chunks (vendor ID not 0) and unknown generic
// chunks are skipped. The returned Packet's Payload is a copy: b may be
// reused.
//
// Errors wrap ErrNotHEP, ErrTruncated, ErrChunk or ErrUnsupported and name
// the chunk and offset at fault.
func Decode(b []byte) (*Packet, error) {
	total, err := PacketLen(b)
	if err != nil {
		return nil, err
	}
	if total > len(b) {
		return nil, fmt.Errorf("hep: header announces %d octets, %d received: %w", total, len(b), ErrTruncated)
	}
	p := &Packet{}
	var (
		family             uint8
		src4, dst4         netip.Addr
		src6, dst6         netip.Addr
		sport, dport       uint16
		sec, usec          uint32
		haveTime           bool
		havePayload, compr bool
	)
	for off := headerLen; off < total; {
		if total-off < chunkHeaderLen {
			return nil, fmt.Errorf("hep: %d octets left at offset %d, a chunk header needs %d: %w", total-off, off, chunkHeaderLen, ErrTruncated)
		}
		vendor := binary.BigEndian.Uint16(b[off:])
		typ := binary.BigEndian.Uint16(b[off+2:])
		clen := int(binary.BigEndian.Uint16(b[off+4:]))
		if clen < chunkHeaderLen {
			return nil, fmt.Errorf("hep: %s at offset %d has length %d, less than its %d-octet header: %w", chunkName(vendor, typ), off, clen, chunkHeaderLen, ErrChunk)
		}
		if off+clen > total {
			return nil, fmt.Errorf("hep: %s at offset %d has length %d, only %d octets left: %w", chunkName(vendor, typ), off, clen, total-off, ErrTruncated)
		}
		data := b[off+chunkHeaderLen : off+clen]
		off += clen
		if vendor != 0 {
			continue // vendor-specific chunk: skipped
		}
		bad := func(want string) error {
			return fmt.Errorf("hep: %s at offset %d has %d data octets, want %s: %w", chunkName(vendor, typ), off-clen, len(data), want, ErrChunk)
		}
		switch typ {
		case chunkIPFamily:
			if len(data) != 1 {
				return nil, bad("1")
			}
			family = data[0]
		case chunkIPProto:
			if len(data) != 1 {
				return nil, bad("1")
			}
			p.IPProto = data[0]
			p.Transport = transportOf(data[0])
		case chunkIPv4Src, chunkIPv4Dst:
			if len(data) != 4 {
				return nil, bad("4")
			}
			a := netip.AddrFrom4([4]byte(data))
			if typ == chunkIPv4Src {
				src4 = a
			} else {
				dst4 = a
			}
		case chunkIPv6Src, chunkIPv6Dst:
			if len(data) != 16 {
				return nil, bad("16")
			}
			a := netip.AddrFrom16([16]byte(data))
			if typ == chunkIPv6Src {
				src6 = a
			} else {
				dst6 = a
			}
		case chunkSrcPort, chunkDstPort:
			if len(data) != 2 {
				return nil, bad("2")
			}
			if typ == chunkSrcPort {
				sport = binary.BigEndian.Uint16(data)
			} else {
				dport = binary.BigEndian.Uint16(data)
			}
		case chunkTimeSec, chunkTimeUsec:
			if len(data) != 4 {
				return nil, bad("4")
			}
			haveTime = true
			if typ == chunkTimeSec {
				sec = binary.BigEndian.Uint32(data)
			} else {
				usec = binary.BigEndian.Uint32(data)
			}
		case chunkProtoType:
			if len(data) != 1 {
				return nil, bad("1")
			}
			p.ProtoType = data[0]
		case chunkAgentID:
			switch len(data) {
			case 2: // some early senders use a 16-bit chunk
				p.AgentID = uint32(binary.BigEndian.Uint16(data))
			case 4:
				p.AgentID = agentID(binary.BigEndian.Uint32(data))
			default:
				return nil, bad("4 (or 2)")
			}
		case chunkAuthKey:
			p.AuthKey = cString(data)
		case chunkPayload:
			p.Payload = bytes.Clone(data)
			if p.Payload == nil {
				p.Payload = []byte{}
			}
			havePayload = true
		case chunkCompressed:
			compr = true
		case chunkCorrelation:
			p.CorrelationID = cString(data)
		}
	}
	if compr && !havePayload {
		return nil, fmt.Errorf("hep: compressed payload (chunk 0x0010): %w", ErrUnsupported)
	}
	// The family chunk says which address chunks apply; a packet that
	// carries only the other family's chunks is taken as it is.
	srcA, dstA := src4, dst4
	if family == familyIPv6 || (!src4.IsValid() && !dst4.IsValid()) {
		srcA, dstA = src6, dst6
		if !srcA.IsValid() && !dstA.IsValid() {
			srcA, dstA = src4, dst4
		}
	}
	p.Src = addrPort(srcA, sport)
	p.Dst = addrPort(dstA, dport)
	if haveTime && (sec != 0 || usec != 0) {
		p.Time = time.Unix(int64(sec), int64(usec)*1000).UTC()
	}
	return p, nil
}

// PacketLen returns the total length that the HEPv3 header at the start of b
// announces (at least 6), so that a stream reader knows how many octets to
// read. b needs only the 6 header octets.
func PacketLen(b []byte) (int, error) {
	if len(b) < headerLen {
		if len(b) > 0 && !bytes.HasPrefix([]byte("HEP3"), b[:min(len(b), 4)]) {
			return 0, notHEP(b)
		}
		return 0, fmt.Errorf("hep: %d octets, a HEPv3 header needs %d: %w", len(b), headerLen, ErrTruncated)
	}
	if !bytes.Equal(b[:4], []byte("HEP3")) {
		return 0, notHEP(b)
	}
	total := int(binary.BigEndian.Uint16(b[4:]))
	if total < headerLen {
		return 0, fmt.Errorf("hep: header announces %d octets, less than the %d-octet header: %w", total, headerLen, ErrChunk)
	}
	return total, nil
}

func notHEP(b []byte) error {
	n := min(len(b), 4)
	if b[0] == 1 || b[0] == 2 {
		// HEPv1/v2 start with the version octet (sngrep's capt_version 2).
		return fmt.Errorf("hep: starts with % x, HEPv%d is not supported: %w", b[:n], b[0], ErrNotHEP)
	}
	return fmt.Errorf("hep: starts with % x, not \"HEP3\": %w", b[:n], ErrNotHEP)
}

// agentID undoes sngrep's byte swap: sngrep 1.x stores htons(id) in the
// 32-bit capture agent ID chunk, so on a little-endian host the octets on the
// wire are id>>8, id&0xff, 0, 0. An ID read as xxxx0000 is taken as that form.
func agentID(v uint32) uint32 {
	if v != 0 && v&0xffff == 0 {
		return v >> 16
	}
	return v
}

func cString(b []byte) string {
	return strings.TrimRight(string(b), "\x00")
}

func addrPort(a netip.Addr, port uint16) netip.AddrPort {
	if !a.IsValid() {
		if port == 0 {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(netip.Addr{}, port)
	}
	return netip.AddrPortFrom(a, port)
}

func chunkName(vendor, typ uint16) string {
	if vendor == 0 {
		if n, ok := chunkNames[typ]; ok {
			return fmt.Sprintf("chunk 0x%04x (%s)", typ, n)
		}
	}
	return fmt.Sprintf("chunk 0x%04x of vendor 0x%04x", typ, vendor)
}
