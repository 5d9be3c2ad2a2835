package registrar

import "errors"

// ErrConfig is returned by New for an incomplete Config.
var ErrConfig = errors.New("registrar: bad config")
