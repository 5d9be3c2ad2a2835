// Package sipmsg turns the bytes of one SIP message into a compact,
// self-contained [Message] record that the analyser can keep.
//
// # Parsing
//
// [Parse] first hands the message to sipgo's parser
// (github.com/emiago/sipgo/sip). When sipgo accepts it, the typed headers it
// produced fill the record. When sipgo rejects it, a raw fallback parser of
// this package reads whatever it still can (start line, every header line,
// the body), so that the message is shown and explained as a `malformed-sip`
// finding instead of being lost. Either way [Message.Malformed] tells why the
// message is not a well-formed RFC 3261 message.
//
// sipgo is lenient in places where RFC 3261 is not: it accepts a message
// without Via, CSeq, Call-ID, From or To, a SIP version other than 2.0, a
// status code outside 100–699, a CSeq method that differs from the request
// method, a Content-Length longer than the rest of the datagram (through a
// truncated body) and repeated single-value headers. Parse checks these
// itself (RFC 3261 §7, §8.1.1, §18.3, §20) and sets Malformed.
//
// LF-only line endings: sipgo refuses them; Wireshark accepts them. This
// package reads such a message through the fallback (which splits lines on
// LF as well as CRLF), fills every field, and flags it Malformed with the
// reason "LF line endings" (RFC 3261 §7: lines end with CRLF). It does not
// silently normalise, because a student should see that the sender is
// wrong.
//
// # Memory
//
// Parse copies its input into [Message.Raw]; every string and slice of the
// record is either a copy or points into Raw, so the caller may reuse its
// buffer at once.
package sipmsg
