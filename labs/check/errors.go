package check

import "errors"

// ErrNotMet is wrapped by Grade.Err when at least one objective is not met.
var ErrNotMet = errors.New("check: objectives not met")
