package synth

import (
	"math"
	"sync"
)

// Hand-written G.711 encoders (ITU-T G.711 §2, the segment tables of
// Tables 1a/2a): a dozen lines, and synth may only import the standard
// library and pion, so github.com/zaf/g711 is not pulled in for this.

// linearToULaw encodes one 16-bit sample to µ-law (ITU-T G.711 Table 2a,
// bias 0x84, all bits inverted).
func linearToULaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	if x > clip {
		x = clip
	}
	x += bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// linearToALaw encodes one 16-bit sample to A-law (ITU-T G.711 Table 1a,
// even bits inverted with 0x55).
func linearToALaw(s int16) byte {
	x := int(s) >> 3 // A-law works on 13-bit samples
	sign := 0x80
	if x < 0 {
		x, sign = -x-1, 0
	}
	if x > 0xfff {
		x = 0xfff
	}
	var b int
	if x < 32 {
		b = x >> 1
	} else {
		exp := 1
		for v := x >> 5; v > 1; v >>= 1 {
			exp++
		}
		b = exp<<4 | (x>>exp)&0x0f
	}
	return byte(sign|b) ^ 0x55
}

// toneSeconds is the length of the precomputed payload tables: 3 s holds
// a whole number of 20, 30, 40 and 60 ms packets and of cycles of the tones.
const toneSeconds = 3

// tone returns toneSeconds of a sine at freq Hz, 8 kHz, about -10 dBm0.
func tone(freq float64) []int16 {
	out := make([]int16, 8000*toneSeconds)
	for i := range out {
		out[i] = int16(7000 * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	return out
}

func encodeAll(pcm []int16, enc func(int16) byte) []byte {
	b := make([]byte, len(pcm))
	for i, s := range pcm {
		b[i] = enc(s)
	}
	return b
}

// opaque is filler for codecs synth cannot encode (G.722, G.729): right
// size, deterministic, not decodable audio.
func opaque() []byte {
	b := make([]byte, 8000*toneSeconds)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// payloadTables are immutable lookup tables built once, on first use rather
// than when any voiplab command starts: the caller sends a 440 Hz tone, the
// callee 350 Hz.
var payloadTables = sync.OnceValue(func() g711Tables {
	return g711Tables{
		ulaw:   [2][]byte{encodeAll(tone(440), linearToULaw), encodeAll(tone(350), linearToULaw)},
		alaw:   [2][]byte{encodeAll(tone(440), linearToALaw), encodeAll(tone(350), linearToALaw)},
		opaque: opaque(),
	}
})

type g711Tables struct {
	ulaw, alaw [2][]byte
	opaque     []byte
}
