package capture

import (
	"net/netip"
	"time"
)

// Transport is the transport protocol that carried a datagram.
type Transport uint8

// Transports a Datagram can come from.
const (
	UDP Transport = iota + 1
	TCP
	SCTP
)

// String returns "UDP", "TCP" or "SCTP".
func (t Transport) String() string {
	switch t {
	case UDP:
		return "UDP"
	case TCP:
		return "TCP"
	case SCTP:
		return "SCTP"
	}
	return "unknown"
}

// Datagram is one application payload recovered from a capture: the payload of
// a UDP datagram (after IP reassembly), or one SIP message framed out of a TCP
// stream by its Content-Length (RFC 3261 §18.3), or one SCTP DATA chunk.
type Datagram struct {
	// Frame is the 1-based number of the capture frame, as Wireshark counts
	// it. For data reassembled from several frames it is the last one.
	Frame int
	// Time is the capture timestamp of that frame.
	Time time.Time
	// Src and Dst are the transport endpoints.
	Src, Dst  netip.AddrPort
	Transport Transport
	// Payload is the application data. It is only valid until the next call
	// to Reader.Next: copy what you keep.
	Payload []byte
	// Truncated is true when the frame was cut short (snap length or a
	// damaged header): Payload holds only what was captured.
	Truncated bool
	// WebSocket is true when Payload is a WebSocket message (SIP over
	// WebSocket, RFC 7118) unmasked from a TCP stream.
	WebSocket bool
}

// FileInfo describes a capture file once it has been read.
type FileInfo struct {
	Path     string
	Format   string // "pcap" or "pcapng"
	LinkType string // as capinfos -M: "ether", "linux-sll", "linux-sll2", "rawip", "null", "loop"
	Packets  int    // frames read
	Start    time.Time
	End      time.Time
	// Warnings name the frame where a truncated or damaged file stopped, and
	// other problems that did not stop the read.
	Warnings []string
}
