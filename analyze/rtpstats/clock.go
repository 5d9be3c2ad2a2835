package rtpstats

import (
	"strings"

	"voiplab/analyze/codec"
)

// ClockRate resolves the RTP clock of a payload type the way Wireshark 4.0's
// stream analysis does (ui/tap-rtp-analysis.c), so that jitter matches it:
//   - below 96, the static table (RFC 3551 §6 and the historic types 1, 2
//     and 19), whatever SDP says;
//   - from 96, the a=rtpmap of the SDP that set the stream up: a
//     telephone-event has no usable clock (event is true, RFC 4733 §2.2.1);
//     otherwise the rtpmap rate, or the codec table's rate for the name;
//   - a dynamic type without rtpmap (name "") has no clock: 0.
//
// A clock of 0 means "no jitter" for [Stream.Add].
func ClockRate(pt uint8, rtpmapName string, rtpmapRate int) (clock int, event bool) {
	if pt < 96 {
		c, _ := codec.ByPayloadType(pt)
		return c.ClockRate, false
	}
	if rtpmapName == "" {
		return 0, false
	}
	// Wireshark compares the start of the name, case-insensitively.
	if len(rtpmapName) >= len("telephone-event") && strings.EqualFold(rtpmapName[:len("telephone-event")], "telephone-event") {
		return 0, true
	}
	if rtpmapRate != 0 {
		return rtpmapRate, false
	}
	c, _ := codec.ByName(rtpmapName, 0)
	return c.ClockRate, false
}
