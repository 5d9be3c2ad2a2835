package phone

import (
	"fmt"
	"net/netip"
	"strings"

	"voiplab/analyze/codec"
	"voiplab/analyze/sdpneg"
)

// EventPT is the dynamic payload type the phone offers for RFC 4733
// telephone-event.
const EventPT = 101

// staticPT are the static payload types of the codecs a phone can send
// (RFC 3551 §6 Table 4); analyze/codec maps the other way only.
var staticPT = map[string]int{"PCMU": 0, "PCMA": 8, "G722": 9}

// offerFormats are the formats a phone offers for its codec list, with the
// static payload types of RFC 3551 §6 and EventPT for telephone-event.
func offerFormats(names []string) []sdpneg.Format {
	var out []sdpneg.Format
	for _, n := range names {
		if strings.EqualFold(n, "telephone-event") {
			out = append(out, sdpneg.Format{PT: EventPT, Name: "telephone-event", ClockRate: 8000, Channels: 1, Fmtp: "0-16"})
			continue
		}
		pt, ok := staticPT[strings.ToUpper(n)]
		if !ok {
			continue
		}
		info, _ := codec.ByName(n, 0)
		out = append(out, sdpneg.Format{PT: pt, Name: info.Name, ClockRate: info.ClockRate, Channels: 1})
	}
	return out
}

// buildSDP writes an RFC 4566 session description for one audio stream.
func buildSDP(sessID uint64, addr netip.Addr, port int, formats []sdpneg.Format) []byte {
	var b strings.Builder
	pts := make([]string, len(formats))
	for i, f := range formats {
		pts[i] = fmt.Sprint(f.PT)
	}
	fmt.Fprintf(&b, "v=0\r\no=- %d %d IN IP4 %s\r\ns=voiplab\r\nc=IN IP4 %s\r\nt=0 0\r\n", sessID, sessID, addr, addr)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %s\r\n", port, strings.Join(pts, " "))
	for _, f := range formats {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", f.PT, f.Name, f.ClockRate)
		if f.Fmtp != "" {
			fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", f.PT, f.Fmtp)
		}
	}
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return []byte(b.String())
}

// remoteMedia is what the phone needs from the other side's SDP: where to
// send and in which formats.
type remoteMedia struct {
	addr    netip.AddrPort
	formats []sdpneg.Format
}

func parseRemote(body []byte) (remoteMedia, error) {
	s, err := sdpneg.Parse(body)
	if s == nil {
		return remoteMedia{}, fmt.Errorf("phone: sdp: %w", err)
	}
	for _, m := range s.Media {
		if !m.Audio() || m.Rejected() {
			continue
		}
		return remoteMedia{addr: netip.AddrPortFrom(m.Connection, uint16(m.Port)), formats: m.Formats}, nil
	}
	return remoteMedia{}, fmt.Errorf("%w: no audio in the sdp", ErrNoCodec)
}

// pick returns the first audio format the phone can encode and the
// telephone-event format (PT -1 when absent).
func pick(formats []sdpneg.Format) (audio, event sdpneg.Format, err error) {
	event.PT = -1
	audio.PT = -1
	for _, f := range formats {
		switch {
		case f.Event():
			if event.PT < 0 {
				event = f
			}
		case audio.PT < 0 && newEncoder(f.Name, 0) != nil:
			audio = f
		}
	}
	if audio.PT < 0 {
		return audio, event, ErrNoCodec
	}
	return audio, event, nil
}
