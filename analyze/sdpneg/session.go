package sdpneg

import (
	"net/netip"
	"strings"
)

// Session is one SDP body as the analysis keeps it (RFC 4566 §5).
type Session struct {
	// Origin is the o= line value as written (RFC 4566 §5.2).
	Origin string
	// Connection is the session-level c= address (RFC 4566 §5.7); the zero
	// Addr when absent, a hostname or unparsable.
	Connection netip.Addr
	// ConnectionRaw is the session-level c= address text as written, without
	// a TTL or count suffix ("0.0.0.0", "2001:db8::1", a hostname...).
	ConnectionRaw string
	// Direction is the session-level direction attribute, "" when absent
	// (RFC 4566 §6).
	Direction string
	// Media are the m= sections in body order.
	Media []Media
	// Warnings list what was normalised before parsing (a missing final
	// CRLF, a missing s= or t= line, LF-only line endings...): harmless
	// departures from RFC 4566 that a report may mention.
	Warnings []string
	// Raw is the body as captured (the Session's own copy).
	Raw []byte
}

// Media is one m= section (RFC 4566 §5.14).
type Media struct {
	// Type is the media type: "audio", "video", "image", "application"...
	Type string
	// Port is the transport port; 0 means the stream is rejected or
	// disabled (RFC 3264 §6, §8.2).
	Port int
	// PortCount is the n of "m=audio 49170/2", 1 when absent.
	PortCount int
	// Protocol is the transport: "RTP/AVP", "RTP/SAVP", "udptl"...
	Protocol string
	// Connection and ConnectionRaw are the media-level c= when present,
	// else the session's (RFC 4566 §5.7).
	Connection    netip.Addr
	ConnectionRaw string
	// Direction is sendrecv, sendonly, recvonly or inactive: the media-level
	// attribute, else the session-level one, else sendrecv (RFC 4566 §6,
	// RFC 3264 §5.1).
	Direction string
	// Ptime and MaxPtime are a=ptime and a=maxptime in ms, 0 when absent.
	Ptime, MaxPtime int
	// RTCPPort is the a=rtcp port (RFC 3605), 0 when absent; RTCPMux is
	// a=rtcp-mux (RFC 5761).
	RTCPPort int
	RTCPMux  bool
	// Formats are the m= line's formats in m= line order.
	Formats []Format
}

// Format is one format of an m= line: an RTP payload type with its codec, or
// a non-RTP format such as "t38" (then PT is -1).
type Format struct {
	// PT is the RTP payload type, -1 for a non-numeric format.
	PT int
	// Name is the encoding name as written in a=rtpmap (case preserved), or
	// the static table's name (RFC 3551 §6), or the format token itself for
	// a non-RTP format; "" for a dynamic payload type without a=rtpmap.
	Name string
	// ClockRate is the RTP clock rate in Hz, 0 when unknown.
	ClockRate int
	// Channels is the number of audio channels, 1 unless a=rtpmap or the
	// static table says otherwise.
	Channels int
	// Fmtp is the a=fmtp parameters for this format, without the PT.
	Fmtp string
}

// Direction attribute values (RFC 4566 §6, RFC 3264 §5.1).
const (
	SendRecv = "sendrecv"
	SendOnly = "sendonly"
	RecvOnly = "recvonly"
	Inactive = "inactive"
)

// Held reports whether this media line puts the peer on hold. RFC 3264 §8.4:
// a stream is held by marking it sendonly (or inactive when it was recvonly);
// RFC 2543 did it with a c= address of 0.0.0.0, which RFC 3264 §8.4 says
// must still be understood.
func (m Media) Held() bool {
	if m.Direction == SendOnly || m.Direction == Inactive {
		return true
	}
	return m.ConnectionRaw == "0.0.0.0"
}

// Rejected reports whether the stream is rejected or disabled: port 0
// (RFC 3264 §6 for an answer, §8.2 for an offer that removes a stream).
func (m Media) Rejected() bool { return m.Port == 0 }

// Audio reports whether the media line is audio.
func (m Media) Audio() bool { return strings.EqualFold(m.Type, "audio") }

// Event reports whether the format is an RFC 4733 telephone-event (DTMF).
func (f Format) Event() bool { return strings.EqualFold(f.Name, "telephone-event") }

// ComfortNoise reports whether the format is RFC 3389 comfort noise (CN).
func (f Format) ComfortNoise() bool { return strings.EqualFold(f.Name, "CN") }

// Same reports whether f and g are the same codec: equal encoding names
// (case-insensitively), clock rates and channel counts (RFC 3264 §6.1:
// dynamic payload type numbers may differ between offer and answer). When
// either side has no name (a dynamic PT without a=rtpmap), the payload type
// numbers are compared instead.
func (f Format) Same(g Format) bool {
	if f.Name == "" || g.Name == "" {
		return f.PT >= 0 && f.PT == g.PT
	}
	if !strings.EqualFold(f.Name, g.Name) {
		return false
	}
	if f.ClockRate != 0 && g.ClockRate != 0 && f.ClockRate != g.ClockRate {
		return false
	}
	return channels(f) == channels(g)
}

func channels(f Format) int {
	if f.Channels <= 0 {
		return 1
	}
	return f.Channels
}

// String returns the format as a=rtpmap writes it ("G722/8000",
// "opus/48000/2"), or the PT number when the name is unknown.
func (f Format) String() string {
	if f.Name == "" {
		return itoa(f.PT)
	}
	if f.ClockRate == 0 {
		return f.Name
	}
	s := f.Name + "/" + itoa(f.ClockRate)
	if f.Channels > 1 {
		s += "/" + itoa(f.Channels)
	}
	return s
}

// Summary lists the encoding names of all m= lines in order, separated by
// spaces ("PCMU PCMA telephone-event"), for a ladder or message summary. A
// format without a name shows its payload type number; a rejected m= line
// (port 0) is skipped.
func (s *Session) Summary() string {
	var b strings.Builder
	for _, m := range s.Media {
		if m.Rejected() {
			continue
		}
		for _, f := range m.Formats {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			if f.Name == "" {
				b.WriteString(itoa(f.PT))
			} else {
				b.WriteString(f.Name)
			}
		}
	}
	return b.String()
}
