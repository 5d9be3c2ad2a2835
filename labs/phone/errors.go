package phone

import "errors"

var (
	// ErrRejected is wrapped when a call or a registration gets a final
	// error response; see RejectedError for the status.
	ErrRejected = errors.New("phone: rejected")
	// ErrNoCodec is returned when the negotiated SDP has no audio codec the
	// phone can send.
	ErrNoCodec = errors.New("phone: no usable codec")
	// ErrConfig is wrapped when a Config is invalid.
	ErrConfig = errors.New("phone: invalid config")
)

// RejectedError is a final error response to a request of the phone.
type RejectedError struct {
	Method string
	Status int
	Reason string
}

func (e *RejectedError) Error() string {
	return "phone: " + e.Method + " rejected: " + itoa(e.Status) + " " + e.Reason
}

// Unwrap makes errors.Is(err, ErrRejected) true.
func (e *RejectedError) Unwrap() error { return ErrRejected }
