// Package registrar is the PBX's SIP registrar (RFC 3261 §10): REGISTER with
// digest authentication, several contacts per extension, Expires bounds
// (423 Interval Too Brief with Min-Expires), un-REGISTER with Expires 0,
// `Contact: *` removal, and a 200 that lists the current bindings with their
// remaining expiry. It also answers OPTIONS.
//
// Bindings live in memory for lookups and are written behind to the store
// in batches, so a restart keeps the unexpired ones.
package registrar
