// Package sdpneg parses SDP bodies (RFC 4566) for analysis and applies the
// RFC 3264 offer/answer rules. The analyser uses it to show what each side
// offered and answered and to explain a failed negotiation; the PBX uses it to
// choose the codecs of its answer from an extension's allowed list.
//
// # Parsing
//
// [Parse] hands the body to github.com/pion/sdp/v3 after a normalisation that
// removes the pion pitfalls which real captures hit (no final CRLF, a missing
// s= or t= line, media types and transports pion does not know such as
// T.38's "m=image ... udptl t38"). What pion still rejects goes to a tolerant
// line parser of this package, so that a broken SDP still yields its m=, c=
// and a= information; [Parse] then returns the [Session] together with an
// error wrapping [ErrMalformed]. Codec names and clock rates come from
// a=rtpmap, else from voiplab/analyze/codec's static payload type table
// (RFC 3551 §6), because pion's own table knows PT 0, 8 and 9 only.
//
// # Offer/answer (RFC 3264)
//
// [Check] compares an answer with its offer: same number of m= lines in the
// same order (§6), answer formats taken from the offer (§6.1), compatible
// directions (§6.1), at least one common audio codec. [Choose] is the
// answerer's side for the PBX: it picks, in the PBX's priority order, the
// offered formats it allows, keeping the offer's payload type numbers (§6.1).
//
// The package is a leaf: it imports only the standard library, pion/sdp and
// voiplab/analyze/codec, so that the analyser and the PBX share it.
package sdpneg
