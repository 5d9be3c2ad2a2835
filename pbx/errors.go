package pbx

import "errors"

// ErrListen is wrapped when a SIP or admin listener cannot be opened.
var ErrListen = errors.New("pbx: listen")

// errBlacklisted ends a stream connection from a blacklisted source
// (security.max_failed_auth).
var errBlacklisted = errors.New("pbx: source blacklisted after failed authentications")
