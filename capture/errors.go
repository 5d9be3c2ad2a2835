package capture

import "errors"

// Sentinel errors. Functions wrap them with a "capture: ..." prefix that names
// the file or the value at fault; test them with errors.Is.
var (
	// ErrNotCapture means the input is neither a pcap nor a pcapng file
	// (gzip-compressed or not). The message shows its first bytes in hex.
	ErrNotCapture = errors.New("not a pcap or pcapng file")
	// ErrLinkType means the capture's link type cannot be decoded. The
	// message shows its number and, where known, its name.
	ErrLinkType = errors.New("unsupported link type")
	// ErrTooLarge means a UDP datagram given to Writer.WriteDatagram does
	// not fit in one IP packet (the Writer does not fragment).
	ErrTooLarge = errors.New("datagram too large")
	// ErrAddress means a datagram to write has invalid or mixed-family
	// addresses, or an unknown transport.
	ErrAddress = errors.New("invalid datagram addresses")
)
