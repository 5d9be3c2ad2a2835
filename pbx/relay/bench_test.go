package relay_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"voiplab/pbx/relay"
)

// BenchmarkRelay relays G.711 calls (20 ms packets, 172-byte datagrams, both
// directions) between simulated phones on loopback, and reports the packets
// per second, the loss and the relay delay percentiles: from the phone's
// send call to the datagram's arrival in the other phone's socket (the
// kernel's SO_TIMESTAMPNS receive stamp), so that the phones' own
// scheduling is not counted; the log also gives the delay to the phones'
// read. Defaults: 1,000 calls for 3 s = 100,000 packets per second;
// VOIPLAB_RELAY_CALLS and VOIPLAB_RELAY_SECONDS change them,
// VOIPLAB_RELAY_SLOT_US the sending slot (see generate) and
// VOIPLAB_RELAY_BUSYPOLL_US the relay's Config.BusyPoll. Each iteration runs
// the whole scenario: use -benchtime=1x.
//
// The "direct" sub-benchmark runs the same phones sending to each other
// without the relay: the difference in CPU per packet is the relay's own
// cost (the load generator shares the process and the machine; see
// BenchmarkRelaySplit for the relay alone).
func BenchmarkRelay(b *testing.B) {
	calls := envInt("VOIPLAB_RELAY_CALLS", 1000)
	secs := envInt("VOIPLAB_RELAY_SECONDS", 3)
	for _, direct := range []bool{false, true} {
		name := "relayed"
		if direct {
			name = "direct"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				res := runRelayLoad(b, calls, time.Duration(secs)*time.Second, direct)
				b.ReportMetric(res.pps, "pkt/s")
				b.ReportMetric(float64(res.lost), "lost")
				b.ReportMetric(float64(res.p50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(res.p99.Microseconds()), "p99-µs")
				b.ReportMetric(float64(res.max.Microseconds()), "max-µs")
				b.ReportMetric(res.cpuPerPkt, "cpu-µs/pkt")
				b.Logf("%s, %d calls, %d s: sent %d, received %d, lost %d, %.0f pkt/s, delay to the phone socket p50 %s p99 %s max %s (to the phone's read: p50 %s p99 %s max %s), process CPU %.2f µs/packet",
					name, calls, secs, res.sent, res.received, res.lost, res.pps, res.p50, res.p99, res.max, res.readP50, res.readP99, res.readMax, res.cpuPerPkt)
			}
		})
	}
}

// benchBusyPoll is the relay's Config.BusyPoll in the benchmarks:
// VOIPLAB_RELAY_BUSYPOLL_US microseconds, default 0 (off).
func benchBusyPoll() time.Duration {
	return time.Duration(envInt("VOIPLAB_RELAY_BUSYPOLL_US", 0)) * time.Microsecond
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type loadResult struct {
	sent, received, lost int64
	pps, cpuPerPkt       float64
	p50, p99, max        time.Duration // send to arrival at the phone's socket
	// send to the phone's read: adds the phone process's scheduling
	readP50, readP99, readMax time.Duration
}

// phoneSockets is the number of sockets per side that the simulated phones
// share: each leg of the relay latches to the socket its packets come from,
// so many calls can use one socket, and the generator can then batch its
// sends and receives (sendmmsg/recvmmsg) so that it costs little beside the
// relay it measures.
const phoneSockets = 4

// phoneBuffer is the socket buffer of a phone socket: it receives the media
// of hundreds of calls.
const phoneBuffer = 4 << 20

// listenPhones opens the shared phone sockets of one side.
func listenPhones(tb testing.TB) []*net.UDPConn {
	var out []*net.UDPConn
	for range phoneSockets {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			tb.Fatal(err)
		}
		c.SetReadBuffer(phoneBuffer)
		c.SetWriteBuffer(phoneBuffer)
		out = append(out, c)
	}
	return out
}

