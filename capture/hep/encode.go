package hep

import (
	"encoding/binary"
	"net/netip"
)

const (
	headerLen      = 6 // "HEP3" + total length
	chunkHeaderLen = 6 // vendor, type, length
)

// EncodedLen returns the length of p's encoding. It must not exceed MaxLen.
func EncodedLen(p *Packet) int {
	n := headerLen
	n += 2 * (chunkHeaderLen + 1) // family, protocol
	n += 2 * (chunkHeaderLen + 2) // ports
	n += 2 * (chunkHeaderLen + 4) // seconds, microseconds
	n += chunkHeaderLen + 1       // protocol type
	n += chunkHeaderLen + 4       // agent ID
	n += addrChunkLen(p.Src.Addr()) + addrChunkLen(p.Dst.Addr())
	if p.AuthKey != "" {
		n += chunkHeaderLen + len(p.AuthKey)
	}
	n += chunkHeaderLen + len(p.Payload)
	if p.CorrelationID != "" {
		n += chunkHeaderLen + len(p.CorrelationID)
	}
	return n
}

func addrChunkLen(a netip.Addr) int {
	switch {
	case !a.IsValid():
		return 0
	case a.Unmap().Is4():
		return chunkHeaderLen + 4
	}
	return chunkHeaderLen + 16
}

// Encode appends the HEPv3 encoding of p to dst and returns the extended
// slice.
//
// The chunks come in the order sngrep's receiver reads at fixed offsets
// (family, protocol, ports, timestamps, protocol type, agent ID, addresses,
// authentication key, payload), then the correlation ID: a receiver that walks
// the chunks (HEP3 specification) accepts any order. An address that is not
// valid is left out; IPv4-mapped IPv6 addresses are sent as IPv4. A zero Time
// is sent as 0 seconds and 0 microseconds.
//
// p must fit: when EncodedLen(p) exceeds MaxLen the payload is cut so that
// the packet fits (Sender checks first and returns ErrTooLarge instead).
func Encode(dst []byte, p *Packet) []byte {
	payload := p.Payload
	if over := EncodedLen(p) - MaxLen; over > 0 {
		payload = payload[:max(0, len(payload)-over)]
	}
	start := len(dst)
	dst = append(dst, 'H', 'E', 'P', '3', 0, 0)

	src, dstAddr := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	family := uint8(familyIPv4)
	if src.Is6() || (!src.IsValid() && dstAddr.Is6()) {
		family = familyIPv6
	}
	dst = appendUint8(dst, chunkIPFamily, family)
	dst = appendUint8(dst, chunkIPProto, ipProtoOf(p.Transport, p.IPProto))
	dst = appendUint16(dst, chunkSrcPort, p.Src.Port())
	dst = appendUint16(dst, chunkDstPort, p.Dst.Port())
	var sec, usec uint32
	if !p.Time.IsZero() {
		// The specification's timestamp is 32-bit seconds since the Unix
		// epoch plus microseconds.
		sec = uint32(p.Time.Unix())
		usec = uint32(p.Time.Nanosecond() / 1000)
	}
	dst = appendUint32(dst, chunkTimeSec, sec)
	dst = appendUint32(dst, chunkTimeUsec, usec)
	dst = appendUint8(dst, chunkProtoType, p.ProtoType)
	dst = appendUint32(dst, chunkAgentID, p.AgentID)
	dst = appendAddr(dst, chunkIPv4Src, chunkIPv6Src, src)
	dst = appendAddr(dst, chunkIPv4Dst, chunkIPv6Dst, dstAddr)
	if p.AuthKey != "" {
		dst = appendChunk(dst, chunkAuthKey, p.AuthKey)
	}
	dst = appendChunk(dst, chunkPayload, payload)
	if p.CorrelationID != "" {
		dst = appendChunk(dst, chunkCorrelation, p.CorrelationID)
	}
	binary.BigEndian.PutUint16(dst[start+4:], uint16(len(dst)-start))
	return dst
}

func appendHeader(dst []byte, typ uint16, dataLen int) []byte {
	dst = binary.BigEndian.AppendUint16(dst, 0) // generic chunk, vendor 0
	dst = binary.BigEndian.AppendUint16(dst, typ)
	return binary.BigEndian.AppendUint16(dst, uint16(chunkHeaderLen+dataLen))
}

func appendUint8(dst []byte, typ uint16, v uint8) []byte {
	return append(appendHeader(dst, typ, 1), v)
}

func appendUint16(dst []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(appendHeader(dst, typ, 2), v)
}

func appendUint32(dst []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendHeader(dst, typ, 4), v)
}

func appendChunk[T string | []byte](dst []byte, typ uint16, data T) []byte {
	return append(appendHeader(dst, typ, len(data)), data...)
}

func appendAddr(dst []byte, typ4, typ6 uint16, a netip.Addr) []byte {
	switch {
	case !a.IsValid():
		return dst
	case a.Is4():
		b := a.As4()
		return appendChunk(dst, typ4, b[:])
	}
	b := a.As16()
	return appendChunk(dst, typ6, b[:])
}
