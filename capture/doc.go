// Package capture turns packet sources into decoded datagrams, and writes
// captures.
//
// # Reading
//
// [Open] and [NewReader] read pcap and pcapng files, gzip-compressed or not,
// with a hand-written record reader (pcapfile.go) that parses the records in
// place in one large buffer and allocates nothing per packet. [Reader.Next]
// returns one [Datagram] per application payload:
//
//   - UDP: the payload of each datagram, after IPv4/IPv6 reassembly;
//   - TCP: each direction is reassembled (out-of-order, retransmitted and
//     overlapping segments) and SIP messages are framed out of the byte
//     stream by Content-Length (RFC 3261 §18.3), keep-alive CRLFs skipped;
//     SIP over WebSocket (RFC 7118) is unmasked after the HTTP Upgrade; a
//     stream that is not SIP (TLS, HTTP) yields its bytes raw, per segment,
//     for the caller to judge;
//   - SCTP: each DATA chunk's user message, joined when split over chunks.
//
// Link types: Ethernet, Linux SLL and SLL2, raw IP (DLT 12/14, LINKTYPE_RAW
// 101, 228, 229), BSD loopback (NULL, LOOP). Stripped on the way: 802.1Q and
// QinQ tags, PPPoE sessions, GRE (including GRE/PPP and transparent Ethernet
// bridging), ERSPAN types I/II/III, IPv4-in-IP and IPv6-in-IPv4, IPv6
// extension headers.
//
// Datagram.Frame is the Wireshark frame number of the frame that completed
// the datagram. A datagram that could not be completed (an IP fragment
// missing, a TCP segment lost, a frame cut by the snap length) is still
// delivered, with what was captured and Truncated set: fragments at their
// 30 s timeout (by packet time) or at the end of the file, TCP leftovers when
// the stream closes, idles for 5 minutes or the file ends. All state is
// bounded by live flows: reassembly tables and per-stream buffers have
// fixed limits.
//
// A damaged or truncated file is not an error: Next returns everything before
// the damage, then io.EOF, and [Reader.Info] names the frame where it stopped.
// Only an unreadable file is an error ([ErrNotCapture], [ErrLinkType]).
//
// The decoder is written by hand over the frame bytes: the Ethernet/IPv4/UDP
// path allocates nothing and reads about 8 million packets per second on one
// core (BenchmarkReader).
//
// # Writing
//
// [NewWriter] writes pcapng with Ethernet link type; [Writer.WriteDatagram]
// synthesizes Ethernet, IPv4 or IPv6, and UDP or TCP headers (with running
// sequence numbers, so that Wireshark reassembles the stream) with correct
// checksums, for traffic a process sends and receives itself.
// [NewFrameWriter] writes captured frames as they are. Both use a
// hand-written pcapng writer (pcapngwrite.go: Section Header, Interface
// Description, Enhanced Packet and Interface Statistics Blocks).
//
// It is the leaf of voiplab: it imports no other voiplab package.
package capture
