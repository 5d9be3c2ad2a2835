// Package g722 is an ITU-T G.722 (09/2012) 64 kbit/s sub-band ADPCM encoder
// and decoder (mode 1: 6 bits for the lower sub-band, 2 bits for the higher),
// written from the Recommendation in pure Go.
//
// # Signal path
//
// The encoder takes 16 kHz linear PCM, splits it with the 24-tap transmit
// quadrature mirror filter (QMF, G.722 §3 and §5) into a lower and a higher
// sub-band at 8 kHz each, and codes each sub-band with its own ADPCM coder
// (lower: 60-level adaptive quantiser; higher: 4-level; G.722 §3). Every
// pair of input samples gives one octet, the higher sub-band code IH in the
// two most significant bits and the lower sub-band code IL in the six least
// significant bits (G.722 §1, Figure 1; RFC 3551 §4.5.2). The decoder (G.722 §4 and §6)
// runs the same adaptation from the codes and recombines the sub-bands with
// the receive QMF (§4, §5). The block names in comments (1L SUBTRA and QUANTL,
// 2L INVQAL, 3L LOGSCL and SCALEL, 4L RECONS, PARREC, UPPOL1, UPPOL2,
// UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC, 5L INVQBL, 6L LIMIT and their H
// counterparts) are those of the Recommendation's computational description
// (§6), so each function can be read against it.
//
// Samples are int16. The Recommendation specifies 14-bit uniform PCM at the
// audio interface; like the common implementations (spandsp, FFmpeg) this
// package takes and returns full-scale 16-bit samples, with the QMF scaled to
// match, and its bitstream is bit-exact with FFmpeg's g722 encoder and
// decoder (see the tests).
//
// # RTP
//
// G.722 is static RTP payload type 9. Its RTP clock rate is 8000 Hz although
// the codec samples at 16 kHz: RFC 1890 assigned 8000 by mistake and RFC 3551
// §4.5.2 keeps it for backward compatibility, so the RTP timestamp advances by
// one per octet (one per sample pair): 160 per 20 ms packet of 160 octets and
// 320 samples. SDP writes "a=rtpmap:9 G722/8000". See ClockRate, SampleRate
// and PayloadType.
//
// # State
//
// An Encoder or a Decoder holds the adaptation state of one direction of one
// stream and must be fed that stream's frames in order; the state carries
// across calls, so a stream cut into 20 ms frames decodes exactly as the
// whole stream at once. Neither is safe for concurrent use. The codec delay of
// an encode and decode round trip is 22 samples at 16 kHz (the two 24-tap
// QMFs), see Delay.
package g722

const (
	// PayloadType is G.722's static RTP payload type (RFC 3551 §6, Table 4).
	PayloadType = 9
	// ClockRate is G.722's RTP timestamp clock rate in Hz (RFC 3551 §4.5.2),
	// half the sampling rate.
	ClockRate = 8000
	// SampleRate is the audio sampling rate in Hz of the PCM that Encode
	// takes and Decode returns.
	SampleRate = 16000
	// Delay is the round-trip codec delay in 16 kHz samples: a signal
	// encoded and decoded comes out this many samples late (the two 24-tap
	// QMFs of G.722 §5).
	Delay = 22
)
