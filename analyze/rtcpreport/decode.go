package rtcpreport

import (
	"encoding/binary"
	"fmt"

	"github.com/pion/rtcp"
)

// RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2).
const (
	ptSR    = 200
	ptRR    = 201
	ptSDES  = 202
	ptBYE   = 203
	ptAPP   = 204
	ptRTPFB = 205
	ptPSFB  = 206
	ptXR    = 207

	// Wireshark's compound loop accepts 192–207 (FIR/NACK of RFC 2032,
	// SMPTE time code, IJ of RFC 5450 are below 200).
	ptMin = 192
	ptMax = 207
)

// srtcpMinTrailer is the smallest SRTCP trailer: the E flag and 31-bit SRTCP
// index (4 octets) plus the shortest authentication tag in use (4 octets,
// HMAC-SHA1-32), RFC 3711 §3.4.
const srtcpMinTrailer = 8

// typeName is the short name of a packet type.
func typeName(pt uint8) string {
	switch pt {
	case ptSR:
		return "SR"
	case ptRR:
		return "RR"
	case ptSDES:
		return "SDES"
	case ptBYE:
		return "BYE"
	case ptAPP:
		return "APP"
	case ptRTPFB:
		return "RTPFB"
	case ptPSFB:
		return "PSFB"
	case ptXR:
		return "XR"
	}
	return fmt.Sprintf("PT-%d", pt)
}

// isHeader reports whether b starts with what can be an RTCP header inside a
// compound: version 2 (RFC 3550 §6.4.1) and a packet type in 192–207.
func isHeader(b []byte) bool {
	return len(b) >= 4 && b[0]>>6 == 2 && b[1] >= ptMin && b[1] <= ptMax
}

// packetLen is the length of the packet that starts b, in bytes: the length
// field counts 32-bit words minus one, header and padding included (RFC 3550
// §6.4.1).
func packetLen(b []byte) int {
	return (int(binary.BigEndian.Uint16(b[2:4])) + 1) * 4
}

// LooksLikeRTCP reports whether a UDP payload is an RTCP compound packet:
// version 2, a first packet type of 200–207 (RFC 3550 §6.1 wants SR or RR
// first, but real captures also start with BYE, APP, feedback or XR, which
// Wireshark's heuristics accept too), and a first packet whose length field
// fits the datagram and covers at least the sender SSRC (28 octets for an
// SR, with its sender info).
//
// What follows the first packet is not checked: it is the rest of the
// compound, an SRTCP trailer (RFC 3711 §3.4) or stray bytes, which Decode
// tells apart. RTP with the marker bit and payload type 72–79 has the same
// second byte; RFC 5761 §4 forbids those payload types so that the two can
// be told apart, and the length check rejects most RTP that still uses them.
func LooksLikeRTCP(b []byte) bool {
	if len(b) < 8 || b[0]>>6 != 2 || b[1] < ptSR || b[1] > ptXR {
		return false
	}
	n := packetLen(b)
	if n < 8 || n > len(b) {
		return false
	}
	return b[1] != ptSR || n >= 28
}

// Decode decodes a UDP payload that holds one compound RTCP packet (RFC 3550
// §6.1). Each packet is delimited by its length field; a packet whose body
// does not decode is still returned with its header fields and SSRC, the
// walk goes on to the next packet, and the first such error is returned
// (wrapping ErrMalformed). A length that overruns the datagram ends the walk
// with ErrTruncated, bytes that are not an RTCP header with ErrTrailingData;
// the packets before are returned.
//
// A datagram whose first packet is followed by at least 8 bytes that do not
// form an RTCP packet is taken for SRTCP (RFC 3711 §3.4): only the first
// packet's header and SSRC are returned, with Encrypted set, and no error.
//
// Decode returns ErrNotRTCP when b does not start with an RTCP header. It
// never panics.
func Decode(b []byte) ([]Packet, error) {
	if !isHeader(b) {
		return nil, fmt.Errorf("rtcpreport: %w", ErrNotRTCP)
	}
	var (
		out      []Packet
		firstErr error
	)
	for off := 0; off < len(b); {
		rest := b[off:]
		if !isHeader(rest) || packetLen(rest) > len(rest) {
			if len(out) == 1 && len(rest) >= srtcpMinTrailer {
				out[0] = clearFields(out[0])
				return out, nil
			}
			if !isHeader(rest) {
				return out, fmt.Errorf("rtcpreport: %d bytes at offset %d: %w", len(rest), off, ErrTrailingData)
			}
			p := headerFields(rest)
			out = append(out, p)
			return out, fmt.Errorf("rtcpreport: %s at offset %d: length %d > %d bytes left: %w",
				p.Type, off, packetLen(rest), len(rest), ErrTruncated)
		}
		n := packetLen(rest)
		p, err := decodeOne(rest[:n])
		out = append(out, p)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("rtcpreport: %s at offset %d: %w: %v", p.Type, off, ErrMalformed, err)
		}
		off += n
	}
	return out, firstErr
}

