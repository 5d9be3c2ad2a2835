//go:build linux

package relay_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// benchCPUs splits the machine for BenchmarkRelaySplit: the relay (this
// process) gets every CPU but the last, the phones (the child process) get
// the last one, so that the delay measured is the relay's, not the two
// fighting over the same cores. ok is false on a single CPU or when
// VOIPLAB_RELAY_PIN=0.
func benchCPUs() (relayCPUs []int, phoneCPU int, ok bool) {
	var set unix.CPUSet
	if os.Getenv("VOIPLAB_RELAY_PIN") == "0" || unix.SchedGetaffinity(0, &set) != nil {
		return nil, 0, false
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return nil, 0, false
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return nil, 0, false
	}
	return cpus[:len(cpus)-1], cpus[len(cpus)-1], true
}

// pinProcess confines every thread of this process to cpus (threads the
// runtime starts later inherit the mask of the thread that creates them)
// and sets GOMAXPROCS to their number; restore undoes both.
func pinProcess(cpus []int) (restore func(), err error) {
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, err
	}
	for _, c := range cpus {
		set.Set(c)
	}
	apply := func(s *unix.CPUSet) error {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, s); err != nil && err != unix.ESRCH {
				return fmt.Errorf("thread %d: %w", tid, err)
			}
		}
		return nil
	}
	if err := apply(&set); err != nil {
		apply(&old)
		return nil, err
	}
	procs := runtime.GOMAXPROCS(len(cpus))
	return func() {
		runtime.GOMAXPROCS(procs)
		apply(&old)
	}, nil
}

// stampArrivals asks the kernel to stamp every datagram c receives with its
// arrival time (SO_TIMESTAMPNS, socket(7)), so that the delay measured ends
// when the relay's datagram reaches the phone's socket, not when the phone
// process gets round to reading it.
func stampArrivals(c *net.UDPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// arrival returns the SCM_TIMESTAMPNS time in oob (UnixNano), parsed by hand
// because unix.ParseSocketControlMessage allocates per datagram.
func arrival(oob []byte) (int64, bool) {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		n := int(h.Len)
		if n < unix.SizeofCmsghdr || n > len(oob) {
			return 0, false
		}
		data := oob[unix.CmsgLen(0):n]
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(data) >= int(unsafe.Sizeof(unix.Timespec{})) {
			ts := (*unix.Timespec)(unsafe.Pointer(&data[0]))
			return ts.Nano(), true
		}
		oob = oob[min(unix.CmsgSpace(n-unix.CmsgLen(0)), len(oob)):]
	}
	return 0, false
}

// rawBatch reads a socket with recvmmsg(2) without ever waiting, for the
// spinning phones (generateSpinning): the net.UDPConn methods would park
// the goroutine, and an expired deadline makes them fail before reading.
type rawBatch struct {
	fd   int
	hdrs []unix.Mmsghdr
	iovs []unix.Iovec
	bufs [][]byte
	oobs [][]byte
}

func newRawBatch(c *net.UDPConn, n int) (*rawBatch, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &rawBatch{fd: -1, hdrs: make([]unix.Mmsghdr, n), iovs: make([]unix.Iovec, n)}
	rc.Control(func(fd uintptr) { b.fd = int(fd) })
	for i := range n {
		b.bufs = append(b.bufs, make([]byte, 2048))
		b.oobs = append(b.oobs, make([]byte, 64))
		b.iovs[i].Base = &b.bufs[i][0]
		b.iovs[i].SetLen(len(b.bufs[i]))
		b.hdrs[i].Hdr.Iov = &b.iovs[i]
		b.hdrs[i].Hdr.SetIovlen(1)
		b.hdrs[i].Hdr.Control = &b.oobs[i][0]
	}
	return b, nil
}

// read hands every datagram waiting in the socket, with its control
// messages, to fn; it returns how many there were.
func (b *rawBatch) read(fn func(pkt, oob []byte)) int {
	total := 0
	for {
		for i := range b.hdrs {
			b.hdrs[i].Hdr.SetControllen(len(b.oobs[i]))
		}
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(b.fd), uintptr(unsafe.Pointer(&b.hdrs[0])),
			uintptr(len(b.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		if e != 0 || n == 0 {
			return total
		}
		for i := range int(n) {
			h := &b.hdrs[i]
			fn(b.bufs[i][:h.Len], b.oobs[i][:h.Hdr.Controllen])
		}
		total += int(n)
		if int(n) < len(b.hdrs) {
			return total
		}
	}
}

// sleepThread blocks the calling thread for d with nanosleep(2), to the
// microsecond (time.Sleep may wake up to a millisecond late).
func sleepThread(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Nanosleep(&ts, nil)
}
