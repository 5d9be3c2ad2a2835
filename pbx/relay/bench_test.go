package relay_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
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
// per second, the loss and the relay delay (send to receive, through the
// relay) percentiles. Defaults: 1,000 calls for 3 s = 100,000 packets per
// second; VOIPLAB_RELAY_CALLS and VOIPLAB_RELAY_SECONDS change them. Each
// iteration runs the whole scenario: use -benchtime=1x.
//
// The "direct" sub-benchmark runs the same phones sending to each other
// without the relay: the difference in CPU per packet is the relay's own
// cost (the load generator shares the machine).
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
				b.Logf("%s, %d calls, %d s: sent %d, received %d, lost %d, %.0f pkt/s, delay p50 %s p99 %s max %s, process CPU %.2f µs/packet",
					name, calls, secs, res.sent, res.received, res.lost, res.pps, res.p50, res.p99, res.max, res.cpuPerPkt)
			}
		})
	}
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
	p50, p99, max        time.Duration
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
	r, err := relay.New(relay.Config{Addr: loopback, PortMin: 40000, PortMax: 40000 + calls*4 + 400})
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
	return generate(streams, conns, dur)
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
// socket send in batches (ipv4.PacketConn.WriteBatch), and each socket is
// read in batches (ReadBatch).
func generate(streams []stream, conns []*net.UDPConn, dur time.Duration) loadResult {
	// Delay histogram in 10 µs buckets up to 100 ms.
	const bucket = 10 * time.Microsecond
	hist := make([]atomic.Int64, 10000)
	var received atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := ipv4.NewPacketConn(c)
			ms := make([]ipv4.Message, 64)
			for i := range ms {
				ms[i].Buffers = [][]byte{make([]byte, 2048)}
			}
			for {
				k, err := pc.ReadBatch(ms, 0)
				if err != nil {
					return
				}
				now := time.Now().UnixNano()
				for _, m := range ms[:k] {
					if m.N < 20 {
						continue
					}
					d := time.Duration(now - int64(binary.BigEndian.Uint64(m.Buffers[0][12:20])))
					i := min(int(d/bucket), len(hist)-1)
					hist[max(i, 0)].Add(1)
					received.Add(1)
				}
			}
		}()
	}

	// Senders: one goroutine per socket, pacing the streams of that socket.
	// Real phones are not in step: each 20 ms period is cut into 1 ms slots
	// and each stream sends in its own slot, so that the load is spread
	// evenly rather than sent in one burst per period.
	bySock := map[*net.UDPConn][]int{}
	var socks []*net.UDPConn
	for j, st := range streams {
		if _, ok := bySock[st.conn]; !ok {
			socks = append(socks, st.conn)
		}
		bySock[st.conn] = append(bySock[st.conn], j)
	}
	const slots = 20
	var sent atomic.Int64
	cpu0 := cpuTime()
	start := time.Now()
	var swg sync.WaitGroup
	for _, c := range socks {
		idx := bySock[c]
		swg.Add(1)
		go func() {
			defer swg.Done()
			pc := ipv4.NewPacketConn(c)
			dst := make([]net.Addr, len(idx))
			for n, j := range idx {
				dst[n] = net.UDPAddrFromAddrPort(streams[j].dst)
			}
			ms := make([]ipv4.Message, genBatch)
			for i := range ms {
				b := make([]byte, 172)
				b[0], b[1] = 0x80, 0
				ms[i].Buffers = [][]byte{b}
			}
			var seq uint16
			tick := time.NewTicker(20 * time.Millisecond / slots)
			defer tick.Stop()
			for slot := 0; time.Since(start) < dur; slot++ {
				if slot%slots == 0 {
					seq++
				}
				k := 0
				flush := func() {
					now := uint64(time.Now().UnixNano())
					for i := range ms[:k] {
						binary.BigEndian.PutUint64(ms[i].Buffers[0][12:], now)
					}
					for off := 0; off < k; {
						n, err := pc.WriteBatch(ms[off:k], 0)
						if err != nil {
							break
						}
						sent.Add(int64(n))
						off += n
					}
					k = 0
				}
				for n := slot % slots; n < len(idx); n += slots {
					j := idx[n]
					pkt := ms[k].Buffers[0]
					binary.BigEndian.PutUint16(pkt[2:], seq)
					binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
					binary.BigEndian.PutUint32(pkt[8:], uint32(j))
					ms[k].Addr = dst[n]
					if k++; k == len(ms) {
						flush()
					}
				}
				flush()
				<-tick.C
			}
		}()
	}
	swg.Wait()
	elapsed := time.Since(start)
	// Let the last packets arrive.
	deadline := time.Now().Add(2 * time.Second)
	for received.Load() < sent.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()

	cpu := cpuTime() - cpu0
	res := loadResult{sent: sent.Load(), received: received.Load()}
	if res.received > 0 {
		res.cpuPerPkt = float64(cpu.Microseconds()) / float64(res.received)
	}
	res.lost = res.sent - res.received
	res.pps = float64(res.received) / elapsed.Seconds()
	counts := make([]int64, len(hist))
	for i := range hist {
		counts[i] = hist[i].Load()
	}
	pct := func(p float64) time.Duration {
		want := int64(p * float64(res.received))
		var acc int64
		for i, c := range counts {
			acc += c
			if acc >= want && c > 0 {
				return time.Duration(i+1) * bucket
			}
		}
		return 0
	}
	res.p50, res.p99 = pct(0.50), pct(0.99)
	for i := len(counts) - 1; i >= 0; i-- {
		if counts[i] > 0 {
			res.max = time.Duration(i+1) * bucket
			break
		}
	}
	return res
}
