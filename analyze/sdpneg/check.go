package sdpneg

import (
	"fmt"
	"strings"
)

// Outcome is the result of checking an answer against its offer.
type Outcome struct {
	// Negotiated holds, per m= line, the answer's formats that the offer
	// also listed, in answer order and with the answer's payload type
	// numbers: what the offerer sends with (RFC 3264 §5.1, §6.1). Empty for
	// a rejected stream (port 0).
	Negotiated [][]Format
	// Common holds, per m= line, the offer's formats that the answer also
	// lists (same encoding name, clock rate and channels, RFC 3264 §6.1:
	// dynamic payload types may differ between sides), in offer order and
	// with the offer's payload type numbers: what the answerer sends with.
	Common [][]Format
	// Problems are the rule violations found, in m= line order.
	Problems []Problem
}

// Problem is one offer/answer rule that the answer breaks.
type Problem struct {
	// Code is one of the Problem* constants.
	Code string
	// Media is the m= line index (0-based), -1 for the whole session.
	Media int
	// Detail explains the problem in plain English.
	Detail string
}

// Problem codes.
const (
	// ProblemAnswerNotInOffer: the answer lists a format that the offer did
	// not (RFC 3264 §6.1).
	ProblemAnswerNotInOffer = "answer-not-in-offer"
	// ProblemMLineCount: the answer has not as many m= lines as the offer
	// (RFC 3264 §6).
	ProblemMLineCount = "m-line-count"
	// ProblemMLineOrder: the answer has the offer's media types in another
	// order (RFC 3264 §6: the answer's m= lines match the offer's by order).
	ProblemMLineOrder = "m-line-order"
	// ProblemMediaType: an answer m= line has another media type than the
	// offer's m= line at the same place (RFC 3264 §6).
	ProblemMediaType = "media-type"
	// ProblemNoCommonCodec: an accepted audio stream has no common format
	// besides telephone-event and comfort noise.
	ProblemNoCommonCodec = "no-common-codec"
	// ProblemDirection: the answer's direction is not allowed for the
	// offer's (RFC 3264 §6.1).
	ProblemDirection = "direction"
	// ProblemRejectedAccepted: the offer disabled a stream with port 0 and
	// the answer did not (RFC 3264 §6: "MUST" answer a port-0 stream with
	// port 0).
	ProblemRejectedAccepted = "rejected-stream-accepted"
)

