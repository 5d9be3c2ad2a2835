package relay

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"voiplab/analyze/sdpneg"
	"voiplab/capture"
	"voiplab/pbx/cdr"
)

// maxDatagram bounds the datagrams the relay reads: audio RTP stays well
// below a 1500-byte MTU, and a 64 KiB buffer per socket would cost memory
// for nothing. A longer datagram is forwarded truncated.
const maxDatagram = 4096

// Directions of a Session, by the leg whose packets they are.
const (
	CallerToCallee = 0 // received on leg 0, sent out of leg 1
	CalleeToCaller = 1 // received on leg 1, sent out of leg 0
)

var directionNames = [2]string{"caller->callee", "callee->caller"}

// Session is the media of one call through the relay: leg 0 faces the
// caller, leg 1 the callee. Packets that the caller sends to leg 0 leave
// from leg 1 towards the callee, and the reverse.
type Session struct {
	r    *Relay
	legs [2]leg
	dirs [2]direction

	last    atomic.Int64 // UnixNano of the last packet, 0 before any
	armed   atomic.Bool
	timerMu sync.Mutex
	timer   *time.Timer

	poll      *poller // reads the sockets; nil: one goroutine per socket
	wg        sync.WaitGroup
	done      chan struct{}
	closeOnce sync.Once
	err       atomic.Pointer[error]
}

// leg is one side's pair of sockets and what the relay knows of the peer.
type leg struct {
	port             int
	rtp, rtcp        *net.UDPConn
	local, localRTCP netip.AddrPort
	peer             atomic.Pointer[peer]
	// raw holds the leg's own descriptors once a poller reads it
	// (poll_linux.go); rtp and rtcp are then closed and nil.
	raw rawLeg
}

// send writes pkt to dst from the leg's RTP port, or its RTCP port.
func (l *leg) send(rtcp bool, pkt []byte, dst netip.AddrPort) error {
	if l.rtp == nil {
		return l.raw.send(rtcp, pkt, dst)
	}
	c := l.rtp
	if rtcp {
		c = l.rtcp
	}
	_, err := c.WriteToUDPAddrPort(pkt, dst)
	return err
}

// peer is where the relay sends a side's media; replaced, never modified.
type peer struct {
	rtp, rtcp     netip.AddrPort
	mux           bool
	latched       bool // rtp comes from a received packet (symmetric RTP)
	latchedRTCP   bool
	announcedRTP  netip.AddrPort
	announcedMux  bool
	announcedRTCP netip.AddrPort
}

func newSession(r *Relay) *Session {
	s := &Session{r: r, done: make(chan struct{})}
	for i := range s.dirs {
		s.dirs[i].init()
	}
	return s
}

// Leg returns the local RTP address of leg i (0: caller side, 1: callee
// side): what the SDP sent to that side announces.
func (s *Session) Leg(i int) netip.AddrPort { return s.legs[i].local }

// SetPeer records what the SDP of side i announced: its RTP address and
// whether it multiplexes RTCP on it (RFC 5761). The relay keeps sending to
// the source of that side's packets once one has arrived (symmetric
// latching); a new SetPeer (re-INVITE) latches afresh. An address with an
// unspecified IP (c=0.0.0.0, RFC 3264 §8.4 hold) or port 0 gets nothing
// until that side sends.
func (s *Session) SetPeer(i int, rtp netip.AddrPort, rtcpMux bool) {
	p := &peer{rtp: rtp, mux: rtcpMux, announcedRTP: rtp, announcedMux: rtcpMux}
	if rtp.IsValid() && rtp.Port() != 0 {
		if rtcpMux {
			p.rtcp = rtp
		} else {
			// RFC 3550 §11: RTCP on the next higher (odd) port.
			p.rtcp = netip.AddrPortFrom(rtp.Addr(), rtp.Port()+1)
		}
		p.announcedRTCP = p.rtcp
	}
	s.legs[i].peer.Store(p)
	if a, b := s.legs[0].peer.Load(), s.legs[1].peer.Load(); a != nil && b != nil {
		s.arm()
	}
}

// SetFormats tells the relay what the negotiated payload types are, so that
// dynamic ones get their clock rate (jitter) and codec (MOS). Static payload
// types need nothing.
func (s *Session) SetFormats(formats []sdpneg.Format) {
	var t ptTable
	for _, f := range formats {
		if f.PT >= 0 && f.PT < 128 {
			t.set(uint8(f.PT), f.Name, f.ClockRate)
		}
	}
	for i := range s.dirs {
		s.dirs[i].pts.Store(&t)
	}
}

