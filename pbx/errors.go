package pbx

import "errors"

// ErrListen is wrapped when a SIP or admin listener cannot be opened.
var ErrListen = errors.New("pbx: listen")
