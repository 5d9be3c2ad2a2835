package phone

import (
	"math"
	"strings"

	"github.com/zaf/g711"

	"voiplab/g722"
)

// encoder turns 20 ms of a generated tone into one RTP payload in a codec.
type encoder struct {
	name  string
	hz    float64
	n     int // samples generated so far, at the codec's sampling rate
	g722  *g722.Encoder
	pcm   []int16
	ulaw  bool
	ratio int // audio samples per RTP timestamp unit
}

// newEncoder returns an encoder of a hz sine for codec name (PCMU, PCMA,
// G722), or nil for a codec the phone cannot encode.
func newEncoder(name string, hz float64) *encoder {
	e := &encoder{name: name, hz: hz, ratio: 1}
	switch strings.ToUpper(name) {
	case "PCMU":
		e.ulaw = true
	case "PCMA":
	case "G722":
		e.g722 = g722.NewEncoder()
		e.ratio = 2 // 16 kHz audio, 8000 Hz RTP clock (RFC 3551 §4.5.2)
	default:
		return nil
	}
	return e
}

// frame returns the payload of 20 ms (160 RTP clock units).
func (e *encoder) frame() []byte {
	const units = 160 // 20 ms at the 8000 Hz RTP clock
	samples := units * e.ratio
	rate := float64(8000 * e.ratio)
	e.pcm = e.pcm[:0]
	for i := 0; i < samples; i++ {
		// -12 dBFS: loud enough to hear, far from clipping.
		v := 0.25 * math.Sin(2*math.Pi*e.hz*float64(e.n)/rate)
		e.pcm = append(e.pcm, int16(v*32767))
		e.n++
	}
	if e.g722 != nil {
		return e.g722.Encode(make([]byte, 0, units), e.pcm)
	}
	out := make([]byte, len(e.pcm))
	for i, s := range e.pcm {
		if e.ulaw {
			out[i] = g711.EncodeUlawFrame(s)
		} else {
			out[i] = g711.EncodeAlawFrame(s)
		}
	}
	return out
}

// decoder turns received RTP payloads of one codec back into linear PCM:
// the phone's recording of what it heard.
type decoder struct {
	name string
	g722 *g722.Decoder
	rate int
}

func newDecoder(name string) *decoder {
	switch strings.ToUpper(name) {
	case "PCMU", "PCMA":
		return &decoder{name: strings.ToUpper(name), rate: 8000}
	case "G722":
		return &decoder{name: "G722", g722: g722.NewDecoder(), rate: 16000}
	}
	return nil
}

func (d *decoder) decode(dst []int16, payload []byte) []int16 {
	switch {
	case d.g722 != nil:
		return d.g722.Decode(dst, payload)
	case d.name == "PCMU":
		for _, b := range payload {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	default:
		for _, b := range payload {
			dst = append(dst, g711.DecodeAlawFrame(b))
		}
	}
	return dst
}
