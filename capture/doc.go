// Package capture turns packet sources into decoded datagrams, and writes
// captures.
//
// It reads pcap and pcapng files (Ethernet, Linux SLL and SLL2, raw IP and BSD
// loopback link types), strips 802.1Q/QinQ tags and GRE, ERSPAN and IP-in-IP
// tunnels, reassembles IPv4 and IPv6 fragments, and frames SIP messages out
// of TCP streams. It writes pcapng with synthesized headers for traffic that a
// process sends and receives itself.
//
// It is the leaf of voiplab: it imports no other voiplab package.
package capture