// runRelayLoad: each call has two phones; each phone sends a packet every
// 20 ms carrying its send time, and reads what the relay brings it. The
// phones of one side share phoneSockets sockets.
func runRelayLoad(tb testing.TB, calls int, dur time.Duration, direct bool) loadResult {
	r, err := relay.New(relay.Config{Addr: loopback, PortMin: 40000, PortMax: 40000 + calls*4 + 400, BusyPoll: benchBusyPoll()})
	if err != nil {
		tb.Fatal(err)
	}
	var (
		streams  []stream
		sessions []*relay.Session
	)
	side := [2][]*net.UDPConn{listenPhones(tb), listenPhones(tb)}
	conns := append(append([]*net.UDPConn(nil), side[0]...), side[1]...)
	for k := range calls {
		s, err := r.Allocate(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		sessions = append(sessions, s)
		var ph [2]*net.UDPConn
		for i := range ph {
			c := side[i][k%phoneSockets]
			ph[i] = c
			s.SetPeer(i, c.LocalAddr().(*net.UDPAddr).AddrPort(), false)
			streams = append(streams, stream{conn: c, dst: s.Leg(i)})
		}
		if direct {
			n := len(streams)
			streams[n-2].dst = ph[1].LocalAddr().(*net.UDPAddr).AddrPort()
			streams[n-1].dst = ph[0].LocalAddr().(*net.UDPAddr).AddrPort()
		}
	}
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	return generate(streams, conns, dur, phonesGoroutines)
}

type stream struct {
	conn *net.UDPConn
	dst  netip.AddrPort
}

// genBatch bounds a sendmmsg/recvmmsg batch of the generator. A packet's
// send time is stamped just before its batch is sent, so a batch adds up to
// its own send time (a few µs per packet on loopback) to the measured
// delay: the figures err on the pessimistic side.
const genBatch = 16

// generate sends G.711-sized packets on every stream, 50 per second each,
// spread evenly, and measures what comes back on conns. Streams that share a
// socket send in batches (ipv4.PacketConn.WriteBatch, sendmmsg). A packet
// carries its send time (UnixNano, taken just before its batch is sent) in
// bytes 12-19, the RTP payload.
//
// How the phones wait (mode): phonesGoroutines, a goroutine per socket
// reads in batches (ReadBatch) and the sender sleeps between slots with
// time.Sleep, which wakes up to a millisecond late when the process is idle
// (the Go runtime's timers then sleep in whole milliseconds), so slots go
// out late and several at once, in bursts that the relay queues. The other
// modes need a CPU of their own (see BenchmarkRelaySplit): one locked
// thread sends each slot on time and reads every socket without waiting
// (recvmmsg, MSG_DONTWAIT); phonesSpin never sleeps, phonesPaced sleeps
// (nanosleep) until the next slot, so it reads the sockets once per slot
// and the relay's sends wake nobody up.
type phonesMode string

const (
	phonesGoroutines phonesMode = "goroutines"
	phonesSpin       phonesMode = "spin"
	phonesPaced      phonesMode = "paced"
)

func generate(streams []stream, conns []*net.UDPConn, dur time.Duration, mode phonesMode) loadResult {
	// Delay histograms in 10 µs buckets up to 100 ms: arrival is the
	// kernel's receive time of the datagram at the phone's socket
	// (SO_TIMESTAMPNS where the system has it, else the read time), read
	// the time the phones read it, which adds the phones' own scheduling.
	var arrivalHist, readHist histogram
	var received atomic.Int64
	record := func(pkt, oob []byte, now int64) {
		if len(pkt) < 20 {
			return
		}
		sent := int64(binary.BigEndian.Uint64(pkt[12:20]))
		at := now
		if t, ok := arrival(oob); ok {
			at = t
		}
		arrivalHist.add(time.Duration(at - sent))
		readHist.add(time.Duration(now - sent))
		received.Add(1)
	}
	stamped := make([]bool, len(conns))
	for i, c := range conns {
		stamped[i] = stampArrivals(c)
	}

	// Real phones are not in step, so each 20 ms period is cut into slots
	// of VOIPLAB_RELAY_SLOT_US (default 250 µs) and each stream sends in
	// its own slot, spreading the load evenly instead of one burst per
	// period. The streams that share a socket go in batches.
	slotDur := time.Duration(envInt("VOIPLAB_RELAY_SLOT_US", 250)) * time.Microsecond
	slots := max(int(20*time.Millisecond/slotDur), 1)
	slotDur = 20 * time.Millisecond / time.Duration(slots)
	type sender struct {
		pc  *ipv4.PacketConn
		idx []int      // streams of the socket
		dst []net.Addr // their destinations
		ms  []ipv4.Message
	}
	bySock := map[*net.UDPConn]*sender{}
	var senders []*sender
	for j, st := range streams {
		sd := bySock[st.conn]
		if sd == nil {
			sd = &sender{pc: ipv4.NewPacketConn(st.conn), ms: make([]ipv4.Message, genBatch)}
			for i := range sd.ms {
				b := make([]byte, 172)
				b[0], b[1] = 0x80, 0
				sd.ms[i].Buffers = [][]byte{b}
			}
			bySock[st.conn] = sd
			senders = append(senders, sd)
		}
		sd.idx = append(sd.idx, j)
		sd.dst = append(sd.dst, net.UDPAddrFromAddrPort(st.dst))
	}
	var sent atomic.Int64
	sendSlot := func(slot int) {
		seq := uint16(slot/slots + 1)
		for _, sd := range senders {
			k := 0
			flush := func() {
				now := uint64(time.Now().UnixNano())
				for i := range sd.ms[:k] {
					binary.BigEndian.PutUint64(sd.ms[i].Buffers[0][12:], now)
				}
				for off := 0; off < k; {
					n, err := sd.pc.WriteBatch(sd.ms[off:k], 0)
					if err != nil {
						break
					}
					sent.Add(int64(n))
					off += n
				}
				k = 0
			}
			for n := slot % slots; n < len(sd.idx); n += slots {
				pkt := sd.ms[k].Buffers[0]
				binary.BigEndian.PutUint16(pkt[2:], seq)
				binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
				binary.BigEndian.PutUint32(pkt[8:], uint32(sd.idx[n]))
				sd.ms[k].Addr = sd.dst[n]
				if k++; k == len(sd.ms) {
					flush()
				}
			}
			flush()
		}
	}
	// Each slot is sent at its time from the start, late ones at once (no
	// slot is skipped: the rate holds even when the phones fall behind for
	// a moment).
	total := int(dur / slotDur)
	due := func(start time.Time, slot int) time.Time { return start.Add(time.Duration(slot) * slotDur) }

	var readers []*rawBatch
	if mode != phonesGoroutines {
		for _, c := range conns {
			rb, err := newRawBatch(c, 64)
			if err != nil {
				readers, mode = nil, phonesGoroutines
				break
			}
			readers = append(readers, rb)
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	var elapsed time.Duration
	if mode != phonesGoroutines {
		runtime.LockOSThread()
		var deadline time.Time
		for slot := 0; ; {
			now := time.Now()
			if slot < total && !now.Before(due(start, slot)) {
				sendSlot(slot)
				slot++
				continue
			}
			if slot == total {
				if deadline.IsZero() {
					elapsed = now.Sub(start)
					deadline = now.Add(2 * time.Second) // for the last packets
				}
				if received.Load() >= sent.Load() || now.After(deadline) {
					break
				}
			}
			for _, rb := range readers {
				rb.read(func(pkt, oob []byte) { record(pkt, oob, time.Now().UnixNano()) })
			}
			if mode == phonesPaced {
				next := now.Add(100 * time.Microsecond)
				if slot < total {
					next = due(start, slot)
				}
				if d := time.Until(next); d > 0 {
					sleepThread(d)
				}
			}
		}
		runtime.UnlockOSThread()
		for _, c := range conns {
			c.Close()
		}
	} else {
		var wg sync.WaitGroup
		for i, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pc := ipv4.NewPacketConn(c)
				ms := make([]ipv4.Message, 64)
				for j := range ms {
					ms[j].Buffers = [][]byte{make([]byte, 2048)}
					if stamped[i] {
						ms[j].OOB = make([]byte, 64)
					}
				}
				for {
					k, err := pc.ReadBatch(ms, 0)
					if err != nil {
						return
					}
					now := time.Now().UnixNano()
					for _, m := range ms[:k] {
						record(m.Buffers[0][:m.N], m.OOB[:m.NN], now)
					}
				}
			}()
		}
		for slot := range total {
			if wait := time.Until(due(start, slot)); wait > 0 {
				time.Sleep(wait)
			}
			sendSlot(slot)
		}
		elapsed = time.Since(start)
		// Let the last packets arrive.
		deadline := time.Now().Add(2 * time.Second)
		for received.Load() < sent.Load() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}

	cpu := cpuTime() - cpu0
	res := loadResult{sent: sent.Load(), received: received.Load()}
	if res.received > 0 {
		res.cpuPerPkt = float64(cpu.Microseconds()) / float64(res.received)
	}
	res.lost = res.sent - res.received
	res.pps = float64(res.received) / elapsed.Seconds()
	res.p50, res.p99, res.max = arrivalHist.summary(res.received)
	res.readP50, res.readP99, res.readMax = readHist.summary(res.received)
	return res
}

// histogram counts delays in 10 µs buckets up to 100 ms (the last bucket
// holds everything longer).
type histogram [10000]atomic.Int64

const histBucket = 10 * time.Microsecond

func (h *histogram) add(d time.Duration) {
	h[max(min(int(d/histBucket), len(h)-1), 0)].Add(1)
}

// summary returns the median, 99th percentile and maximum of n delays, each
// rounded up to its bucket's upper bound.
func (h *histogram) summary(n int64) (p50, p99, maxd time.Duration) {
	pct := func(p float64) time.Duration {
		want := int64(p * float64(n))
		var acc int64
		for i := range h {
			c := h[i].Load()
			acc += c
			if acc >= want && c > 0 {
				return time.Duration(i+1) * histBucket
			}
		}
		return 0
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Load() > 0 {
			maxd = time.Duration(i+1) * histBucket
			break
		}
	}
	return pct(0.50), pct(0.99), maxd
}
