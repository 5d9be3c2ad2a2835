package capture

import (
	"errors"
	"time"
)

// Frame is one captured link-layer frame.
type Frame struct {
	// Data holds the captured bytes (at most the snap length). From a live
	// capture it points into the kernel ring: valid until the next read.
	Data []byte
	// Length is the frame's length on the wire.
	Length int
	Time   time.Time
	// LinkType is the frame's link-layer header type, numbered as in
	// https://www.tcpdump.org/linktypes.html: 1 Ethernet, 101 raw IP.
	LinkType uint16
	// Interface names the interface the frame was captured on.
	Interface string
}

// Link types of captured frames.
const (
	LinkTypeEthernet uint16 = linkEthernet // Ethernet (and Linux loopback)
	LinkTypeRaw      uint16 = linkRaw      // raw IPv4/IPv6: a cooked socket's frames
	LinkTypeLinuxSLL uint16 = linkLinuxSLL // the link type a cooked socket's filter is compiled for
)

// LiveStats are a live capture's counters. Received and Dropped come from
// the kernel (PACKET_STATISTICS): packets that passed the filter, and those
// of them lost because the ring buffer was full.
type LiveStats struct {
	Received uint64
	Dropped  uint64
	// Read counts the frames handed to the caller.
	Read uint64
}

// Sentinel errors of live capture.
var (
	// ErrPermission means the process may not open a packet socket: live
	// capture needs root or the CAP_NET_RAW capability. The message says how
	// to grant it.
	ErrPermission = errors.New("live capture needs root or the CAP_NET_RAW capability")
	// ErrInterface means the capture interface does not exist or is down.
	ErrInterface = errors.New("no such capture interface")
	// ErrLiveUnsupported means live capture is not available on this
	// operating system (it uses Linux AF_PACKET sockets).
	ErrLiveUnsupported = errors.New("live capture is only supported on Linux")
)

// ErrIdle is returned by Live.ReadFrame when no packet arrived within the
// poll interval: the caller may do housekeeping and read again.
var ErrIdle = errors.New("capture: no packet within the poll interval")
