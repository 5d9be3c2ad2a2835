package synth

import "errors"

// Errors returned by Scenario.Write, wrapped with a "synth: ..." prefix.
var (
	// ErrInvalidScenario means an event cannot be generated: an endpoint
	// without an address, an unknown codec, a call without a Call-ID source.
	ErrInvalidScenario = errors.New("invalid scenario")
	// ErrWrite means the DatagramWriter failed; the writer's error is
	// wrapped too.
	ErrWrite = errors.New("write failed")
)
