package rtpstats

// Wireshark 4.0 with rtp.heuristic_rtp:TRUE and rtcp.heuristic_rtcp:TRUE
// tries its RTP and RTCP heuristics on every UDP datagram that no
// conversation (set up by SDP, for instance) and no registered port claimed
// first. The rules below were read in epan/dissectors/packet-rtp.c and
// packet-rtcp.c and checked against tshark 4.0.17 datagram by datagram
// (TestTsharkHeuristic): every payload type with and without the marker bit,
// every RTCP packet type, CSRC, extension and padding corner cases.

// LooksLikeRTP reports whether tshark 4.0 decodes the UDP payload b as RTP
// when its heuristic is on (packet-rtp.c dissect_rtp_heur):
//   - version 2 (RFC 3550 §5.1);
//   - payload type not 72-76: with the marker bit those octets are the RTCP
//     packet types SR, RR, SDES, BYE and APP (RFC 3550 §12.1, RFC 5761 §4);
//   - second octet not 192-223 (marker + payload type 64-95): the RTP
//     dissector hands those to RTCP as RTCP multiplexed on the RTP port
//     (RFC 5761 §4, see [RTCPMuxed]);
//   - a complete header: 12 octets, the CSRC list, the extension it
//     announces, and a padding count from 1 to the payload length.
func LooksLikeRTP(b []byte) bool {
	if len(b) < 2 || b[0]>>6 != 2 || rtcpConflict(b[1]) || RTCPMuxed(b) {
		return false
	}
	_, err := parseHeader(b)
	return err == nil
}

// LooksLikeRTCP reports whether tshark 4.0 decodes the UDP payload b as RTCP
// when its heuristics are on. Two ways lead there:
//   - the RTCP heuristic (packet-rtcp.c dissect_rtcp_heur): version 2, a
//     first packet that is SR, RR, BYE, APP or payload-specific feedback
//     (RFC 3550 §6.1 wants SR or RR first in a compound packet; Wireshark
//     tolerates the others), and a length that is a multiple of 4 octets.
//     Wireshark 4.0 does not look at the port (RFC 3550 §11's odd port);
//   - the RTP heuristic for a datagram whose second octet is 192-210
//     ([RTCPMuxed]), outside 200-204, which the RTCP heuristic judges alone,
//     when it also passes the RTP header checks of [LooksLikeRTP] (so a
//     PSFB or XR first packet needs 12 octets and sane padding).
func LooksLikeRTCP(b []byte) bool {
	if len(b) < 2 || b[0]>>6 != 2 {
		return false
	}
	switch b[1] {
	case 200, 201, 203, 204, 206: // SR, RR, BYE, APP (RFC 3550 §12.1), PSFB (RFC 4585 §6.1)
		if len(b)%4 == 0 {
			return true
		}
	}
	// RTCP on the RTP path: Wireshark 4.0's RTCP dissector only claims the
	// types it knows, 192-210 (tshark shows 211-223 as "RTCP" in the
	// protocol column, but no rtcp layer, so the display filter "rtcp" does
	// not match them).
	if rtcpConflict(b[1]) || !RTCPMuxed(b) || b[1] > 210 {
		return false
	}
	_, err := parseHeader(b) // the RTP heuristic checks the header first
	return err == nil
}

// RTCPMuxed reports whether a version-2 datagram has a second octet of
// 192-223, marker bit included: an RTCP packet type, not RTP (RFC 5761 §4,
// RTP and RTCP on one port). Types 200-204 included.
func RTCPMuxed(b []byte) bool {
	return len(b) >= 2 && b[0]>>6 == 2 && b[1] >= 192 && b[1] <= 223
}

// rtcpConflict reports payload types 72-76 (either marker value), which the
// RTP heuristic refuses: with the marker bit they read as RTCP 200-204.
func rtcpConflict(b1 byte) bool {
	pt := b1 & 0x7f
	return pt >= 72 && pt <= 76
}
