// Package rtpstats scores RTP streams the way Wireshark 4.0's RTP Stream
// Analysis does (tshark -z rtp,streams; ui/tap-rtp-analysis.c and
// ui/tap-rtp-common.c), so that a student can check every figure voiplab
// prints against Wireshark and get the same number.
//
// # Per-packet analysis
//
// A [Stream] is one SSRC from one source transport address to one
// destination (tshark's key: source ip:port, destination ip:port, SSRC). It
// is fed packets in arrival order with [Stream.Add], with the clock rate
// that [ClockRate] resolves as Wireshark does. Each figure is defined where
// the code computes it (stream.go):
//
//   - delta: arrival time minus the arrival time of the previous packet;
//   - jitter: the RFC 3550 §6.4.1 running estimate J += (|D| − J)/16, in
//     milliseconds, with the transit difference D computed from the RTP
//     timestamp converted with the payload type's clock rate; packets of
//     telephone-event or of an unknown clock rate get no jitter;
//   - lost: expected − received, where expected comes from the first and the
//     last sequence number and the number of wrap-arounds: it is negative
//     when sequence numbers repeat (RFC 4733 end packets, duplicates);
//   - sequence errors: packets whose sequence number is not the previous one
//     plus one;
//   - min, mean and max of delta and jitter over the "regular" packets: not
//     the first packet, not a marker packet, not comfort noise or the packet
//     after comfort noise, not a packet whose timestamp is older than the
//     first one's.
//
// Corner cases, as Wireshark 4.0 treats them:
//
//   - the first packet only sets the references (sequence, timestamp, time);
//   - a marker packet (talk spurt) keeps its jitter update but is left out
//     of the min/mean/max figures, like comfort noise (PT 13, 19) and the
//     packet after comfort noise;
//   - a payload-type change is not special: the new type's clock converts
//     the timestamp step since the last clocked packet, measured against the
//     arrival of the previous packet, whatever its type (so jitter jumps
//     after telephone-event packets, as in Wireshark);
//   - a late or duplicated packet is a sequence error and leaves the
//     sequence reference alone; lost uses the last sequence number received,
//     so duplicates, reordering at the end and repeated RFC 4733 end packets
//     make it negative;
//   - the clock is divided by 1000 in integers (44.1 kHz counts as 44).
//
// Beyond Wireshark, a Stream counts duplicates, loss bursts (for the ITU-T
// G.107 BurstR) and keeps a bounded time series for charts.
//
// # Classification
//
// [LooksLikeRTP] and [LooksLikeRTCP] reproduce the byte checks of Wireshark's
// heuristic dissectors (rtp.heuristic_rtp and rtcp.heuristic_rtcp), and
// [ParseHeader] decodes an RTP fixed header without allocating.
//
// # Voice quality
//
// [EModel] computes the ITU-T G.107 transmission rating R and the MOS
// estimate from a codec's Ie and Bpl (ITU-T G.113 Appendix I, see package
// voiplab/analyze/codec), the loss percentage, its burstiness and the delay.
//
// It is a leaf package: it imports only the standard library and
// voiplab/analyze/codec.
package rtpstats
