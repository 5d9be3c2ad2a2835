package g722

// Encoder is a G.722 64 kbit/s (mode 1) encoder for one stream. The zero
// value is not ready: use NewEncoder.
type Encoder struct {
	// x is the transmit QMF delay line: the last 24 input samples, oldest
	// first (G.722 §5).
	x    [24]int32
	low  band
	high band
	// pending holds the first sample of a pair when a call to Encode ended
	// on an odd number of samples.
	pending    int16
	hasPending bool
}

// NewEncoder returns an encoder in the Recommendation's initial state.
func NewEncoder() *Encoder {
	e := &Encoder{}
	e.Reset()
	return e
}

// Reset returns the encoder to its initial state, as at the start of a new
// stream.
func (e *Encoder) Reset() {
	*e = Encoder{}
	e.low.reset(32)
	e.high.reset(8)
}

// Encode appends to dst the G.722 octets of pcm, 16 kHz linear samples, and
// returns the extended slice: one octet per two samples. An odd trailing
// sample is kept and paired with the first sample of the next call, so a
// stream can be fed in frames of any length.
func (e *Encoder) Encode(dst []byte, pcm []int16) []byte {
	if e.hasPending && len(pcm) > 0 {
		dst = append(dst, e.encodePair(e.pending, pcm[0]))
		pcm = pcm[1:]
		e.hasPending = false
	}
	dst = grow(dst, len(pcm)/2)
	for len(pcm) >= 2 {
		dst = append(dst, e.encodePair(pcm[0], pcm[1]))
		pcm = pcm[2:]
	}
	if len(pcm) == 1 {
		e.pending, e.hasPending = pcm[0], true
	}
	return dst
}

// encodePair codes two consecutive 16 kHz samples into one octet.
func (e *Encoder) encodePair(s0, s1 int16) byte {
	// Transmit QMF (G.722 §5): shift two samples into the 24-tap delay
	// line, then the even and odd taps give the sum and difference whose
	// half-sums are the lower and higher sub-band signals XL and XH,
	// decimated to 8 kHz.
	copy(e.x[:22], e.x[2:])
	e.x[22], e.x[23] = int32(s0), int32(s1)
	var sumEven, sumOdd int32
	for i := 0; i < 12; i++ {
		sumOdd += e.x[2*i] * qmfCoeffs[i]
		sumEven += e.x[2*i+1] * qmfCoeffs[11-i]
	}
	xl := (sumEven + sumOdd) >> 14
	xh := (sumEven - sumOdd) >> 14

	il := e.encodeLow(xl)
	ih := e.encodeHigh(xh)
	return byte(ih<<6 | il)
}

// encodeLow is the lower sub-band ADPCM encoder (G.722 §6, blocks 1L to
// 4L); it returns the 6-bit code IL.
func (e *Encoder) encodeLow(xl int32) int32 {
	b := &e.low
	// Block 1L SUBTRA: difference signal EL = XL - SL.
	el := sat16(xl - b.s)

	// Block 1L QUANTL: find the interval of |EL| among the 30 decision
	// levels Q6(i)·DETL; WD is |EL| computed as in one's complement.
	wd := el
	if el < 0 {
		wd = -(el + 1)
	}
	i := 1
	for ; i < 30; i++ {
		if wd < (q6[i]*b.det)>>12 {
			break
		}
	}
	il := ilp[i]
	if el < 0 {
		il = iln[i]
	}

	// Block 2L INVQAL: quantised difference DLT from the 4-bit truncated
	// code (the adaptation uses only IL >> 2, so that a decoder receiving
	// 56 or 48 kbit/s stays in step).
	ril := il >> 2
	dlt := (b.det * qm4[ril]) >> 15

	// Block 3L LOGSCL and SCALEL: scale factor adaptation.
	b.nb = logScale(b.nb, wl[rl42[ril]], 18432)
	b.det = scale(b.nb, 8)

	// Block 4L.
	b.adapt(dlt)
	return il
}

// encodeHigh is the higher sub-band ADPCM encoder (G.722 §6, blocks 1H to
// 4H); it returns the 2-bit code IH.
func (e *Encoder) encodeHigh(xh int32) int32 {
	b := &e.high
	// Block 1H SUBTRA: EH = XH - SH.
	eh := sat16(xh - b.s)

	// Block 1H QUANTH: one decision level, 564·DETH.
	wd := eh
	if eh < 0 {
		wd = -(eh + 1)
	}
	mih := int32(1)
	if wd >= (564*b.det)>>12 {
		mih = 2
	}
	ih := ihp[mih]
	if eh < 0 {
		ih = ihn[mih]
	}

	// Block 2H INVQAH: quantised difference DH.
	dh := (b.det * qm2[ih]) >> 15

	// Block 3H LOGSCH and SCALEH.
	b.nb = logScale(b.nb, wh[rh2[ih]], 22528)
	b.det = scale(b.nb, 10)

	// Block 4H.
	b.adapt(dh)
	return ih
}

// grow makes room for n more elements in s without changing its length.
func grow[T any](s []T, n int) []T {
	if n <= cap(s)-len(s) {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}
