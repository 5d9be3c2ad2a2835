// Package dtmf turns RFC 4733 telephone-events (the successor of RFC 2833)
// carried in RTP into DTMF digits.
//
// # Telephone-event packets
//
// A telephone-event RTP payload (RFC 4733 §2.3) holds an event code (0–9,
// *, #, A–D, 16 for flash), an end bit, a volume in −dBm0 and a duration in
// RTP timestamp units. A sender keeps the same RTP timestamp for every packet
// of one event (§2.5.1.2), sets the marker bit on the first one, sends
// updates with a growing duration while the key is held, and repeats the
// final packet, with the end bit set, three times (§2.5.1.4). Packets may
// also be retransmitted (§2.6). A receiver therefore counts one digit per RTP
// timestamp, not one per packet.
//
// # Usage
//
// Keep one Detector per RTP stream (its zero value is ready) and give it every
// telephone-event packet of that stream in arrival order with Add. Add returns
// a Digit the first time an event's end bit is seen. Call Flush at the end of
// the stream to get an event whose end packets were all lost; it is reported
// with Ended set to false.
//
// The package is a leaf: it uses only the standard library, so the analyser
// and the PBX share it. It allocates nothing per packet.
package dtmf
