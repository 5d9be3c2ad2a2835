//go:build linux

package relay

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poller reads the sockets of many sessions from one goroutine with a
// level-triggered epoll set (epoll(7)), in place of one goroutine per
// socket. Each datagram then costs one recvfrom and one sendto: the Go
// netpoller's way costs a second recvfrom (the one that returns EAGAIN
// before the goroutine parks) and a goroutine wake-up, and those were most
// of the relay's CPU. Batching with recvmmsg does not help here: a socket
// of a G.711 call receives one datagram every 20 ms, so a batch read of one
// socket returns one datagram. Written by hand because neither the standard
// library nor x/net exposes a readiness loop over many sockets.
//
// The loop runs while the poller has sockets and stops with the last one,
// so that an idle Relay holds no goroutine.
type poller struct {
	mu    sync.Mutex // held by the loop while it handles a batch of events
	epfd  int        // epoll set of the running loop, -1 when stopped
	file  *os.File   // epfd, registered with the Go netpoller
	done  chan struct{}
	socks map[int32]pollSock
	users int           // sessions registered
	spin  time.Duration // Config.BusyPoll
}

// pollSock is what a registered descriptor belongs to.
type pollSock struct {
	s    *Session
	leg  int
	rtcp bool
}

// newPollers returns one poller per processor the runtime may use.
func newPollers(spin time.Duration) []*poller {
	ps := make([]*poller, runtime.GOMAXPROCS(0))
	for i := range ps {
		ps[i] = &poller{epfd: -1, socks: map[int32]pollSock{}, spin: spin}
	}
	return ps
}

func sockFD(c *net.UDPConn) (int32, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int32
	if err := rc.Control(func(f uintptr) { fd = int32(f) }); err != nil {
		return 0, err
	}
	return fd, nil
}

// add takes over the four sockets of s: it duplicates their descriptors,
// so that the Go netpoller, which would otherwise wake up for every
// datagram as well, no longer watches them, closes the net.UDPConns and
// registers the copies, starting the loop if it is stopped. On error s
// keeps its net.UDPConns.
func (p *poller) add(s *Session) error {
	var raws [2]rawLeg
	var fds []int32
	fail := func(err error) error {
		for _, fd := range fds {
			unix.Close(int(fd))
		}
		return fmt.Errorf("relay: poller: %w", err)
	}
	for i := range s.legs {
		for j, c := range []*net.UDPConn{s.legs[i].rtp, s.legs[i].rtcp} {
			fd, err := sockFD(c)
			if err != nil {
				return fail(err)
			}
			dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				return fail(err)
			}
			fds = append(fds, int32(dup))
			sa, err := unix.Getsockname(dup)
			if err != nil {
				return fail(err)
			}
			_, raws[i].v6 = sa.(*unix.SockaddrInet6)
			if j == 0 {
				raws[i].rtp = dup
			} else {
				raws[i].rtcp = dup
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.epfd < 0 {
		if err := p.start(); err != nil {
			return fail(err)
		}
	}
	for k, fd := range fds {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: fd}
		if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
			for _, done := range fds[:k] {
				unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(done), nil)
				delete(p.socks, done)
			}
			if p.users == 0 {
				p.stopLocked()
			}
			return fail(err)
		}
	}
	for i := range s.legs {
		l := &s.legs[i]
		l.raw = raws[i]
		l.close()
		l.rtp, l.rtcp = nil, nil
		p.socks[int32(l.raw.rtp)] = pollSock{s: s, leg: i}
		p.socks[int32(l.raw.rtcp)] = pollSock{s: s, leg: i, rtcp: true}
	}
	p.users++
	return nil
}

// remove unregisters the sockets of s before they are closed, and stops
// the loop with the last session. When it returns, the loop touches none of
// s's sockets any more: the loop handles events only while holding p.mu.
func (p *poller) remove(s *Session) {
	p.mu.Lock()
	for i := range s.legs {
		for _, fd := range []int{s.legs[i].raw.rtp, s.legs[i].raw.rtcp} {
			unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
			delete(p.socks, int32(fd))
			unix.Close(fd)
		}
	}
	p.users--
	if p.users > 0 {
		p.mu.Unlock()
		return
	}
	f, done := p.file, p.done
	p.epfd, p.file, p.done = -1, nil, nil
	p.mu.Unlock()
	stop(f, done)
}

// start opens the epoll set and runs the loop; p.mu is held. The epoll
// descriptor is itself handed to the Go netpoller (it is readable when
// events are ready), so that the loop parks as a goroutine rather than
// block a thread in epoll_wait: a thread woken from a blocking system call
// must get its processor back, which cost more than the wait itself at
// low rates.
func (p *poller) start() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("relay: epoll: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return fmt.Errorf("relay: epoll: %w", err)
	}
	f := os.NewFile(uintptr(epfd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return fmt.Errorf("relay: epoll: %w", err)
	}
	p.epfd, p.file, p.done = epfd, f, make(chan struct{})
	go p.run(rc, p.done)
	return nil
}

// stopLocked stops a loop that never got a session; p.mu is held, which
// the loop does not need to see that its descriptor is closed.
func (p *poller) stopLocked() {
	f, done := p.file, p.done
	p.epfd, p.file, p.done = -1, nil, nil
	go stop(f, done)
}

// stop closes the loop's epoll descriptor, which ends its wait, and waits
// for the loop to return.
func stop(f *os.File, done chan struct{}) {
	f.Close()
	<-done
}

