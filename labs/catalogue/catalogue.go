package catalogue

import (
	"fmt"
	"sort"
)

// Languages of the lab sheets.
const (
	LangEN = "en"
	LangFR = "fr"
)

// Text is one text in English and French.
type Text struct {
	EN string `json:"en"`
	FR string `json:"fr"`
}

// In returns the text in lang ("fr" or anything else for English).
func (t Text) In(lang string) string {
	if lang == LangFR && t.FR != "" {
		return t.FR
	}
	return t.EN
}

// Kind is what an objective looks at in an analysis result.
type Kind string

// Objective kinds.
const (
	// KindFinding: a finding with Code must appear (Forbid: must not).
	KindFinding Kind = "finding"
	// KindCallState: a call whose state is Value (and, when Status is not
	// zero, whose final status is Status) must appear.
	KindCallState Kind = "call-state"
	// KindCodec: a call must have negotiated Value as its first codec.
	KindCodec Kind = "codec"
	// KindClockRate: a stream of codec Value must carry the RTP clock rate
	// Min.
	KindClockRate Kind = "clock-rate"
	// KindStreams: the number of RTP streams must be within [Min, Max]
	// (Max 0: no upper bound).
	KindStreams Kind = "streams"
	// KindDTMF: the RFC 4733 digits Value must appear in order in one call.
	KindDTMF Kind = "dtmf"
	// KindMOS: at least one stream must have an E-model MOS in [Min, Max].
	KindMOS Kind = "mos"
	// KindLoss: at least one stream must show a loss in percent in
	// [Min, Max].
	KindLoss Kind = "loss"
	// KindRegistration: a registration whose state is Value (and, when
	// Status is not zero, whose final status is Status) must appear.
	KindRegistration Kind = "registration"
	// KindRTCP: at least Min RTCP reports must be tied to the streams.
	KindRTCP Kind = "rtcp"
	// KindSIPOnly: no RTP stream at all must be seen (the PBX's view of a
	// direct-media call).
	KindSIPOnly Kind = "sip-only"
)

// Kinds lists every objective kind.
var Kinds = []Kind{KindFinding, KindCallState, KindCodec, KindClockRate, KindStreams,
	KindDTMF, KindMOS, KindLoss, KindRegistration, KindRTCP, KindSIPOnly}

// Objective is one thing that a capture of the lab must show.
type Objective struct {
	Kind   Kind    `json:"kind"`
	Code   string  `json:"code,omitempty"`   // finding code (KindFinding)
	Forbid bool    `json:"forbid,omitempty"` // the finding must NOT appear
	Value  string  `json:"value,omitempty"`  // codec, state, digits
	Status int     `json:"status,omitempty"` // SIP final status
	Min    float64 `json:"min,omitempty"`
	Max    float64 `json:"max,omitempty"`
	// Variant names the capture of a lab that has several (codec-compare
	// runs one call per codec in one capture; media-path writes two
	// captures): empty means the lab's main capture.
	Variant string `json:"variant,omitempty"`
	// Text says what is checked, Where where the report shows it.
	Text  Text `json:"text"`
	Where Text `json:"where"`
}

// QA is one question of the lab sheet and its expected answer.
type QA struct {
	Q Text `json:"question"`
	A Text `json:"answer"`
}

// Lab is one lab.
type Lab struct {
	Name       string      `json:"name"`
	Title      Text        `json:"title"`
	Goal       Text        `json:"goal"`
	Steps      []Text      `json:"steps"`
	Objectives []Objective `json:"objectives"`
	Questions  []QA        `json:"questions"`
	// Variants names the extra captures of the lab (media-path:
	// "relay"); the main capture is NAME.pcapng, a variant
	// NAME-VARIANT.pcapng.
	Variants []string `json:"variants,omitempty"`
}

// All returns every lab, in course order.
func All() []Lab {
	out := labs()
	return out
}

// Names returns the lab names in course order.
func Names() []string {
	all := labs()
	out := make([]string, len(all))
	for i, l := range all {
		out[i] = l.Name
	}
	return out
}

// Lookup returns the lab with that name.
func Lookup(name string) (Lab, error) {
	for _, l := range labs() {
		if l.Name == name {
			return l, nil
		}
	}
	names := Names()
	sort.Strings(names)
	return Lab{}, fmt.Errorf("%w %q (labs: %v)", ErrUnknownLab, name, names)
}

// ObjectivesFor returns the objectives that apply to one capture of the
// lab: variant "" is the main capture.
func (l Lab) ObjectivesFor(variant string) []Objective {
	var out []Objective
	for _, o := range l.Objectives {
		if o.Variant == variant {
			out = append(out, o)
		}
	}
	return out
}
