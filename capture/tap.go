package capture

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Tap records the datagrams a process sends and receives into a Writer, so
// that a PBX or a lab can capture its own traffic without root. It records
// at the socket, in the order the socket calls happen, with the time of the
// call: a log hook that runs later, or on another goroutine, would reorder
// what the wire saw. A Tap is safe for concurrent use.
type Tap struct {
	mu    sync.Mutex
	w     *Writer
	now   func() time.Time
	err   error
	count int
}

// TapOption configures a Tap.
type TapOption func(*Tap)

// WithTapClock sets the clock that timestamps records (tests).
func WithTapClock(now func() time.Time) TapOption { return func(t *Tap) { t.now = now } }

// NewTap returns a Tap that writes into w.
func NewTap(w *Writer, opts ...TapOption) *Tap {
	t := &Tap{w: w, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Record writes one datagram seen now. Errors are kept (see Err) rather than
// returned, so that a full disk never breaks the traffic being recorded.
func (t *Tap) Record(tr Transport, src, dst netip.AddrPort, payload []byte) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count++
	d := Datagram{Frame: t.count, Time: t.now(), Src: src, Dst: dst, Transport: tr, Payload: payload}
	if err := t.w.WriteDatagram(&d); err != nil && t.err == nil {
		t.err = err
	}
}

// Flush writes buffered records to the underlying writer.
func (t *Tap) Flush() error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.w.Flush(); err != nil {
		return err
	}
	return t.err
}

// Err returns the first error the Tap met while writing.
func (t *Tap) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Count returns the number of datagrams recorded.
func (t *Tap) Count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// PacketConn wraps a UDP socket so that every datagram it reads or writes
// is recorded. A nil Tap returns c unchanged.
func (t *Tap) PacketConn(c net.PacketConn) net.PacketConn {
	if t == nil {
		return c
	}
	return &tapPacketConn{PacketConn: c, tap: t, local: addrPort(c.LocalAddr())}
}

type tapPacketConn struct {
	net.PacketConn
	tap   *Tap
	local netip.AddrPort
}

func (c *tapPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.PacketConn.ReadFrom(p)
	if n > 0 {
		c.tap.Record(UDP, addrPort(from), c.dst(from), p[:n])
	}
	return n, from, err
}

// WriteTo records the datagram before it leaves: recorded after, a fast
// answer read on another goroutine could be recorded before the request that
// caused it (an ACK before its 200 OK).
func (c *tapPacketConn) WriteTo(p []byte, to net.Addr) (int, error) {
	c.tap.Record(UDP, c.dst(to), addrPort(to), p)
	return c.PacketConn.WriteTo(p, to)
}

// dst is the local address as the peer sees it: a socket bound to a wildcard
// address is recorded with the loopback or unspecified address of the
// peer's family replaced by the peer's own family's loopback.
func (c *tapPacketConn) dst(peer net.Addr) netip.AddrPort {
	l := c.local
	if l.Addr().IsUnspecified() {
		p := addrPort(peer).Addr()
		if p.Is4() || p.Is4In6() {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), l.Port())
		}
		return netip.AddrPortFrom(netip.IPv6Loopback(), l.Port())
	}
	return l
}

// Conn wraps a TCP connection so that every read and write is recorded as
// a TCP segment. A nil Tap returns c unchanged.
func (t *Tap) Conn(c net.Conn) net.Conn {
	if t == nil {
		return c
	}
	return &tapConn{Conn: c, tap: t, local: addrPort(c.LocalAddr()), remote: addrPort(c.RemoteAddr())}
}

type tapConn struct {
	net.Conn
	tap           *Tap
	local, remote netip.AddrPort
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.tap.Record(TCP, c.remote, c.local, p[:n])
	}
	return n, err
}

// Write records before writing, for the reason given at tapPacketConn.WriteTo.
func (c *tapConn) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.tap.Record(TCP, c.local, c.remote, p)
	}
	return c.Conn.Write(p)
}

func addrPort(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.AddrPort()
	case *net.TCPAddr:
		return v.AddrPort()
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
