// Package rtcpreport decodes RTCP compound packets (RFC 3550 §6) and RTCP
// Extended Reports (RFC 3611) into plain values the analyser and the PBX
// report: sender info, reception report blocks (loss, jitter, LSR/DLSR),
// SDES items, BYE reasons and XR VoIP metrics.
//
// # Compound packets
//
// One UDP datagram holds several RTCP packets back to back (RFC 3550 §6.1);
// each packet's length field delimits it. Decode walks them, hands each to
// github.com/pion/rtcp for the types pion decodes (SR, RR, SDES, BYE, APP,
// XR) and reads the feedback headers (RFC 4585 §6.1) itself. A damaged
// packet yields what could be decoded plus an error; Decode never panics.
//
// # SRTCP
//
// In SRTCP (RFC 3711 §3.4) only the first 8 octets (the header and sender
// SSRC of the first packet) are in the clear; the rest of the compound is
// ciphertext followed by the SRTCP index and authentication tag. Decode
// recognises such a datagram by the bytes after the first packet that do not
// form an RTCP header, and returns only the first packet's clear fields with
// Encrypted set.
//
// # Figures
//
// Block.JitterMs converts the interarrival jitter (RFC 3550 §6.4.1, in
// timestamp units) to milliseconds; RoundTrip computes the round-trip time
// from LSR and DLSR as in RFC 3550 §6.4.1 Figure 2.
//
// The package is a leaf: it imports only the standard library and pion/rtcp.
package rtcpreport
