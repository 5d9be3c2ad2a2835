package relay_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"voiplab/pbx/relay"
)

// BenchmarkRelaySplit is BenchmarkRelay with the phones in a child process,
// so that the CPU this process spends is the relay's alone: it reports the
// relay's CPU time per relayed packet beside the loss and delay, and logs
// the phones' CPU per packet.
//
// On Linux with two CPUs or more the two processes do not share a CPU: the
// relay (every thread of this process, GOMAXPROCS set to match) runs on all
// CPUs but the last, the phones (started through taskset(1)) on the last
// one, so that the delay measured is the relay's and not the two processes
// taking turns on the same cores. VOIPLAB_RELAY_PIN=0 turns that off; the
// log says which setup ran. The phones then run paced by default
// (VOIPLAB_RELAY_PHONES=paced|spin|goroutines, see generate): they send
// every slot on time without a CPU of spinning, which on a virtual machine
// that stalls both CPUs when both are busy matters. Use -benchtime=1x; the
// other variables are those of BenchmarkRelay, and VOIPLAB_RELAY_PHONES_NICE
// runs the phones at that niceness.
func BenchmarkRelaySplit(b *testing.B) {
	calls := envInt("VOIPLAB_RELAY_CALLS", 1000)
	secs := envInt("VOIPLAB_RELAY_SECONDS", 3)
	relayCPUs, phoneCPU, pinned := benchCPUs()
	phonesNice := envInt("VOIPLAB_RELAY_PHONES_NICE", 0)
	phones := phonesGoroutines
	if m := phonesMode(os.Getenv("VOIPLAB_RELAY_PHONES")); m == phonesSpin || m == phonesPaced || m == phonesGoroutines {
		phones = m
	} else if pinned {
		phones = phonesPaced
	}
	if pinned {
		restore, err := pinProcess(relayCPUs)
		if err != nil {
			b.Fatal(err)
		}
		defer restore()
	}
	for range b.N {
		r, err := relay.New(relay.Config{Addr: loopback, PortMin: 40000, PortMax: 40000 + calls*4 + 400, BusyPoll: benchBusyPoll()})
		if err != nil {
			b.Fatal(err)
		}
		var sessions []*relay.Session
		for range calls {
			s, err := r.Allocate(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			sessions = append(sessions, s)
		}
		args := []string{os.Args[0], "-test.run=^TestRelayLoadChild$", "-test.v"}
		if pinned {
			args = append([]string{"taskset", "-c", strconv.Itoa(phoneCPU)}, args...)
		}
		if phonesNice != 0 {
			args = append([]string{"nice", "-n", strconv.Itoa(phonesNice)}, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "VOIPLAB_RELAY_CHILD=1",
			fmt.Sprintf("VOIPLAB_RELAY_CALLS=%d", calls), fmt.Sprintf("VOIPLAB_RELAY_SECONDS=%d", secs),
			"VOIPLAB_RELAY_PHONES="+string(phones))
		in, _ := cmd.StdinPipe()
		outPipe, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		out := bufio.NewScanner(outPipe)
		out.Buffer(make([]byte, 1<<20), 1<<20)
		n := 0
		for n < 2*calls && out.Scan() {
			a, ok := strings.CutPrefix(out.Text(), "ADDR ")
			if !ok {
				continue
			}
			sessions[n/2].SetPeer(n%2, netip.MustParseAddrPort(a), false)
			fmt.Fprintf(in, "%s\n", sessions[n/2].Leg(n%2))
			n++
		}
		cpu0 := cpuTime()
		var res childResult
		for out.Scan() {
			if j, ok := strings.CutPrefix(out.Text(), "RESULT "); ok {
				json.Unmarshal([]byte(j), &res)
				break
			}
		}
		cpu := cpuTime() - cpu0
		in.Close()
		cmd.Wait()
		for _, s := range sessions {
			s.Close()
		}
		per := 0.0
		if res.Received > 0 {
			per = float64(cpu.Microseconds()) / float64(res.Received)
		}
		b.ReportMetric(res.PPS, "pkt/s")
		b.ReportMetric(float64(res.Sent-res.Received), "lost")
		b.ReportMetric(float64(res.P50Us), "p50-µs")
		b.ReportMetric(float64(res.P99Us), "p99-µs")
		b.ReportMetric(float64(res.MaxUs), "max-µs")
		b.ReportMetric(per, "relay-cpu-µs/pkt")
		where := "unpinned"
		if pinned {
			where = fmt.Sprintf("relay on CPU %v, phones on CPU %d", relayCPUs, phoneCPU)
		}
		if phonesNice != 0 {
			where += fmt.Sprintf(", phones at nice %d", phonesNice)
		}
		where += ", phones " + string(phones)
		where += fmt.Sprintf(", busy poll %s, send slots %d µs", benchBusyPoll(), envInt("VOIPLAB_RELAY_SLOT_US", 250))
		b.Logf("%d calls, %d s, phones in a child process (%s): sent %d, received %d, %.0f pkt/s, "+
			"delay to the phone socket p50 %d µs p99 %d µs max %d µs (to the phone's read: p50 %d p99 %d max %d); "+
			"relay CPU %.2f µs/packet (%.0f %% of a core), phones %.2f µs/packet",
			calls, secs, where, res.Sent, res.Received, res.PPS, res.P50Us, res.P99Us, res.MaxUs,
			res.ReadP50Us, res.ReadP99Us, res.ReadMaxUs, per, 100*cpu.Seconds()/float64(secs), res.PhoneCPUPerPkt)
	}
}

type childResult struct {
	Sent, Received                  int64
	PPS, PhoneCPUPerPkt             float64
	P50Us, P99Us, MaxUs             int64 // to the arrival at the phone socket
	ReadP50Us, ReadP99Us, ReadMaxUs int64 // to the phone's read
}

// TestRelayLoadChild is the phone side of BenchmarkRelaySplit; it runs only
// in the child process the benchmark starts.
func TestRelayLoadChild(t *testing.T) {
	if os.Getenv("VOIPLAB_RELAY_CHILD") != "1" {
		t.Skip("the phone side of BenchmarkRelaySplit")
	}
	calls := envInt("VOIPLAB_RELAY_CALLS", 1000)
	secs := envInt("VOIPLAB_RELAY_SECONDS", 3)
	// Phones share phoneSockets sockets per side, as in BenchmarkRelay.
	side := [2][]*net.UDPConn{listenPhones(t), listenPhones(t)}
	conns := append(append([]*net.UDPConn(nil), side[0]...), side[1]...)
	phone := func(n int) *net.UDPConn { return side[n%2][(n/2)%phoneSockets] }
	for n := range 2 * calls {
		fmt.Printf("ADDR %s\n", phone(n).LocalAddr())
	}
	in := bufio.NewScanner(os.Stdin)
	var streams []stream
	for n := range 2 * calls {
		if !in.Scan() {
			t.Fatal("no leg address")
		}
		streams = append(streams, stream{conn: phone(n), dst: netip.MustParseAddrPort(in.Text())})
	}
	res := generate(streams, conns, time.Duration(secs)*time.Second, phonesMode(os.Getenv("VOIPLAB_RELAY_PHONES")))
	j, _ := json.Marshal(childResult{Sent: res.sent, Received: res.received, PPS: res.pps, PhoneCPUPerPkt: res.cpuPerPkt,
		P50Us: res.p50.Microseconds(), P99Us: res.p99.Microseconds(), MaxUs: res.max.Microseconds(),
		ReadP50Us: res.readP50.Microseconds(), ReadP99Us: res.readP99.Microseconds(), ReadMaxUs: res.readMax.Microseconds()})
	fmt.Printf("RESULT %s\n", j)
}
