package rtpstats

// LooksLikeRTP reports whether Wireshark 4.0's RTP heuristic
// (epan/dissectors/packet-rtp.c dissect_rtp_heur, enabled by
// rtp.heuristic_rtp:TRUE) takes the UDP payload b for RTP and dissects its
// header: version 2 and a complete fixed header with its CSRC list.
//
// Like Wireshark, the caller tries it only on datagrams that no
// conversation (SDP) or well-known port claimed first, and after
// LooksLikeRTCP with an odd destination port.
func LooksLikeRTP(b []byte) bool {
	if len(b) < 12 || b[0]>>6 != 2 {
		return false
	}
	if pt := b[1] & 0x7f; pt >= 64 && pt <= 95 {
		return false
	}
	_, err := parseHeader(b)
	return err == nil
}

// LooksLikeRTCP reports whether Wireshark 4.0's RTCP heuristic
// (epan/dissectors/packet-rtcp.c dissect_rtcp_heur, rtcp.heuristic_rtcp:TRUE)
// accepts the UDP payload b: version 2, a first packet that is a sender
// report, receiver report, BYE, APP or payload-specific feedback (RFC 3550
// §6.1 puts SR or RR first in a compound packet; Wireshark tolerates BYE,
// APP and PSFB), and a length that is a multiple of 4 octets. Wireshark also
// requires an odd destination port (RFC 3550 §11): check it with
// the port at hand, or use [LooksLikeRTCPPort].
func LooksLikeRTCP(b []byte) bool {
	if len(b) < 4 || b[0]>>6 != 2 || len(b)%4 != 0 {
		return false
	}
	switch b[1] {
	case 200, 201, 203, 204, 206: // SR, RR, BYE, APP, PSFB
		return true
	}
	return false
}

// LooksLikeRTCPPort is [LooksLikeRTCP] with Wireshark's odd destination
// port condition.
func LooksLikeRTCPPort(b []byte, dstPort uint16) bool {
	return dstPort%2 == 1 && LooksLikeRTCP(b)
}
