package config

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every configuration error: an unknown key, a
// value of the wrong type, or a value that Validate refuses.
var ErrInvalid = errors.New("invalid configuration")

// Error is a configuration error that names where it is: the file and line
// when known (Load), the key path (media.relay, extensions[2].number) and why.
type Error struct {
	File   string // "" when the config did not come from a file
	Line   int    // 0 when unknown
	Path   string // dotted key path, e.g. "media.relay"
	Reason string
}

func (e *Error) Error() string {
	s := ""
	if e.File != "" {
		s = e.File + ": "
	}
	if e.Line > 0 {
		s += fmt.Sprintf("line %d: ", e.Line)
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

func fieldErr(path, format string, args ...any) *Error {
	return &Error{Path: path, Reason: fmt.Sprintf(format, args...)}
}
