package sdpneg

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrMalformed reports an SDP body that does not follow RFC 4566 closely
	// enough for pion/sdp to read it. Parse still returns what a tolerant
	// line parser could read, together with an error wrapping ErrMalformed.
	ErrMalformed = errors.New("sdpneg: malformed sdp")

	// ErrEmpty reports an empty body or one without any SDP line.
	ErrEmpty = errors.New("sdpneg: empty sdp")

	// ErrNoCommonCodec reports an offer of which no audio codec is allowed.
	// Choose wraps it in a *NoCommonCodecError.
	ErrNoCommonCodec = errors.New("sdpneg: no common codec")
)

// NoCommonCodecError is the error of Choose when no offered audio codec is in
// the allowed list. It wraps ErrNoCommonCodec.
type NoCommonCodecError struct {
	// Offered are the encoding names of the offer, in offer order.
	Offered []string
	// Allowed is the allowed list as given to Choose.
	Allowed []string
}

func (e *NoCommonCodecError) Error() string {
	return fmt.Sprintf("sdpneg: no common codec: offered [%s], allowed [%s]",
		strings.Join(e.Offered, " "), strings.Join(e.Allowed, " "))
}

// Unwrap returns ErrNoCommonCodec.
func (e *NoCommonCodecError) Unwrap() error { return ErrNoCommonCodec }