// Check applies the RFC 3264 rules to an answer and its offer. A nil offer or
// answer gives an empty Outcome.
//
// RFC 3264 §6: the answer has exactly as many m= lines as the offer, in the
// same order, each of the same media type; a stream is rejected by answering
// port 0. §6.1: for each accepted stream the answer lists a subset of the
// offer's formats (dynamic payload type numbers may differ; a format is the
// encoding name, clock rate and channel count), and the direction follows
// the offer's: sendonly is answered recvonly or inactive, recvonly is answered
// sendonly or inactive, inactive is answered inactive, sendrecv any way.
func Check(offer, answer *Session) Outcome {
	var o Outcome
	if offer == nil || answer == nil {
		return o
	}
	n := min(len(offer.Media), len(answer.Media))
	o.Negotiated = make([][]Format, n)
	o.Common = make([][]Format, n)
	if len(offer.Media) != len(answer.Media) {
		o.Problems = append(o.Problems, Problem{Code: ProblemMLineCount, Media: -1,
			Detail: fmt.Sprintf("offer has %d m= lines, answer has %d (RFC 3264 §6: the same number)",
				len(offer.Media), len(answer.Media))})
	}
	reorder := reordered(offer.Media, answer.Media)
	if reorder {
		o.Problems = append(o.Problems, Problem{Code: ProblemMLineOrder, Media: -1,
			Detail: fmt.Sprintf("offer m= lines are [%s], answer m= lines are [%s] (RFC 3264 §6: same order)",
				types(offer.Media), types(answer.Media))})
	}
	for i := range n {
		om, am := offer.Media[i], answer.Media[i]
		if !strings.EqualFold(om.Type, am.Type) {
			if reorder {
				continue // reported once as m-line-order
			}
			o.Problems = append(o.Problems, Problem{Code: ProblemMediaType, Media: i,
				Detail: fmt.Sprintf("m= line %d: offer %s, answer %s", i+1, om.Type, am.Type)})
			continue
		}
		if om.Rejected() {
			if !am.Rejected() {
				o.Problems = append(o.Problems, Problem{Code: ProblemRejectedAccepted, Media: i,
					Detail: fmt.Sprintf("m= line %d: offer has port 0, answer has port %d (RFC 3264 §6)", i+1, am.Port)})
			}
			continue
		}
		if am.Rejected() {
			continue // RFC 3264 §6: the answerer rejected this stream
		}
		for _, af := range am.Formats {
			if _, ok := find(om.Formats, af); ok {
				o.Negotiated[i] = append(o.Negotiated[i], af)
				continue
			}
			o.Problems = append(o.Problems, Problem{Code: ProblemAnswerNotInOffer, Media: i,
				Detail: fmt.Sprintf("m= line %d: answer format %s (PT %d) was not offered (RFC 3264 §6.1)", i+1, af, af.PT)})
		}
		for _, of := range om.Formats {
			if _, ok := find(am.Formats, of); ok {
				o.Common[i] = append(o.Common[i], of)
			}
		}
		// RFC 3264 §6.1: an answerer with no format in common MUST reject
		// the stream with port 0; an accepted audio stream that only shares
		// telephone-event or CN carries no voice either.
		if om.Audio() && !hasAudioCodec(o.Negotiated[i]) {
			o.Problems = append(o.Problems, Problem{Code: ProblemNoCommonCodec, Media: i,
				Detail: fmt.Sprintf("m= line %d: offer [%s], answer [%s]: no common audio codec", i+1,
					names(om.Formats), names(am.Formats))})
		}
		if !directionAllowed(om.Direction, am.Direction) {
			o.Problems = append(o.Problems, Problem{Code: ProblemDirection, Media: i,
				Detail: fmt.Sprintf("m= line %d: offer %s answered %s (RFC 3264 §6.1)", i+1, om.Direction, am.Direction)})
		}
	}
	return o
}

// find returns the format of list that is the same codec as f. A static
// payload type is matched by number first (RFC 3264 §6.1: the answer uses the
// offer's number), then any format by name, clock rate and channels.
func find(list []Format, f Format) (Format, bool) {
	for _, g := range list {
		if g.PT == f.PT && g.Same(f) {
			return g, true
		}
	}
	for _, g := range list {
		if g.Same(f) {
			return g, true
		}
	}
	return Format{}, false
}

// hasAudioCodec reports whether fs holds a format that carries audio, that is
// one that is neither telephone-event (RFC 4733) nor comfort noise (RFC 3389).
func hasAudioCodec(fs []Format) bool {
	for _, f := range fs {
		if !f.Event() && !f.ComfortNoise() {
			return true
		}
	}
	return false
}

// directionAllowed is the RFC 3264 §6.1 table of answer directions.
func directionAllowed(offer, answer string) bool {
	switch offer {
	case SendOnly:
		return answer == RecvOnly || answer == Inactive
	case RecvOnly:
		return answer == SendOnly || answer == Inactive
	case Inactive:
		return answer == Inactive
	default: // sendrecv
		return true
	}
}

// reordered reports whether the answer holds the offer's media types in
// another order (same multiset of types, different sequence).
func reordered(offer, answer []Media) bool {
	if len(offer) != len(answer) {
		return false
	}
	count := map[string]int{}
	same := true
	for i := range offer {
		a, b := strings.ToLower(offer[i].Type), strings.ToLower(answer[i].Type)
		count[a]++
		count[b]--
		same = same && a == b
	}
	if same {
		return false
	}
	for _, c := range count {
		if c != 0 {
			return false
		}
	}
	return true
}

func types(ms []Media) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.Type
	}
	return strings.Join(s, " ")
}

func names(fs []Format) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.String()
	}
	return strings.Join(s, " ")
}
