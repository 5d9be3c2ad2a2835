package hep

import (
	"encoding/binary"
	"fmt"

	"github.com/pion/rtcp"

	"voiplab/capture"
)

// RTCPReport is an RTCP compound packet in the JSON form that heplify and
// captagent send as HEP protocol type 5 and that Homer shows in a call's QoS
// tab: field names are theirs. Sender info and report blocks come from the
// SR or RR (RFC 3550 §6.4.1, §6.4.2), SdesSSRC from the SDES (§6.5), and
// ReportBlocksXR from an RTCP XR VoIP Metrics block (RFC 3611 §4.7).
type RTCPReport struct {
	SenderInformation RTCPSenderInfo    `json:"sender_information"`
	SSRC              uint32            `json:"ssrc"`
	Type              uint8             `json:"type"`
	ReportCount       uint8             `json:"report_count"`
	ReportBlocks      []RTCPReportBlock `json:"report_blocks"`
	ReportBlocksXR    RTCPXRBlock       `json:"report_blocks_xr"`
	SdesSSRC          uint32            `json:"sdes_ssrc"`
}

// RTCPSenderInfo is the sender info of an SR (RFC 3550 §6.4.1).
type RTCPSenderInfo struct {
	NTPSec       uint32 `json:"ntp_timestamp_sec"`  // NTP timestamp, most significant word
	NTPFrac      uint32 `json:"ntp_timestamp_usec"` // least significant word (a fraction, not µs)
	RTPTimestamp uint32 `json:"rtp_timestamp"`
	Packets      uint32 `json:"packets"`
	Octets       uint32 `json:"octets"`
}

// RTCPReportBlock is one reception report block (RFC 3550 §6.4.1).
type RTCPReportBlock struct {
	SourceSSRC   uint32 `json:"source_ssrc"`
	FractionLost uint8  `json:"fraction_lost"`
	PacketsLost  uint32 `json:"packets_lost"` // cumulative, 24 bits
	HighestSeq   uint32 `json:"highest_seq_no"`
	Jitter       uint32 `json:"ia_jitter"` // timestamp units
	LSR          uint32 `json:"lsr"`
	DLSR         uint32 `json:"dlsr"`
}

// RTCPXRBlock is the part of an RTCP XR VoIP Metrics block (RFC 3611 §4.7)
// that Homer shows.
type RTCPXRBlock struct {
	Type            uint8  `json:"type"`
	ID              uint32 `json:"id"`
	FractionLost    uint8  `json:"fraction_lost"`
	FractionDiscard uint8  `json:"fraction_discard"`
	BurstDensity    uint8  `json:"burst_density"`
	GapDensity      uint8  `json:"gap_density"`
	BurstDuration   uint16 `json:"burst_duration"`
	GapDuration     uint16 `json:"gap_duration"`
	RoundTripDelay  uint16 `json:"round_trip_delay"`
	EndSystemDelay  uint16 `json:"end_system_delay"`
}

// NewRTCPReport decodes an RTCP compound packet (RFC 3550 §6.1) with
// github.com/pion/rtcp and returns it as an RTCPReport. Type, SSRC and
// ReportCount are those of the first SR or RR (heplify keeps the last
// packet's type, usually the SDES: the SR or RR is what the report is about).
// Packets other than SR, RR, SDES and XR are ignored, and so are a damaged
// packet after the first and octets after the last (as tshark does).
func NewRTCPReport(b []byte) (*RTCPReport, error) {
	pkts, err := unmarshalCompound(b)
	if err != nil {
		return nil, fmt.Errorf("hep: %d octets: %w: %w", len(b), ErrRTCP, err)
	}
	r := &RTCPReport{ReportBlocks: []RTCPReportBlock{}}
	haveReport := false
	blocks := func(rr []rtcp.ReceptionReport) {
		for _, b := range rr {
			r.ReportBlocks = append(r.ReportBlocks, RTCPReportBlock{
				SourceSSRC: b.SSRC, FractionLost: b.FractionLost, PacketsLost: b.TotalLost,
				HighestSeq: b.LastSequenceNumber, Jitter: b.Jitter,
				LSR: b.LastSenderReport, DLSR: b.Delay,
			})
		}
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			if !haveReport {
				haveReport = true
				r.Type, r.SSRC, r.ReportCount = 200, p.SSRC, uint8(len(p.Reports))
				r.SenderInformation = RTCPSenderInfo{
					NTPSec: uint32(p.NTPTime >> 32), NTPFrac: uint32(p.NTPTime),
					RTPTimestamp: p.RTPTime, Packets: p.PacketCount, Octets: p.OctetCount,
				}
			}
			blocks(p.Reports)
		case *rtcp.ReceiverReport:
			if !haveReport {
				haveReport = true
				r.Type, r.SSRC, r.ReportCount = 201, p.SSRC, uint8(len(p.Reports))
			}
			blocks(p.Reports)
		case *rtcp.SourceDescription:
			if len(p.Chunks) > 0 && r.SdesSSRC == 0 {
				r.SdesSSRC = p.Chunks[0].Source
			}
		case *rtcp.ExtendedReport:
			for _, xb := range p.Reports {
				if m, ok := xb.(*rtcp.VoIPMetricsReportBlock); ok {
					r.ReportBlocksXR = RTCPXRBlock{
						Type: 7, ID: m.SSRC, FractionLost: m.LossRate, FractionDiscard: m.DiscardRate,
						BurstDensity: m.BurstDensity, GapDensity: m.GapDensity,
						BurstDuration: m.BurstDuration, GapDuration: m.GapDuration,
						RoundTripDelay: m.RoundTripDelay, EndSystemDelay: m.EndSystemDelay,
					}
				}
			}
			if !haveReport {
				r.Type, r.SSRC = 207, p.SenderSSRC
			}
		}
	}
	return r, nil
}

// SendRTCP sends the RTCP datagram d as an RTCPReport in JSON (protocol type
// 5), correlated to the call by callID. It returns ErrRTCP, without sending,
// when d.Payload is not RTCP.
func (s *Sender) SendRTCP(d *capture.Datagram, callID string) error {
	r, err := NewRTCPReport(d.Payload)
	if err != nil {
		return err
	}
	return s.SendRTCPJSON(d, r, callID)
}

// unmarshalCompound walks a compound packet by each packet's length field
// (RFC 3550 §6.1) and hands every packet to pion/rtcp on its own: pion's
// Unmarshal rejects a whole compound for trailing octets (seen in
// heplify_rtp_rtcp_sip_ipv4_udp.pcap: two octets after the SDES) or one
// packet it cannot read. Only a first packet that is not RTCP is an error.
func unmarshalCompound(b []byte) ([]rtcp.Packet, error) {
	var out []rtcp.Packet
	for len(b) >= 4 {
		n := (int(binary.BigEndian.Uint16(b[2:])) + 1) * 4
		if b[0]>>6 != 2 || n > len(b) {
			break
		}
		pkts, err := rtcp.Unmarshal(b[:n])
		if err != nil && len(out) == 0 {
			return nil, err
		}
		out = append(out, pkts...)
		b = b[n:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no RTCP header (version 2, length within %d octets)", len(b))
	}
	return out, nil
}
