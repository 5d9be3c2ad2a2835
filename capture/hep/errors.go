package hep

import "errors"

// Sentinel errors. Functions wrap them with an "hep: ..." prefix that names
// the chunk, offset or value at fault; test them with errors.Is.
var (
	// ErrNotHEP means the bytes do not start with the HEPv3 magic "HEP3".
	// The message says when they look like HEPv1 or HEPv2.
	ErrNotHEP = errors.New("not a HEPv3 packet")
	// ErrTruncated means the packet, or a chunk inside it, is longer than
	// the bytes received.
	ErrTruncated = errors.New("truncated HEP packet")
	// ErrChunk means a chunk is malformed: a length shorter than its header,
	// or a data size that its type does not allow.
	ErrChunk = errors.New("malformed HEP chunk")
	// ErrUnsupported means the packet uses a feature this package does not
	// decode (a compressed payload).
	ErrUnsupported = errors.New("unsupported HEP feature")
	// ErrTooLarge means a packet does not fit in one HEP packet (65535
	// octets) or, over UDP, in one datagram.
	ErrTooLarge = errors.New("packet too large for HEP")
	// ErrProto means Dial was given a transport other than "udp" or "tcp".
	ErrProto = errors.New("unknown HEP transport")
	// ErrRTCP means NewRTCPReport was given bytes that are not an RTCP
	// compound packet.
	ErrRTCP = errors.New("not an RTCP packet")
)
