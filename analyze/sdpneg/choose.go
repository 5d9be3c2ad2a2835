package sdpneg

import (
	"strconv"
	"strings"
)

// Choose picks the formats to answer an offer with, for the PBX. allowed is
// the list of encoding names in priority order (for example
// ["G722", "PCMA", "PCMU", "telephone-event"]); an entry may carry a clock
// rate, "opus/48000", to match that rate only. Names match
// case-insensitively.
//
// The result holds each allowed audio codec the offer has, in the allowed
// order, then at most one telephone-event; it keeps the offer's format (its payload type number and fmtp):
// RFC 3264 §6.1 has the answerer use the offer's payload type numbers so that
// both directions agree. telephone-event (RFC 4733) and CN (RFC 3389) pass
// only when both the offer and the allowed list have them; when the offer
// has several telephone-event rates, the one at the clock rate of the first
// chosen audio codec is preferred (RFC 4733 §2.1: the event clock follows
// the audio's).
//
// When no audio codec of the offer is allowed, Choose returns a
// *NoCommonCodecError wrapping ErrNoCommonCodec.
func Choose(offer []Format, allowed []string) ([]Format, error) {
	var out []Format
	taken := make([]bool, len(offer))
	var events []string // allowed telephone-event entries, handled last
	for _, a := range allowed {
		name, rate := splitAllowed(a)
		if strings.EqualFold(name, "telephone-event") {
			events = append(events, a)
			continue
		}
		for i, f := range offer {
			if taken[i] || !strings.EqualFold(f.Name, name) || (rate != 0 && f.ClockRate != rate) {
				continue
			}
			taken[i] = true
			out = append(out, f)
		}
	}
	if !hasAudioCodec(out) {
		e := &NoCommonCodecError{Allowed: allowed}
		for _, f := range offer {
			e.Offered = append(e.Offered, f.String())
		}
		return nil, e
	}
	audioRate := 0
	for _, f := range out {
		if !f.ComfortNoise() {
			audioRate = f.ClockRate
			break
		}
	}
	for _, a := range events {
		_, rate := splitAllowed(a)
		best := -1
		for i, f := range offer {
			if taken[i] || !f.Event() || (rate != 0 && f.ClockRate != rate) {
				continue
			}
			if best < 0 || (f.ClockRate == audioRate && offer[best].ClockRate != audioRate) {
				best = i
			}
		}
		if best >= 0 {
			taken[best] = true
			out = append(out, offer[best])
			break // one telephone-event format is enough
		}
	}
	return out, nil
}

// splitAllowed splits "opus/48000" into its name and clock rate (0 when absent).
func splitAllowed(a string) (string, int) {
	name, rate, _ := strings.Cut(strings.TrimSpace(a), "/")
	r, _ := strconv.Atoi(rate)
	return name, r
}
