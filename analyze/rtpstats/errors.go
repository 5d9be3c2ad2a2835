package rtpstats

import "errors"

// Errors returned by [CheckHeader], wrapped with the prefix "rtpstats: ".
var (
	// ErrShort means the datagram is shorter than the RTP header it announces
	// (12 bytes, plus the CSRC list, plus the header extension).
	ErrShort = errors.New("short rtp header")
	// ErrVersion means the version field is not 2 (RFC 3550 §5.1).
	ErrVersion = errors.New("rtp version is not 2")
	// ErrPadding means the padding count in the last octet is 0 or larger
	// than the payload (RFC 3550 §5.1, P bit).
	ErrPadding = errors.New("bad rtp padding")
)
