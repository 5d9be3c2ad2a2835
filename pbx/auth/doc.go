// Package auth is the PBX's server-side SIP digest authentication
// (RFC 3261 §22, RFC 8760 MD5 and SHA-256, qop=auth with nc/cnonce), built on
// github.com/icholy/digest for parsing and computing digests; sipgo has no
// server side.
//
// Nonces are stateless to issue (an id, the issue time and an HMAC) and expire
// after a lifetime: an otherwise correct answer to an old nonce gets a new
// challenge with stale=true. The nonce count of each nonce that was used is
// kept in a fixed ring, so a replayed or lower nc is refused without unbounded
// memory. Responses are compared in constant time, the digest-uri must be the
// Request-URI, and an unknown user is challenged exactly like a known one (no
// extension enumeration).
package auth
