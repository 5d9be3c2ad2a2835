package g722

// band is the ADPCM state of one sub-band, shared in form by the encoder and
// the decoder: the adaptive predictor (two poles, six zeros) of block 4 and
// the scale factor of block 3. Field names follow the Recommendation with the
// band letter dropped (SL→s, NBL→nb, DETL→det...).
type band struct {
	s  int32    // S: predicted signal (PREDIC)
	sp int32    // SP: pole section output (FILTEP)
	sz int32    // SZ: zero section output (FILTEZ)
	r  [3]int32 // R, RLT1, RLT2: reconstructed signal and its delays
	a  [3]int32 // A1, A2 (index 1, 2): pole predictor coefficients
	p  [3]int32 // P, PLT1, PLT2: partially reconstructed signal and delays
	d  [7]int32 // D, DLT1..DLT6: quantised difference signal and delays
	b  [7]int32 // B1..B6 (index 1..6): zero predictor coefficients
	nb int32    // NB: logarithmic quantiser scale factor
	// det is DET, the quantiser scale factor.
	det int32
}

// reset puts the band in its initial state (G.722 §6, initial values):
// everything zero except DETL = 32 for the lower and DETH = 8 for the
// higher sub-band.
func (b *band) reset(det int32) {
	*b = band{det: det}
}

// sat16 limits v to the 16-bit two's complement range, as every adder of the
// Recommendation's computational description does (G.722 §6).
func sat16(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

// scale computes DET from NB: blocks 3L SCALEL (shift 8) and 3H SCALEH
// (shift 10). NB is split into a 5-bit mantissa index into the antilog table
// ILB and an exponent.
func scale(nb, shift int32) int32 {
	wd1 := (nb >> 6) & 31
	wd2 := shift - (nb >> 11)
	var wd3 int32
	if wd2 < 0 {
		wd3 = ilb[wd1] << -wd2
	} else {
		wd3 = ilb[wd1] >> wd2
	}
	return wd3 << 2
}

// logScale updates the log scale factor NB with the leak factor 127/128 and
// the multiplier w, limited to [0, max]: blocks 3L LOGSCL (max 18432) and 3H
// LOGSCH (max 22528).
func logScale(nb, w, max int32) int32 {
	nb = (nb*127)>>7 + w
	if nb < 0 {
		return 0
	}
	if nb > max {
		return max
	}
	return nb
}

// adapt is block 4L / 4H (G.722 §6): from the quantised
// difference signal d it reconstructs the signal, adapts the pole and zero
// predictor coefficients, shifts the delay lines and computes the next
// prediction s.
func (b *band) adapt(d int32) {
	// RECONS: reconstructed signal R = S + D.
	r := sat16(b.s + d)
	// PARREC: partially reconstructed signal P = SZ + D.
	p := sat16(b.sz + d)

	// UPPOL2: second pole coefficient A2, from the signs of P and its two
	// delays, with leakage 1 - 2^-7 and limited to ±12288 (0.75).
	sg0, sg1, sg2 := p>>15, b.p[1]>>15, b.p[2]>>15
	wd1 := sat16(b.a[1] << 2)
	wd2 := wd1
	if sg0 == sg1 {
		wd2 = -wd1
	}
	if wd2 > 32767 {
		wd2 = 32767
	}
	wd3 := wd2 >> 7
	if sg0 == sg2 {
		wd3 += 128
	} else {
		wd3 -= 128
	}
	wd3 += (b.a[2] * 32512) >> 15
	if wd3 > 12288 {
		wd3 = 12288
	} else if wd3 < -12288 {
		wd3 = -12288
	}
	ap2 := wd3

	// UPPOL1: first pole coefficient A1, leakage 1 - 2^-8, limited so that
	// |A1| <= 1 - 2^-4 - A2 (15360 = 0.9375) for stability.
	wd1 = -192
	if sg0 == sg1 {
		wd1 = 192
	}
	wd2 = (b.a[1] * 32640) >> 15
	ap1 := sat16(wd1 + wd2)
	wd3 = sat16(15360 - ap2)
	if ap1 > wd3 {
		ap1 = wd3
	} else if ap1 < -wd3 {
		ap1 = -wd3
	}

	// UPZERO: the six zero coefficients, sign-sign adaptation with gain 2^-7
	// (128) and leakage 1 - 2^-8; no step when D is zero.
	wd1 = 0
	if d != 0 {
		wd1 = 128
	}
	sgd := d >> 15
	var bp [7]int32
	for i := 1; i < 7; i++ {
		wd2 := -wd1
		if b.d[i]>>15 == sgd {
			wd2 = wd1
		}
		wd3 := (b.b[i] * 32640) >> 15
		bp[i] = sat16(wd2 + wd3)
	}

	// DELAYA: shift the delay lines and take the new coefficients.
	for i := 6; i > 1; i-- {
		b.d[i] = b.d[i-1]
	}
	b.d[1] = d
	b.d[0] = d
	for i := 1; i < 7; i++ {
		b.b[i] = bp[i]
	}
	b.r[2], b.r[1], b.r[0] = b.r[1], r, r
	b.p[2], b.p[1], b.p[0] = b.p[1], p, p
	b.a[1], b.a[2] = ap1, ap2

	// FILTEP: pole section SP = A1·2·RLT1 + A2·2·RLT2.
	wd1 = sat16(b.r[1] + b.r[1])
	wd1 = (b.a[1] * wd1) >> 15
	wd2 = sat16(b.r[2] + b.r[2])
	wd2 = (b.a[2] * wd2) >> 15
	b.sp = sat16(wd1 + wd2)

	// FILTEZ: zero section SZ = Σ Bi·2·DLTi, i = 1..6.
	var sz int32
	for i := 6; i > 0; i-- {
		wd1 := sat16(b.d[i] + b.d[i])
		sz += (b.b[i] * wd1) >> 15
	}
	b.sz = sat16(sz)

	// PREDIC: predicted signal S = SP + SZ.
	b.s = sat16(b.sp + b.sz)
}
