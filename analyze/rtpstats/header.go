package rtpstats

import (
	"encoding/binary"
	"fmt"
)

// Header is the RTP fixed header (RFC 3550 §5.1). It is decoded by hand
// rather than with pion/rtp because pion allocates (CSRC and extension
// slices) and does not check the version; the relay and the analyser call
// this for every datagram.
type Header struct {
	Version                    uint8
	Padding, Extension, Marker bool
	CSRCCount, PayloadType     uint8
	Seq                        uint16
	Timestamp, SSRC            uint32
	PayloadOffset              int // start of the payload, after the CSRC list and the header extension
	PaddingLen                 int // padding octets at the end (RFC 3550 §5.1, P bit); 0 without P
}

// parseHeader decodes b and reports why it is not an RTP packet.
func parseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < 12 {
		return h, ErrShort
	}
	// RFC 3550 §5.1: V(2) P(1) X(1) CC(4) | M(1) PT(7) | sequence number (16)
	// | timestamp (32) | SSRC (32) | CSRC list (CC × 32).
	h.Version = b[0] >> 6
	if h.Version != 2 {
		return h, ErrVersion
	}
	h.Padding = b[0]&0x20 != 0
	h.Extension = b[0]&0x10 != 0
	h.CSRCCount = b[0] & 0x0f
	h.Marker = b[1]&0x80 != 0
	h.PayloadType = b[1] & 0x7f
	h.Seq = binary.BigEndian.Uint16(b[2:])
	h.Timestamp = binary.BigEndian.Uint32(b[4:])
	h.SSRC = binary.BigEndian.Uint32(b[8:])
	off := 12 + 4*int(h.CSRCCount)
	if len(b) < off {
		return h, ErrShort
	}
	if h.Extension {
		// RFC 3550 §5.3.1: 16-bit profile-defined value, 16-bit length in
		// 32-bit words, not counting the 4-byte extension header.
		if len(b) < off+4 {
			return h, ErrShort
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
		if len(b) < off {
			return h, ErrShort
		}
	}
	h.PayloadOffset = off
	if h.Padding {
		// RFC 3550 §5.1: the last octet counts the padding octets, itself
		// included, so it is at least 1.
		n := int(b[len(b)-1])
		if n == 0 || n > len(b)-off {
			return h, ErrPadding
		}
		h.PaddingLen = n
	}
	return h, nil
}

// ParseHeader decodes the RTP fixed header at the start of b without
// allocating. ok is false when the version is not 2, when b is shorter than
// the header, its CSRC list and its extension announce, or when the padding
// count is impossible.
func ParseHeader(b []byte) (Header, bool) {
	h, err := parseHeader(b)
	return h, err == nil
}

// CheckHeader is [ParseHeader] that says why b is not RTP: the error wraps
// [ErrShort], [ErrVersion] or [ErrPadding].
func CheckHeader(b []byte) (Header, error) {
	h, err := parseHeader(b)
	if err != nil {
		return h, fmt.Errorf("rtpstats: %w", err)
	}
	return h, nil
}
