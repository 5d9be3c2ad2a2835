// Package hep sends and receives HEPv3, the Homer Encapsulation Protocol
// (sipcapture "HEP3 Network Protocol Specification", also called EEP), so that
// voiplab can feed Homer, heplify-server or sngrep with the SIP it captures,
// and analyse what Kamailio, sngrep or a capture agent sends.
//
// # Wire format
//
// A HEPv3 packet is the four octets "HEP3", a 16-bit total length (network
// order, header included), then chunks. Each chunk is a 16-bit vendor ID,
// a 16-bit type and a 16-bit length (its 6-octet header included) followed by
// its data. [Encode] writes the generic chunks (vendor 0) of [Packet]: IP
// family, IP protocol, ports, timestamp seconds and microseconds, protocol
// type, capture agent ID, source and destination address, payload and, when
// set, the correlation ID. The order is the one sngrep's receiver expects:
// sngrep 1.x reads the first chunks at fixed offsets instead of walking them,
// so any other order breaks it (Homer and heplify-server walk the chunks and do
// not mind).
//
// [Decode] walks the chunks: vendor-specific and unknown chunks are skipped,
// truncation and malformed chunks are reported with an error that names the
// chunk and the offset. sngrep (1.x, on a little-endian host) sends the
// capture agent ID as htons(id) in a 32-bit chunk, so that ID 2002 reads as
// 0x07d20000: Decode recognises that form (low 16 bits zero, high 16 bits
// set) and shifts it back. A genuine ID that is a multiple of 65536 is
// therefore read as id>>16.
//
// # Sending and receiving
//
// [Dial] (or [ParseTarget] of a `--hep HOST:PORT[,proto=udp|tcp][,id=N]` flag,
// then [Target.Dial]) returns a [Sender] over UDP or TCP; [Sender.SendSIP] sends one SIP
// message as protocol type 1, [Sender.SendRTCPJSON] an RTCP report as JSON
// (protocol type 5, see [NewRTCPReport] for the form Homer shows) with the
// Call-ID as correlation ID. [Listen] receives HEP on one address over UDP and
// TCP (packets framed by their length), and [Listener.Next] returns the SIP
// and RTP it carries as [capture.Datagram] values, in arrival order, so that
// the analyser can consume them as it consumes a capture file
// (analyze.Analyzer.Datagram). [Listener.NextPacket] returns every packet,
// RTCP JSON included. Nothing is logged per packet: [Listener.Stats] counts
// what arrived, what was skipped and what was not HEP.
//
// # Verified against
//
// sngrep 1.6.0 as a receiver (`sngrep -L`, which writes what it received to a
// pcap) and as a sender (`sngrep -H`); Kamailio 5.6.3's siptrace as a sender
// and its sipcapture module as a receiver; tshark 4.0's RTCP dissection for
// [NewRTCPReport] (the interop tests, build tag interop).
//
// HEPv1 and HEPv2 and compressed payloads (chunk 0x0010) are not supported.
// The authentication key (chunk 0x000e) is carried in Packet.AuthKey both
// ways, but the Listener does not check it.
package hep
