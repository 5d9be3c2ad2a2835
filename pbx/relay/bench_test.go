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

// runRelayLoad: each call has two phones; each phone sends a packet every
// 20 ms carrying its send time, and reads what the relay brings it.
func runRelayLoad(tb testing.TB, calls int, dur time.Duration, direct bool) loadResult {
	r, err := relay.New(relay.Config{Addr: loopback, PortMin: 40000, PortMax: 40000 + calls*4 + 400})
	if err != nil {
		tb.Fatal(err)
	}
	var (
		streams  []stream
		sessions []*relay.Session
		conns    []*net.UDPConn
	)
	for range calls {
		s, err := r.Allocate(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		sessions = append(sessions, s)
		var ph [2]*net.UDPConn
		for i := range ph {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				tb.Fatal(err)
			}
			ph[i] = c
			conns = append(conns, c)
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

// generate sends G.711-sized packets on every stream, 50 per second each,
// spread evenly, and measures what comes back on conns.
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
			buf := make([]byte, 2048)
			for {
				n, _, err := c.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if n < 20 {
					continue
				}
				d := time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(buf[12:20])))
				i := min(int(d/bucket), len(hist)-1)
				hist[max(i, 0)].Add(1)
				received.Add(1)
			}
		}()
	}

	// Senders: a few goroutines, each pacing a share of the streams. Real
	// phones are not in step: each 20 ms period is cut into 1 ms slots and
	// each stream sends in its own slot, so that the load is spread
	// evenly rather than sent in one burst per period.
	senders := max(1, runtime.GOMAXPROCS(0))
	const slots = 20
	var sent atomic.Int64
	cpu0 := cpuTime()
	start := time.Now()
	var swg sync.WaitGroup
	for k := range senders {
		swg.Add(1)
		go func() {
			defer swg.Done()
			pkt := make([]byte, 172)
			pkt[0], pkt[1] = 0x80, 0
			var seq uint16
			tick := time.NewTicker(20 * time.Millisecond / slots)
			defer tick.Stop()
			for slot := 0; time.Since(start) < dur; slot++ {
				if slot%slots == 0 {
					seq++
				}
				for j := k + (slot%slots)*senders; j < len(streams); j += senders * slots {
					st := streams[j]
					binary.BigEndian.PutUint16(pkt[2:], seq)
					binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
					binary.BigEndian.PutUint32(pkt[8:], uint32(j))
					binary.BigEndian.PutUint64(pkt[12:], uint64(time.Now().UnixNano()))
					if _, err := st.conn.WriteToUDPAddrPort(pkt, st.dst); err == nil {
						sent.Add(1)
					}
				}
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
