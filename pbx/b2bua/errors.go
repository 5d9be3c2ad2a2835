package b2bua

import "errors"

var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("b2bua: invalid config")
	// ErrDrain is returned by Drain when its context ended before every
	// call was over.
	ErrDrain = errors.New("b2bua: drain incomplete")
)