// clearFields keeps the fields of p that SRTCP leaves in the clear: the
// first 8 octets, header and sender SSRC (RFC 3711 §3.4).
func clearFields(p Packet) Packet {
	return Packet{Type: p.Type, PT: p.PT, Count: p.Count, SSRC: p.SSRC, Encrypted: true}
}

// headerFields reads the common header and the SSRC that follows it.
func headerFields(b []byte) Packet {
	p := Packet{PT: b[1], Type: typeName(b[1]), Count: b[0] & 0x1f}
	if len(b) >= 8 && !(p.PT == ptBYE && p.Count == 0) {
		p.SSRC = binary.BigEndian.Uint32(b[4:8])
	}
	return p
}

// decodeOne decodes one RTCP packet; b is exactly the packet's length.
func decodeOne(b []byte) (Packet, error) {
	p := headerFields(b)
	body := b
	if b[0]&0x20 != 0 {
		// RFC 3550 §6.4.1 P: the last octet counts the padding octets,
		// itself included. pion leaves padding to the caller for most types.
		pad := int(b[len(b)-1])
		if pad == 0 || pad > len(b)-4 {
			return p, fmt.Errorf("padding count %d in a %d-byte packet", pad, len(b))
		}
		body = b[:len(b)-pad]
	}
	switch p.PT {
	case ptSR:
		var sr rtcp.SenderReport
		err := sr.Unmarshal(body) // fields stay zero when too short
		p.NTP, p.RTPTime = sr.NTPTime, sr.RTPTime
		p.NTPTime = NTPToTime(sr.NTPTime)
		p.PacketCount, p.OctetCount = sr.PacketCount, sr.OctetCount
		p.Blocks = blocks(sr.Reports)
		return p, err
	case ptRR:
		var rr rtcp.ReceiverReport
		err := rr.Unmarshal(body)
		p.Blocks = blocks(rr.Reports)
		return p, err
	case ptSDES:
		var sd rtcp.SourceDescription
		err := sd.Unmarshal(body)
		for i, c := range sd.Chunks {
			ch := Chunk{SSRC: c.Source, Items: make(map[string]string, len(c.Items))}
			for _, it := range c.Items {
				ch.Items[sdesName(it.Type)] = it.Text
			}
			if i == 0 {
				p.SSRC, p.Items, p.CNAME = ch.SSRC, ch.Items, ch.Items["CNAME"]
			}
			p.Chunks = append(p.Chunks, ch)
		}
		return p, err
	case ptBYE:
		// The whole packet: pion reads the reason by its length octet and
		// wants the length a multiple of 4.
		var bye rtcp.Goodbye
		err := bye.Unmarshal(b)
		if err == nil {
			p.Sources, p.Reason = bye.Sources, bye.Reason
		}
		return p, err
	case ptAPP:
		// The whole packet: pion checks the length field and strips padding.
		var app rtcp.ApplicationDefined
		err := app.Unmarshal(b)
		p.Name = app.Name
		return p, err
	case ptRTPFB, ptPSFB:
		// RFC 4585 §6.1: the common feedback header, sender SSRC then media
		// SSRC. Read by hand: every FMT shares it, and the FCI that pion
		// would decode per FMT is not reported here.
		if len(b) < 12 {
			return p, fmt.Errorf("feedback packet of %d bytes, want at least 12", len(b))
		}
		p.MediaSSRC = binary.BigEndian.Uint32(b[8:12])
		return p, nil
	case ptXR:
		var xr rtcp.ExtendedReport
		err := xr.Unmarshal(body)
		p.XR = xrBlocks(xr.Reports)
		return p, err
	}
	return p, nil
}

// blocks converts pion's reception reports.
func blocks(rs []rtcp.ReceptionReport) []Block {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Block, len(rs))
	for i, r := range rs {
		out[i] = Block{
			SSRC:         r.SSRC,
			FractionLost: r.FractionLost,
			// RFC 3550 §6.4.1: cumulative number of packets lost is a
			// signed 24-bit integer; pion returns it unsigned.
			CumulativeLost: int32(r.TotalLost<<8) >> 8,
			HighestSeq:     r.LastSequenceNumber,
			Jitter:         r.Jitter,
			LSR:            r.LastSenderReport,
			DLSR:           r.Delay,
		}
	}
	return out
}

// sdesName is the item name of RFC 3550 §6.5 for an SDES item type.
func sdesName(t rtcp.SDESType) string {
	switch t {
	case rtcp.SDESCNAME:
		return "CNAME"
	case rtcp.SDESName:
		return "NAME"
	case rtcp.SDESEmail:
		return "EMAIL"
	case rtcp.SDESPhone:
		return "PHONE"
	case rtcp.SDESLocation:
		return "LOC"
	case rtcp.SDESTool:
		return "TOOL"
	case rtcp.SDESNote:
		return "NOTE"
	case rtcp.SDESPrivate:
		return "PRIV"
	}
	return fmt.Sprintf("item-%d", uint8(t))
}
