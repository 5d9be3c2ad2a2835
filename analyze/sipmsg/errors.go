package sipmsg

import (
	"errors"
	"strings"
)

var (
	// ErrNotSIP is returned by Parse when the bytes do not start like a SIP
	// message (neither a request line nor a status line).
	ErrNotSIP = errors.New("sipmsg: not a SIP message")

	// ErrMalformed is wrapped by Message.Malformed: the bytes start like SIP
	// but the message breaks RFC 3261 (sipgo refused it, or a check of this
	// package failed).
	ErrMalformed = errors.New("sipmsg: malformed SIP message")
)

// MalformedError says why a message is malformed. It matches ErrMalformed
// with errors.Is. Reasons are short English phrases, each citing the rule it
// breaks where there is one; Cause is sipgo's own error when sipgo refused
// the message (nil when sipgo accepted it but a check of this package
// failed).
type MalformedError struct {
	Reasons []string
	Cause   error
}

// Error implements error: "sipmsg: malformed SIP message: reason; reason".
func (e *MalformedError) Error() string {
	var b strings.Builder
	b.WriteString(ErrMalformed.Error())
	for i, r := range e.Reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(r)
	}
	return b.String()
}

// Is reports whether target is ErrMalformed.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// Unwrap returns sipgo's error, if any.
func (e *MalformedError) Unwrap() error { return e.Cause }
