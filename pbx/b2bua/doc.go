// Package b2bua is the PBX's back-to-back user agent on sipgo: it answers
// the caller's INVITE as a UAS (leg 0), calls the callee's registered
// contacts as a UAC (leg 1, parallel forking: the first 2xx wins and the
// other branches are cancelled, RFC 3261 §16.7-like), and relays between the
// two dialogs: provisional responses in order, the answer, CANCEL, BYE from
// either side, and in-dialog re-INVITE, UPDATE (hold, RFC 3264 §8.4) and
// INFO.
//
// # Response order
//
// sipgo hands each received response to its transaction on a goroutine of
// its own, so a 180 that arrives just before its 200 can reach the
// transaction after the 200 and be dropped (see ../shared/LIBRARIES.md). The
// B2BUA therefore also listens on the transport layer (TransportLayer
// OnMessage handlers run in the read loop, in wire order) and takes the
// responses to its outgoing INVITEs from there, in the order they arrived.
//
// # Codecs and media
//
// The callee's allowed codecs (its extension's list, else the global one,
// narrowed by the caller's extension list when it has one) are applied to
// the offer with analyze/sdpneg.Choose; an offer with none of them is
// refused with 488 and a Warning 305 naming both lists (RFC 3261 §20.43).
// When the call is relayed (pbx/relay), both SDP bodies are rewritten to the
// relay's ports and the offer keeps only the chosen formats; a direct call
// passes the bodies untouched.
//
// Every call ends with exactly one cdr.Record handed to Config.OnCDR.
package b2bua
