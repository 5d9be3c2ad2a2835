package rtcpreport

import (
	"fmt"

	"github.com/pion/rtcp"
)

// unavailable is the value RFC 3611 §4.7 uses for a metric the reporter does
// not have (signal and noise level, RERL, R factors, MOS).
const unavailable = 127

// xrBlocks converts pion's XR report blocks (RFC 3611 §4). A DLRR block
// becomes one XRBlock per sub-block.
func xrBlocks(rs []rtcp.ReportBlock) []XRBlock {
	var out []XRBlock
	for _, r := range rs {
		switch b := r.(type) {
		case *rtcp.VoIPMetricsReportBlock:
			out = append(out, voipMetrics(b))
		case *rtcp.LossRLEReportBlock:
			out = append(out, XRBlock{Type: "loss-rle", BT: rtcp.LossRLEReportBlockType, SSRC: b.SSRC,
				BeginSeq: b.BeginSeq, EndSeq: b.EndSeq})
		case *rtcp.DuplicateRLEReportBlock:
			out = append(out, XRBlock{Type: "dup-rle", BT: rtcp.DuplicateRLEReportBlockType, SSRC: b.SSRC,
				BeginSeq: b.BeginSeq, EndSeq: b.EndSeq})
		case *rtcp.PacketReceiptTimesReportBlock:
			out = append(out, XRBlock{Type: "receipt-times", BT: rtcp.PacketReceiptTimesReportBlockType,
				SSRC: b.SSRC, BeginSeq: b.BeginSeq, EndSeq: b.EndSeq})
		case *rtcp.ReceiverReferenceTimeReportBlock:
			out = append(out, XRBlock{Type: "rrt", BT: rtcp.ReceiverReferenceTimeReportBlockType,
				NTPTime: NTPToTime(b.NTPTimestamp)})
		case *rtcp.DLRRReportBlock:
			for _, s := range b.Reports {
				out = append(out, XRBlock{Type: "dlrr", BT: rtcp.DLRRReportBlockType, SSRC: s.SSRC,
					LastRR: s.LastRR, DLRR: s.DLRR})
			}
		case *rtcp.StatisticsSummaryReportBlock:
			out = append(out, XRBlock{Type: "stat-summary", BT: rtcp.StatisticsSummaryReportBlockType,
				SSRC: b.SSRC, BeginSeq: b.BeginSeq, EndSeq: b.EndSeq,
				LostPackets: b.LostPackets, DupPackets: b.DupPackets,
				MinJitter: b.MinJitter, MaxJitter: b.MaxJitter, MeanJitter: b.MeanJitter, DevJitter: b.DevJitter})
		case *rtcp.UnknownReportBlock:
			bt := uint8(b.BlockType)
			out = append(out, XRBlock{Type: fmt.Sprintf("bt-%d", bt), BT: bt})
		}
	}
	return out
}

// voipMetrics converts a VoIP Metrics Report Block (RFC 3611 §4.7).
func voipMetrics(b *rtcp.VoIPMetricsReportBlock) XRBlock {
	return XRBlock{
		Type: "voip-metrics",
		BT:   rtcp.VoIPMetricsReportBlockType,
		SSRC: b.SSRC,
		// §4.7.1: loss and discard rates are fixed point with the binary
		// point at the left edge (divide by 256).
		LossRate:    float64(b.LossRate) / 256,
		DiscardRate: float64(b.DiscardRate) / 256,
		// §4.7.2: burst and gap densities likewise; durations in ms.
		BurstDensity:    float64(b.BurstDensity) / 256,
		GapDensity:      float64(b.GapDensity) / 256,
		BurstDurationMs: int(b.BurstDuration),
		GapDurationMs:   int(b.GapDuration),
		// §4.7.3: delays in ms.
		RoundTripDelayMs: int(b.RoundTripDelay),
		EndSystemDelayMs: int(b.EndSystemDelay),
		// §4.7.4: signal and noise levels are signed dB(m0) values; RERL is
		// a non-negative dB value; 127 means unavailable for all three.
		SignalLevel: signedLevel(b.SignalLevel),
		NoiseLevel:  signedLevel(b.NoiseLevel),
		RERL:        int(b.RERL),
		Gmin:        int(b.Gmin),
		// §4.7.5: R factors 0–100 (127 unavailable); MOS ×10 (127
		// unavailable).
		RFactor:    int(b.RFactor),
		ExtRFactor: int(b.ExtRFactor),
		MOSLQ:      mos(b.MOSLQ),
		MOSCQ:      mos(b.MOSCQ),
		// §4.7.6: receiver configuration and jitter buffer delays in ms.
		RXConfig:  b.RXConfig,
		JBNominal: int(b.JBNominal),
		JBMax:     int(b.JBMaximum),
		JBAbsMax:  int(b.JBAbsMax),
	}
}

// signedLevel reads a signal or noise level octet: two's complement, with 127
// kept as the "unavailable" marker.
func signedLevel(v uint8) int {
	if v == unavailable {
		return unavailable
	}
	return int(int8(v))
}

// mos converts a MOS octet (MOS×10, RFC 3611 §4.7.5) to a MOS; 0 when
// unavailable.
func mos(v uint8) float64 {
	if v == unavailable {
		return 0
	}
	return float64(v) / 10
}
