// Package bpf compiles tcpdump-style capture filter expressions to classic
// BPF programs (golang.org/x/net/bpf instructions) without libpcap, for the
// link types a live capture uses: Ethernet and Linux cooked capture (SLL).
//
// # Language
//
// The subset of pcap-filter(7) that a VoIP capture needs:
//
//	[ip|ip6|udp|tcp|sctp] [src|dst|src or dst|src and dst] host ADDR
//	[ip|ip6] [src|dst|...] net CIDR        (IPv4 or IPv6, ADDR alone is a /32 or /128)
//	[ip|ip6|udp|tcp|sctp] [src|dst|...] port N
//	[ip|ip6|udp|tcp|sctp] [src|dst|...] portrange N-M
//	ip | ip6 | udp | tcp | sctp
//	and, &&, or, ||, not, !, ( )
//
// As in libpcap, "not" binds tightest and "and" and "or" have the same
// precedence and associate left to right ("a or b and c" is "(a or b) and
// c"); a bare value after "and"/"or" reuses the previous primitive's
// qualifiers ("port 5060 or 5061"). Host names are refused: a capture
// filter that needs DNS is a surprise on a lab box.
//
// # Semantics
//
// The programs accept exactly the packets libpcap 1.10's programs accept
// (the tests run both on a corpus of crafted frames in x/net/bpf's VM):
// "host" also matches ARP and RARP sender and target addresses; "udp" and
// "tcp" look through one IPv6 fragment header; "port" and "portrange" never
// match a non-first IPv4 fragment, and on IPv6 only when the transport
// header follows the fixed header directly; 802.1Q-tagged frames match
// nothing (libpcap needs the "vlan" keyword, which is not in the subset).
//
// [Cooked] turns a program compiled for [LinuxSLL] into one for a Linux
// SOCK_DGRAM packet socket (tcpdump -i any), the way libpcap's fix_offset
// does: the SLL protocol field becomes the kernel's protocol ancillary load
// and every other offset moves back by the 16-byte SLL header.
package bpf
