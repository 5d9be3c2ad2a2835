package rtcpreport

import "errors"

var (
	// ErrNotRTCP means the datagram does not start with an RTCP header
	// (version 2, packet type 192–207, RFC 3550 §6.4.1 and Appendix A.2).
	ErrNotRTCP = errors.New("not an RTCP packet")
	// ErrTruncated means a packet's length field (RFC 3550 §6.4.1) points
	// past the end of the datagram, or fewer than 4 bytes remain.
	ErrTruncated = errors.New("truncated RTCP packet")
	// ErrMalformed means a packet's body does not match its type's layout.
	ErrMalformed = errors.New("malformed RTCP packet")
	// ErrTrailingData means bytes after the last packet do not form an RTCP
	// header.
	ErrTrailingData = errors.New("trailing bytes after RTCP packets")
)
