package synth

import (
	"fmt"
	"net/netip"
	"strings"

	"voiplab/analyze/codec"
)

// sdpCodec is one payload format of an m= line.
type sdpCodec struct {
	pt    uint8
	name  string
	clock int
	fmtp  string
	event bool
	// bytesPerMs is the payload size per millisecond of audio.
	bytesPerMs float64
}

// staticPT is RFC 3551 §6 Table 4 by name, for the codecs synth offers.
var staticPT = map[string]uint8{"PCMU": 0, "GSM": 3, "G723": 4, "PCMA": 8, "G722": 9, "CN": 13, "G729": 18}

// codecsFor turns codec names into payload formats: static payload types
// where RFC 3551 has one, 101 for telephone-event, 96 upwards otherwise.
func codecsFor(names []string) ([]sdpCodec, error) {
	out := make([]sdpCodec, 0, len(names))
	next := uint8(96)
	for _, n := range names {
		info, ok := codec.ByName(n, 0)
		if !ok {
			return nil, fmt.Errorf("codec %q: %w", n, ErrInvalidScenario)
		}
		c := sdpCodec{name: info.Name, clock: info.ClockRate, event: info.Event}
		switch pt, static := staticPT[strings.ToUpper(info.Name)]; {
		case static:
			c.pt = pt
		case info.Event:
			c.pt, c.fmtp = 101, "0-16"
		default:
			c.pt = next
			next++
			if next == 101 {
				next++
			}
		}
		if info.BitrateKbps > 0 {
			c.bytesPerMs = info.BitrateKbps / 8
		} else {
			c.bytesPerMs = 8
		}
		out = append(out, c)
	}
	return out, nil
}

// sdpBody writes an RFC 4566 session description with one audio stream.
func sdpBody(user string, sessID, version uint64, addr netip.Addr, port uint16, codecs []sdpCodec, ptimeMs int, dir string) []byte {
	ipv := "IP4"
	if addr.Is6() {
		ipv = "IP6"
	}
	var b strings.Builder
	b.WriteString("v=0\r\n")
	fmt.Fprintf(&b, "o=%s %d %d IN %s %s\r\n", user, sessID, version, ipv, addr)
	b.WriteString("s=voiplab\r\n")
	fmt.Fprintf(&b, "c=IN %s %s\r\n", ipv, addr)
	b.WriteString("t=0 0\r\n")
	fmt.Fprintf(&b, "m=audio %d RTP/AVP", port)
	for _, c := range codecs {
		fmt.Fprintf(&b, " %d", c.pt)
	}
	b.WriteString("\r\n")
	for _, c := range codecs {
		fmt.Fprintf(&b, "a=rtpmap:%d %s/%d\r\n", c.pt, c.name, c.clock)
		if c.fmtp != "" {
			fmt.Fprintf(&b, "a=fmtp:%d %s\r\n", c.pt, c.fmtp)
		}
	}
	fmt.Fprintf(&b, "a=ptime:%d\r\n", ptimeMs)
	b.WriteString("a=" + dir + "\r\n")
	return []byte(b.String())
}
