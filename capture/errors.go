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

// Sentinel errors of live capture.
var (
	// ErrPermission means the process may not open a packet socket: live
	// capture needs root or the CAP_NET_RAW capability. The message says how
	// to grant it.
	ErrPermission = errors.New("live capture needs root or the CAP_NET_RAW capability")
	// ErrInterface means the capture interface does not exist or is down.
	ErrInterface = errors.New("no such capture interface")
	// ErrLiveUnsupported means live capture is not available on this
	// operating system (it uses Linux AF_PACKET sockets).
	ErrLiveUnsupported = errors.New("live capture is only supported on Linux")
)
