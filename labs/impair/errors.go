package impair

import "errors"

// ErrConfig is wrapped by Config.Validate and New when a value is out of
// range (a negative delay, a probability outside [0, 1], a percentage
// outside [0, 100], both loss models at once).
var ErrConfig = errors.New("invalid impairment config")