// Stats returns, per direction (CallerToCallee, CalleeToCaller), the
// packets received, lost, mean jitter and E-model MOS.
func (s *Session) Stats() [2]cdr.Direction {
	var out [2]cdr.Direction
	for i := range s.dirs {
		out[i] = s.dirs[i].summary()
		out[i].Direction = directionNames[i]
	}
	return out
}

// Relayed returns the number of RTP and RTCP datagrams forwarded so far.
func (s *Session) Relayed() (rtp, rtcp uint64) {
	for i := range s.dirs {
		rtp += s.dirs[i].fwdRTP.Load()
		rtcp += s.dirs[i].fwdRTCP.Load()
	}
	return rtp, rtcp
}

// Done is closed when the Session ends: Close, or dead media.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns ErrMediaTimeout when the Session ended for lack of media,
// nil otherwise.
func (s *Session) Err() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops forwarding, closes the four sockets and returns the ports to
// the range. It waits for the forwarding goroutines and is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.timerMu.Lock()
		if s.timer != nil {
			s.timer.Stop()
		}
		s.timerMu.Unlock()
		if s.poll != nil {
			s.poll.remove(s) // before the close: the descriptors must not be reused under the poller
		}
		for i := range s.legs {
			s.legs[i].close()
		}
		s.wg.Wait()
		for i := range s.legs {
			s.r.release(s.legs[i].port)
		}
		close(s.done)
		st := s.Stats()
		s.r.log.Debug("session closed", "leg0", s.legs[0].local, "leg1", s.legs[1].local,
			"packets_caller", st[0].Packets, "packets_callee", st[1].Packets)
	})
	return nil
}

func (l *leg) close() {
	if l.rtp != nil {
		l.rtp.Close()
	}
	if l.rtcp != nil {
		l.rtcp.Close()
	}
}

// start hands the sockets to a poller, or runs one reader per socket.
func (s *Session) start() {
	if p := s.r.poller(); p != nil {
		err := p.add(s)
		if err == nil {
			s.poll = p
			return
		}
		s.r.log.Warn("poller unavailable, one goroutine per socket", "err", err)
	}
	for i := range s.legs {
		s.wg.Add(2)
		go s.readRTP(i)
		go s.readRTCP(i)
	}
}

// arm starts the dead-media clock once.
func (s *Session) arm() {
	if s.r.cfg.Timeout <= 0 || !s.armed.CompareAndSwap(false, true) {
		return
	}
	if s.last.Load() == 0 {
		s.last.CompareAndSwap(0, s.r.now().UnixNano())
	}
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	select {
	case <-s.done:
		return
	default:
	}
	s.timer = time.AfterFunc(s.r.cfg.Timeout, s.checkIdle)
}

// checkIdle ends the Session when no packet came for Timeout, or waits for
// the rest of it.
func (s *Session) checkIdle() {
	idle := time.Duration(s.r.now().UnixNano() - s.last.Load())
	if idle >= s.r.cfg.Timeout {
		err := ErrMediaTimeout
		s.err.CompareAndSwap(nil, &err)
		s.r.log.Info("media timeout", "leg0", s.legs[0].local, "leg1", s.legs[1].local, "idle", idle)
		go s.Close() // Close waits for the timer's own goroutine otherwise
		return
	}
	s.timerMu.Lock()
	s.timer.Reset(s.r.cfg.Timeout - idle)
	s.timerMu.Unlock()
}

// readRTP is the portable reader of leg i's RTP port (one goroutine per
// socket), used where the relay has no poller (see poll_linux.go).
func (s *Session) readRTP(i int) {
	defer s.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := s.legs[i].rtp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP port unreachable and the like: keep the leg
		}
		s.handleRTP(i, buf[:n], src)
	}
}

// readRTCP is the portable reader of leg i's RTCP port.
func (s *Session) readRTCP(i int) {
	defer s.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, src, err := s.legs[i].rtcp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.handleRTCP(i, buf[:n], src)
	}
}

