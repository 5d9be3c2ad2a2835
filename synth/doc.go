// Package synth generates realistic VoIP captures that voiplab writes itself:
// a handful of calls with planted faults for `make demo` and for the tests of
// each diagnosis, and a large capture of thousands of G.711 calls for the
// analysis benchmark.
//
// # Model
//
// A [Scenario] is a list of events on a timeline: calls, registrations and
// scanner bursts. Everything it produces is deterministic from Scenario.Seed:
// the same scenario writes the same bytes.
//
// [Scenario.Write] merges the packets of all events in time order and hands
// them to a [DatagramWriter] (capture.NewWriter writes pcapng). RTP is
// streamed: a heap holds one small generator per active media stream, so a
// million-packet capture is written in bounded memory.
//
// # What is real
//
// SIP follows RFC 3261 (Via branches with the z9hG4bK magic cookie, tags,
// CSeq, Contact, Max-Forwards, exact Content-Length, Timer A/B and Timer E/F
// retransmissions with T1 = 500 ms, the 2xx retransmission of §13.3.1.4).
// SDP follows RFC 4566, RTP RFC 3550 (random initial sequence number,
// timestamp and SSRC), G.711 payloads carry a real µ-law or A-law tone,
// DTMF uses RFC 4733 events, RTCP reports (via pion/rtcp) carry the loss and
// jitter figures the planted faults cause.
//
// G.722 and G.729 payloads have the right size but are not decodable audio
// (no encoder is available in pure Go): analysis only needs their size and
// timing.
package synth
