package g722

// Decoder is a G.722 64 kbit/s (mode 1) decoder for one stream. The zero
// value is not ready: use NewDecoder.
type Decoder struct {
	// x is the receive QMF delay line: sums and differences of the
	// reconstructed sub-band signals, oldest first (G.722 §5).
	x    [24]int32
	low  band
	high band
}

// NewDecoder returns a decoder in the Recommendation's initial state.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.Reset()
	return d
}

// Reset returns the decoder to its initial state, as at the start of a new
// stream.
func (d *Decoder) Reset() {
	*d = Decoder{}
	d.low.reset(32)
	d.high.reset(8)
}

// Decode appends to dst the 16 kHz linear samples of payload, G.722 octets,
// and returns the extended slice: two samples per octet. Every octet value is
// valid, so decoding never fails.
func (d *Decoder) Decode(dst []int16, payload []byte) []int16 {
	dst = grow(dst, 2*len(payload))
	for _, octet := range payload {
		rl := d.decodeLow(int32(octet & 0x3f))
		rh := d.decodeHigh(int32(octet >> 6))

		// Receive QMF (G.722 §5): XD = RL - RH and XS = RL + RH enter
		// the delay line; the even and odd taps interpolate them into
		// two output samples at 16 kHz.
		copy(d.x[:22], d.x[2:])
		d.x[22], d.x[23] = rl+rh, rl-rh
		var out0, out1 int32
		for i := 0; i < 12; i++ {
			out1 += d.x[2*i] * qmfCoeffs[i]
			out0 += d.x[2*i+1] * qmfCoeffs[11-i]
		}
		dst = append(dst, int16(sat16(out0>>11)), int16(sat16(out1>>11)))
	}
	return dst
}

// decodeLow is the lower sub-band ADPCM decoder for mode 1 (G.722 §6,
// blocks 5L, 6L, then 2L to 4L as in the encoder); it returns the
// reconstructed signal RL.
func (d *Decoder) decodeLow(il int32) int32 {
	b := &d.low
	// Block 5L INVQBL: the full 6-bit inverse quantiser gives the output
	// difference DL; RECONS: RL = SL + DL.
	dl := (b.det * qm6[il]) >> 15
	rl := b.s + dl
	// Block 6L LIMIT: RL to 15 bits.
	if rl > 16383 {
		rl = 16383
	} else if rl < -16384 {
		rl = -16384
	}

	// Blocks 2L to 4L: the adaptation runs on the 4-bit truncated code
	// exactly as in the encoder.
	ril := il >> 2
	dlt := (b.det * qm4[ril]) >> 15
	b.nb = logScale(b.nb, wl[rl42[ril]], 18432)
	b.det = scale(b.nb, 8)
	b.adapt(dlt)
	return rl
}

// decodeHigh is the higher sub-band ADPCM decoder (G.722 §6, blocks 2H, 5H,
// 6H, 3H, 4H); it returns the reconstructed signal RH.
func (d *Decoder) decodeHigh(ih int32) int32 {
	b := &d.high
	// Block 2H INVQAH and 5H RECONS: RH = SH + DH.
	dh := (b.det * qm2[ih]) >> 15
	rh := b.s + dh
	// Block 6H LIMIT.
	if rh > 16383 {
		rh = 16383
	} else if rh < -16384 {
		rh = -16384
	}
	// Blocks 3H and 4H.
	b.nb = logScale(b.nb, wh[rh2[ih]], 22528)
	b.det = scale(b.nb, 10)
	b.adapt(dh)
	return rh
}
