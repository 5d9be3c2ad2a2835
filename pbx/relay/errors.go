package relay

import "errors"

var (
	// ErrPortsExhausted means no free pair of RTP/RTCP ports was left in
	// the configured range.
	ErrPortsExhausted = errors.New("relay: rtp ports exhausted")
	// ErrMediaTimeout is the Err of a Session closed because no media
	// arrived for Config.Timeout.
	ErrMediaTimeout = errors.New("relay: media timeout")
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("relay: invalid config")
	// ErrClosed is returned by Allocate after the context ended.
	ErrClosed = errors.New("relay: closed")
)
