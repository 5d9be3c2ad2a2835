package g722

// The tables of the Recommendation (G.722 §5 for the QMF coefficients, §6 for
// the ADPCM tables). They are immutable lookup tables.

// qmfCoeffs are the transmit and receive QMF coefficients h0..h11 of
// G.722 §5; the filter is symmetric, h(23-i) = h(i).
var qmfCoeffs = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}

// q6 are the decision levels of the 60-level lower sub-band quantiser,
// block 1L QUANTL (G.722 §6), scaled by 2^12 / DETL.
var q6 = [32]int32{
	0, 35, 72, 110, 150, 190, 233, 276,
	323, 370, 422, 473, 530, 587, 650, 714,
	786, 858, 940, 1023, 1121, 1219, 1339, 1458,
	1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
}

// iln and ilp are the 6-bit codes IL of the quantiser interval for a negative
// and a positive difference signal (block 1L QUANTL).
var iln = [32]int32{
	0, 63, 62, 31, 30, 29, 28, 27,
	26, 25, 24, 23, 22, 21, 20, 19,
	18, 17, 16, 15, 14, 13, 12, 11,
	10, 9, 8, 7, 6, 5, 4, 0,
}

var ilp = [32]int32{
	0, 61, 60, 59, 58, 57, 56, 55,
	54, 53, 52, 51, 50, 49, 48, 47,
	46, 45, 44, 43, 42, 41, 40, 39,
	38, 37, 36, 35, 34, 33, 32, 0,
}

// qm4 is the 15-level inverse quantiser of the lower sub-band truncated to 4
// bits, indexed by IL >> 2 (block 2L INVQAL), used for adaptation.
var qm4 = [16]int32{
	0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
	20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
}

// qm6 is the 60-level inverse quantiser of the lower sub-band for mode 1,
// indexed by the 6-bit IL (block 5L INVQBL).
var qm6 = [64]int32{
	-136, -136, -136, -136, -24808, -21904, -19008, -16704,
	-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
	-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
	-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
	24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
	10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
	4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
	1688, 1360, 1040, 728, 432, 136, -432, -136,
}

// rl42 maps IL >> 2 to the magnitude index of the logarithmic scale factor
// multiplier WL (block 3L LOGSCL).
var rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}

// wl is the lower sub-band log scale factor multiplier (block 3L LOGSCL).
var wl = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}

// ilb is the antilog table of blocks 3L SCALEL and 3H SCALEH (G.722 §6):
// 2048 * 2^(i/32).
var ilb = [32]int32{
	2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383,
	2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
	2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371,
	3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
}

// qm2 is the 4-level inverse quantiser of the higher sub-band, indexed by IH
// (block 2H INVQAH).
var qm2 = [4]int32{-7408, -1616, 7408, 1616}

// ihn and ihp are the 2-bit codes IH for a negative and a positive higher
// sub-band difference, indexed by the interval MIH (block 1H QUANTH).
var (
	ihn = [3]int32{0, 1, 0}
	ihp = [3]int32{0, 3, 2}
)

// rh2 maps IH to the magnitude index of WH, and wh is the higher sub-band log
// scale factor multiplier (block 3H LOGSCH).
var (
	rh2 = [4]int32{2, 1, 2, 1}
	wh  = [3]int32{0, -214, 798}
)
