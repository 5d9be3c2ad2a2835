package dtmf

import "errors"

// ErrShortPayload is returned by Decode when the payload is shorter than one
// 4-byte event block (RFC 4733 §2.3). The text carries the package prefix
// already so that the error is returned without a wrapping allocation.
var ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 bytes")