// run is the loop: wait for readable sockets, read one datagram from each
// (level-triggered: the next wait reports a socket that holds more) and
// hand it to its session. It returns when the epoll descriptor is closed.
func (p *poller) run(rc syscall.RawConn, done chan struct{}) {
	defer close(done)
	events := make([]unix.EpollEvent, 256)
	rd := &reader{buf: make([]byte, maxDatagram)}
	var n int
	// wait polls the set without blocking; with busy polling it keeps
	// polling for p.spin after the last event before it lets the goroutine
	// park, yielding to other goroutines now and then.
	wait := func(fd uintptr) bool {
		var t0 time.Time
		for i := 0; ; i++ {
			var err error
			n, err = unix.EpollWait(int(fd), events, 0)
			if err != nil {
				n = 0 // EINTR: wait again
			}
			if n > 0 {
				return true
			}
			switch {
			case p.spin <= 0:
				return false
			case i == 0:
				t0 = time.Now()
			case time.Since(t0) >= p.spin:
				return false
			case i%16 == 0:
				runtime.Gosched()
			}
		}
	}
	for {
		if err := rc.Read(wait); err != nil {
			return
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			w, ok := p.socks[ev.Fd]
			if !ok {
				continue // removed after the wait returned
			}
			pkt, src, ok := rd.recv(int(ev.Fd))
			if !ok {
				continue // EAGAIN, or a pending ICMP error: keep the leg
			}
			if w.rtcp {
				w.s.handleRTCP(w.leg, pkt, src)
			} else {
				w.s.handleRTP(w.leg, pkt, src)
			}
		}
		p.mu.Unlock()
	}
}

// reader holds the buffers of one loop's recvfrom calls, so that reading
// allocates nothing.
type reader struct {
	buf []byte
	rsa unix.RawSockaddrAny
	len uint32
}

// recv reads one datagram from fd without blocking. It calls recvfrom(2)
// directly: unix.Recvfrom would allocate the source address every time.
// The call is raw (no entersyscall/exitsyscall): it never blocks
// (MSG_DONTWAIT), so the scheduler need not know of it, and sysmon no
// longer finds the processor in a system call and wakes up to retake it
// (in a profile at 1,000 calls sysmon fell from 7 % to 2 % of the relay's
// samples, context switches from 10 % to 4 %; the CPU per packet that
// BenchmarkRelaySplit measures moved less than its run-to-run noise).
func (r *reader) recv(fd int) ([]byte, netip.AddrPort, bool) {
	r.len = unix.SizeofSockaddrAny
	n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(fd),
		uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)), unix.MSG_DONTWAIT,
		uintptr(unsafe.Pointer(&r.rsa)), uintptr(unsafe.Pointer(&r.len)))
	if e != 0 {
		return nil, netip.AddrPort{}, false
	}
	var src netip.AddrPort
	switch r.rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.rsa))
		src = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), ntohs(sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&r.rsa))
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		src = netip.AddrPortFrom(a, ntohs(sa.Port))
	default:
		return nil, netip.AddrPort{}, false
	}
	return r.buf[:n], src, true
}

// ntohs reads a port that the kernel stored in network byte order.
func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// rawLeg is a leg's pair of descriptors once a poller owns them. Only the
// poller's loop sends from it (holding the poller's mutex), so the address
// buffers are reused without locking.
type rawLeg struct {
	rtp, rtcp int
	v6        bool // AF_INET6 sockets (dual-stack when bound to ::)
	sa4       unix.RawSockaddrInet4
	sa6       unix.RawSockaddrInet6
}

// send writes pkt to dst with sendto(2), without blocking: a full socket
// buffer drops the datagram (counted) rather than stall every session of
// the loop. A raw call, as in reader.recv.
func (r *rawLeg) send(rtcp bool, pkt []byte, dst netip.AddrPort) error {
	fd := r.rtp
	if rtcp {
		fd = r.rtcp
	}
	var sa unsafe.Pointer
	var salen uintptr
	port := dst.Port()
	if r.v6 {
		// An IPv4 destination goes out of an AF_INET6 socket as an
		// IPv4-mapped address (As16).
		r.sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: dst.Addr().As16()}
		if z := dst.Addr().Zone(); z != "" {
			if id, err := strconv.ParseUint(z, 10, 32); err == nil {
				r.sa6.Scope_id = uint32(id)
			} else if ifi, err := net.InterfaceByName(z); err == nil {
				r.sa6.Scope_id = uint32(ifi.Index)
			}
		}
		b := (*[2]byte)(unsafe.Pointer(&r.sa6.Port))
		b[0], b[1] = byte(port>>8), byte(port)
		sa, salen = unsafe.Pointer(&r.sa6), unix.SizeofSockaddrInet6
	} else {
		a := dst.Addr().Unmap()
		if !a.Is4() {
			return unix.EAFNOSUPPORT
		}
		r.sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		b := (*[2]byte)(unsafe.Pointer(&r.sa4.Port))
		b[0], b[1] = byte(port>>8), byte(port)
		sa, salen = unsafe.Pointer(&r.sa4), unix.SizeofSockaddrInet4
	}
	var buf unsafe.Pointer
	if len(pkt) > 0 {
		buf = unsafe.Pointer(&pkt[0])
	}
	_, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(buf), uintptr(len(pkt)),
		unix.MSG_DONTWAIT, uintptr(sa), salen)
	if e != 0 {
		return e
	}
	return nil
}
