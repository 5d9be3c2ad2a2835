// Package pbx is voiplab's PBX: `voiplab pbx serve`. A Server wires the
// configuration (pbx/config), the SQLite store (pbx/store), digest
// authentication (pbx/auth), the registrar (pbx/registrar), the B2BUA and
// its RTP relay (pbx/b2bua, pbx/relay), the admin API and metrics
// (pbx/admin, pbx/metrics) onto sipgo UDP and TCP listeners that it opens
// itself, optionally recorded by a capture.Tap.
//
// # Stopping
//
// When Serve's context ends the PBX refuses new calls (503 with
// Retry-After), lets active calls go on for drain_time, ends the rest with
// BYE (b2bua Drain), writes the last CDRs and bindings and closes the store.
//
// # REGISTER over UDP
//
// UDP REGISTERs are served from the SIP read loop (a sipgo transport read
// filter) with a light RFC 3261 §17.2.2 server transaction of their own
// (regtx.go) instead of sipgo's transaction layer: sipgo still parses the
// request and builds the responses, the registrar and digest code are the
// same, retransmissions are answered from the transaction's last response
// for Timer J. TCP and TLS REGISTERs, and every other request, go through
// sipgo's transaction layer.
//
// # Overload
//
// When requests arrive faster than the PBX serves them (the Go scheduler
// latency rises, or datagrams pile up in the SIP UDP socket), a growing
// share of new unauthenticated REGISTER and OPTIONS requests gets 503
// Service Unavailable with Retry-After (RFC 3261 §21.5.4), while the
// authenticated second step of registrations under way completes: the load
// is shed instead of turning into retransmissions.
package pbx
