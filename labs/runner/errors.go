package runner

import "errors"

var (
	// ErrNoScenario is returned for a catalogue lab the runner has no
	// scenario for.
	ErrNoScenario = errors.New("runner: no scenario for this lab")
	// ErrStep is wrapped when a step of a scenario fails (a call that
	// should have been answered was not, a phone did not start...).
	ErrStep = errors.New("runner: scenario step failed")
)
