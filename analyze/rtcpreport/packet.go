package rtcpreport

import "time"

// Packet is one RTCP packet of a compound datagram. Only the fields of its
// type are set.
type Packet struct {
	// Type is "SR", "RR", "SDES", "BYE", "APP", "RTPFB", "PSFB", "XR", or
	// "PT-N" for the other packet types 192–199.
	Type string
	// PT is the packet type (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2).
	PT uint8
	// Count is the header's 5-bit field: report count (SR, RR), source
	// count (SDES, BYE), subtype (APP) or FMT (RTPFB, PSFB).
	Count uint8
	// SSRC is the sender's SSRC (SR, RR, APP, feedback, XR), the first
	// chunk's SSRC (SDES) or the first source leaving (BYE).
	SSRC uint32

	// Sender info of an SR (RFC 3550 §6.4.1). NTPTime is zero when the
	// sender sent a zero NTP timestamp (it has no wallclock).
	NTPTime                 time.Time
	NTP                     uint64 // the raw 64-bit NTP timestamp
	RTPTime                 uint32
	PacketCount, OctetCount uint32

	// Blocks are the reception report blocks of an SR or RR.
	Blocks []Block

	// CNAME and Items are the SDES items of the SSRC (the first chunk);
	// Items is keyed "CNAME", "NAME", "EMAIL", "PHONE", "LOC", "TOOL",
	// "NOTE", "PRIV" (RFC 3550 §6.5). Chunks holds every chunk.
	CNAME  string
	Items  map[string]string
	Chunks []Chunk

	// Sources are the SSRCs a BYE announces as leaving, Reason its optional
	// reason text (RFC 3550 §6.6).
	Sources []uint32
	Reason  string

	// Name is the 4-character name of an APP packet (RFC 3550 §6.7).
	Name string

	// MediaSSRC is the media source of an RTPFB or PSFB packet (RFC 4585
	// §6.1); Count holds its FMT (1 NACK / PLI, 15 REMB or TWCC, ...).
	MediaSSRC uint32

	// XR holds the report blocks of an XR packet (RFC 3611 §4).
	XR []XRBlock

	// Encrypted is set when the datagram looks like SRTCP (RFC 3711 §3.4):
	// only Type, PT, Count and SSRC are in the clear, other fields are left
	// empty.
	Encrypted bool
}

// Chunk is one SDES chunk: an SSRC or CSRC and its items (RFC 3550 §6.5).
type Chunk struct {
	SSRC  uint32
	Items map[string]string
}

// Block is one reception report block of an SR or RR (RFC 3550 §6.4.1).
type Block struct {
	// SSRC is the source this block reports on.
	SSRC uint32
	// FractionLost is the fraction of packets lost since the previous
	// report, as a fixed-point number with the binary point at the left
	// edge (divide by 256).
	FractionLost uint8
	// CumulativeLost is the signed 24-bit cumulative number of packets
	// lost; it is negative when duplicates arrived.
	CumulativeLost int32
	// HighestSeq is the extended highest sequence number received.
	HighestSeq uint32
	// Jitter is the interarrival jitter estimate in timestamp units.
	Jitter uint32
	// LSR is the middle 32 bits of the NTP timestamp of the last SR received
	// from the source (0 when none), DLSR the delay since then in units of
	// 1/65536 second.
	LSR, DLSR uint32
}

// Fraction is FractionLost as a fraction between 0 and 255/256.
func (b Block) Fraction() float64 {
	return float64(b.FractionLost) / 256
}

// JitterMs converts Jitter from timestamp units to milliseconds with the
// clock rate of the stream's payload type (RFC 3550 §6.4.1: the jitter is
// "measured in timestamp units"). It is 0 when clockRate is not positive.
func (b Block) JitterMs(clockRate int) float64 {
	if clockRate <= 0 {
		return 0
	}
	return float64(b.Jitter) * 1000 / float64(clockRate)
}

// XRBlock is one RTCP XR report block (RFC 3611 §4). Only the fields of its
// type are set.
type XRBlock struct {
	// Type is "loss-rle" (§4.1), "dup-rle" (§4.2), "receipt-times" (§4.3),
	// "rrt" (§4.4), "dlrr" (§4.5), "stat-summary" (§4.6), "voip-metrics"
	// (§4.7), or "bt-N" for another block type N.
	Type string
	// BT is the block type number.
	BT uint8
	// SSRC is the source the block reports on (the receiver's SSRC for a
	// DLRR sub-block; zero for rrt).
	SSRC uint32

	// VoIP metrics (RFC 3611 §4.7). Rates and densities are fractions
	// (the 8-bit fields divided by 256); durations and delays are in ms.
	LossRate, DiscardRate              float64
	BurstDensity, GapDensity           float64
	BurstDurationMs, GapDurationMs     int
	RoundTripDelayMs, EndSystemDelayMs int
	// SignalLevel and NoiseLevel are signed dBm0 (§4.7.4; 127 means
	// unavailable), RERL the residual echo return loss in dB (127
	// unavailable), Gmin the gap threshold (§4.7.2, 16 recommended).
	SignalLevel, NoiseLevel, RERL int
	Gmin                          int
	// RFactor and ExtRFactor are 0–100, 127 meaning unavailable (§4.7.5).
	RFactor, ExtRFactor int
	// MOSLQ and MOSCQ are the listening and conversational quality MOS
	// (the fields divided by 10, 1.0–5.0); 0 when unavailable (127).
	MOSLQ, MOSCQ float64
	// RXConfig is the receiver configuration byte (§4.7.6: PLC, jitter
	// buffer adaptive/non-adaptive, jitter buffer rate).
	RXConfig uint8
	// JBNominal, JBMax and JBAbsMax are the jitter buffer delays in ms.
	JBNominal, JBMax, JBAbsMax int

	// NTPTime is the receiver reference time of an rrt block (§4.4).
	NTPTime time.Time
	// LastRR and DLRR are a DLRR sub-block's fields (§4.5), in the units
	// of LSR and DLSR.
	LastRR, DLRR uint32

	// BeginSeq and EndSeq are the sequence range of an RLE, receipt-times
	// or stat-summary block (§4.1, §4.3, §4.6).
	BeginSeq, EndSeq uint16
	// Statistics summary (§4.6): lost and duplicated packets, and jitter in
	// timestamp units.
	LostPackets, DupPackets                     uint32
	MinJitter, MaxJitter, MeanJitter, DevJitter uint32
}