// handleRTP forwards a datagram that arrived on leg i's RTP port: RTP, and
// RTCP when the side multiplexes it there (RFC 5761 §4: second octet
// 192-223). Only one goroutine at a time handles a given leg's datagrams.
func (s *Session) handleRTP(i int, pkt []byte, src netip.AddrPort) {
	in, out := &s.legs[i], &s.legs[1-i]
	d := &s.dirs[i]
	n := len(pkt)
	now := s.r.now()
	s.last.Store(now.UnixNano())
	if !s.armed.Load() {
		s.arm()
	}
	src = unmap(src)
	s.r.cfg.Tap.Record(capture.UDP, src, in.local, pkt)
	muxed := n >= 2 && pkt[0]>>6 == 2 && pkt[1] >= 192 && pkt[1] <= 223
	latch(in, src, muxed)
	if muxed {
		s.sendRTCP(d, out, pkt)
		return
	}
	d.add(pkt, now)
	p := out.peer.Load()
	if p == nil || !p.rtp.IsValid() || p.rtp.Port() == 0 || p.rtp.Addr().IsUnspecified() {
		d.dropped.Add(1)
		return
	}
	// Counted before the send, so that whoever receives the datagram
	// finds it counted; taken back if the send fails.
	d.fwdRTP.Add(1)
	if err := out.send(false, pkt, p.rtp); err == nil {
		s.r.cfg.Tap.Record(capture.UDP, out.local, p.rtp, pkt)
	} else {
		d.fwdRTP.Add(^uint64(0))
		d.dropped.Add(1)
	}
}

// handleRTCP forwards a datagram that arrived on leg i's RTCP port.
func (s *Session) handleRTCP(i int, pkt []byte, src netip.AddrPort) {
	in, out := &s.legs[i], &s.legs[1-i]
	d := &s.dirs[i]
	s.last.Store(s.r.now().UnixNano())
	src = unmap(src)
	s.r.cfg.Tap.Record(capture.UDP, src, in.localRTCP, pkt)
	if p := in.peer.Load(); p == nil || !p.latchedRTCP || p.rtcp != src {
		np := clonePeer(p)
		np.rtcp, np.latchedRTCP = src, true
		in.peer.Store(np)
	}
	s.sendRTCP(d, out, pkt)
}

// sendRTCP sends an RTCP datagram to the other side: on its RTP port when
// it multiplexes (RFC 5761 §5.1.3), else on its RTCP port.
func (s *Session) sendRTCP(d *direction, out *leg, pkt []byte) {
	p := out.peer.Load()
	if p == nil {
		d.dropped.Add(1)
		return
	}
	viaRTCP, local, dst := true, out.localRTCP, p.rtcp
	if p.mux {
		viaRTCP, local, dst = false, out.local, p.rtp
	}
	if !dst.IsValid() || dst.Port() == 0 || dst.Addr().IsUnspecified() {
		d.dropped.Add(1)
		return
	}
	d.fwdRTCP.Add(1) // before the send, as in handleRTP
	if err := out.send(viaRTCP, pkt, dst); err == nil {
		s.r.cfg.Tap.Record(capture.UDP, local, dst, pkt)
	} else {
		d.fwdRTCP.Add(^uint64(0))
		d.dropped.Add(1)
	}
}

// latch makes src the side's RTP destination (symmetric RTP, RFC 4961 §4):
// the first packet after SetPeer sets it, and a later change of source (a
// NAT rebinding) moves it. It allocates only when the address changes.
func latch(l *leg, src netip.AddrPort, muxedRTCP bool) {
	p := l.peer.Load()
	if p != nil && p.latched && p.rtp == src {
		return
	}
	np := clonePeer(p)
	np.rtp, np.latched = src, true
	if np.mux || muxedRTCP {
		np.rtcp = src
	} else if !np.latchedRTCP {
		// RFC 3550 §11: the RTCP port of a side is its RTP port + 1.
		np.rtcp = netip.AddrPortFrom(src.Addr(), src.Port()+1)
	}
	l.peer.Store(np)
}

func clonePeer(p *peer) *peer {
	if p == nil {
		return &peer{}
	}
	c := *p
	return &c
}

// unmap turns an IPv4-mapped IPv6 source into IPv4, so that it compares
// equal with the SDP's address.
func unmap(a netip.AddrPort) netip.AddrPort {
	if a.Addr().Is4In6() {
		return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	}
	return a
}
