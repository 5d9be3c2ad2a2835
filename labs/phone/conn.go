package phone

import (
	"net"
	"net/netip"
	"strconv"
)

// Recorder receives every datagram a phone sends, when it leaves.
type Recorder func(src, dst netip.AddrPort, payload []byte)

// netConn is a phone's UDP socket as the lab's network sees it: writes to
// an unreachable address vanish, every other write is recorded, and so is
// a read from a source that recFrom accepts.
type netConn struct {
	net.PacketConn
	local   netip.AddrPort
	rec     Recorder
	recFrom func(netip.Addr) bool
	reach   func(netip.Addr) bool
}

func newNetConn(c net.PacketConn, cfg *Config) *netConn {
	return &netConn{PacketConn: c, local: addrPort(c.LocalAddr()), rec: cfg.Record, recFrom: cfg.RecordFrom, reach: cfg.Reachable}
}

// ReadFrom records a datagram from a recFrom source as soon as it is read,
// before the phone can act on it.
func (c *netConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.PacketConn.ReadFrom(p)
	if n > 0 && c.rec != nil && c.recFrom != nil {
		if src := addrPort(from); c.recFrom(src.Addr()) {
			c.rec(src, c.local, p[:n])
		}
	}
	return n, from, err
}

func (c *netConn) WriteTo(p []byte, to net.Addr) (int, error) {
	dst := addrPort(to)
	if c.reach != nil && !c.reach(dst.Addr()) {
		return len(p), nil // lost in the network (NAT): nobody sees it
	}
	// Record before the write: once written, the peer may answer, and
	// record its answer, before this goroutine runs again.
	if c.rec != nil {
		c.rec(c.local, dst, p)
	}
	return c.PacketConn.WriteTo(p, to)
}

func addrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok {
		ap := u.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

func itoa(i int) string { return strconv.Itoa(i) }
