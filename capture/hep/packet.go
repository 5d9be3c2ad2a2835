package hep

import (
	"net/netip"
	"time"

	"voiplab/capture"
)

// Packet is one HEPv3 packet: a captured payload with the addresses, time and
// agent that saw it.
type Packet struct {
	// Src and Dst are the endpoints of the captured packet (chunks 0x0003 to
	// 0x0008). An address absent from the packet is the zero Addr.
	Src, Dst netip.AddrPort
	// Transport is the captured packet's transport (chunk 0x0002: 17 UDP,
	// 6 TCP, 132 SCTP); zero when absent or another protocol.
	Transport capture.Transport
	// IPProto is the raw IP protocol number of chunk 0x0002, kept when
	// Transport cannot name it. Encode uses it only when Transport is zero.
	IPProto uint8
	// Time is the capture time (chunks 0x0009 seconds and 0x000a
	// microseconds); zero when absent.
	Time time.Time
	// ProtoType says what the payload is (chunk 0x000b): ProtoSIP,
	// ProtoRTCPJSON, ...
	ProtoType uint8
	// AgentID identifies the capture agent (chunk 0x000c).
	AgentID uint32
	// Payload is the captured payload (chunk 0x000f).
	Payload []byte
	// CorrelationID ties packets together (chunk 0x0011): the SIP Call-ID
	// for RTCP reports.
	CorrelationID string
	// AuthKey is the authentication key (chunk 0x000e), if any. Encode
	// writes it when set.
	AuthKey string
}

// HEPv3 protocol types (chunk 0x000b), as the specification lists them.
const (
	ProtoSIP      uint8 = 0x01
	ProtoXMPP     uint8 = 0x02
	ProtoSDP      uint8 = 0x03
	ProtoRTP      uint8 = 0x04
	ProtoRTCPJSON uint8 = 0x05
	ProtoMGCP     uint8 = 0x06
	ProtoMEGACO   uint8 = 0x07
	ProtoM2UA     uint8 = 0x08
	ProtoM3UA     uint8 = 0x09
	ProtoIAX      uint8 = 0x0a
	ProtoH322     uint8 = 0x0b
	ProtoH321     uint8 = 0x0c
	ProtoLog      uint8 = 0x64
)

// MaxLen is the largest HEPv3 packet: its length field has 16 bits.
const MaxLen = 0xffff

// Generic chunk types (vendor 0) of the HEP3 specification.
const (
	chunkIPFamily    = 0x0001
	chunkIPProto     = 0x0002
	chunkIPv4Src     = 0x0003
	chunkIPv4Dst     = 0x0004
	chunkIPv6Src     = 0x0005
	chunkIPv6Dst     = 0x0006
	chunkSrcPort     = 0x0007
	chunkDstPort     = 0x0008
	chunkTimeSec     = 0x0009
	chunkTimeUsec    = 0x000a
	chunkProtoType   = 0x000b
	chunkAgentID     = 0x000c
	chunkKeepAlive   = 0x000d
	chunkAuthKey     = 0x000e
	chunkPayload     = 0x000f
	chunkCompressed  = 0x0010
	chunkCorrelation = 0x0011
)

// chunkNames names the chunk types in error messages.
var chunkNames = map[uint16]string{
	chunkIPFamily:    "IP family",
	chunkIPProto:     "IP protocol",
	chunkIPv4Src:     "IPv4 source",
	chunkIPv4Dst:     "IPv4 destination",
	chunkIPv6Src:     "IPv6 source",
	chunkIPv6Dst:     "IPv6 destination",
	chunkSrcPort:     "source port",
	chunkDstPort:     "destination port",
	chunkTimeSec:     "timestamp seconds",
	chunkTimeUsec:    "timestamp microseconds",
	chunkProtoType:   "protocol type",
	chunkAgentID:     "capture agent ID",
	chunkKeepAlive:   "keep-alive timer",
	chunkAuthKey:     "authentication key",
	chunkPayload:     "payload",
	chunkCompressed:  "compressed payload",
	chunkCorrelation: "correlation ID",
}

// Address families of chunk 0x0001 (the Linux AF_INET and AF_INET6 values
// the specification uses).
const (
	familyIPv4 = 2
	familyIPv6 = 10
)

// IP protocol numbers of chunk 0x0002.
const (
	ipProtoTCP  = 6
	ipProtoUDP  = 17
	ipProtoSCTP = 132
)

func transportOf(proto uint8) capture.Transport {
	switch proto {
	case ipProtoUDP:
		return capture.UDP
	case ipProtoTCP:
		return capture.TCP
	case ipProtoSCTP:
		return capture.SCTP
	}
	return 0
}

func ipProtoOf(t capture.Transport, raw uint8) uint8 {
	switch t {
	case capture.UDP:
		return ipProtoUDP
	case capture.TCP:
		return ipProtoTCP
	case capture.SCTP:
		return ipProtoSCTP
	}
	return raw
}
