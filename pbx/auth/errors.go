package auth

import "errors"

// Reasons a request is refused (Result.Err).
var (
	ErrNoCredentials = errors.New("auth: no credentials")
	ErrMalformed     = errors.New("auth: malformed credentials")
	ErrBadNonce      = errors.New("auth: nonce not issued here")
	ErrStale         = errors.New("auth: nonce expired")
	ErrReplay        = errors.New("auth: nonce count replayed")
	ErrRealm         = errors.New("auth: wrong realm")
	ErrURI           = errors.New("auth: digest-uri is not the Request-URI")
	ErrAlgorithm     = errors.New("auth: algorithm not offered")
	ErrDenied        = errors.New("auth: wrong credentials") // unknown user or wrong password: one error, no enumeration
)
