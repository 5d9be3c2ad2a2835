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
	"strings"
	"testing"
	"time"

	"voiplab/pbx/relay"
)

// BenchmarkRelaySplit is BenchmarkRelay with the phones in a child process,
// so that the CPU this process spends is the relay's alone: it reports the
// relay's CPU time per relayed packet beside the loss and delay. Use
// -benchtime=1x; VOIPLAB_RELAY_CALLS and VOIPLAB_RELAY_SECONDS as for
// BenchmarkRelay.
func BenchmarkRelaySplit(b *testing.B) {
	calls := envInt("VOIPLAB_RELAY_CALLS", 1000)
	secs := envInt("VOIPLAB_RELAY_SECONDS", 3)
	for range b.N {
		r, err := relay.New(relay.Config{Addr: loopback, PortMin: 40000, PortMax: 40000 + calls*4 + 400})
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
		cmd := exec.Command(os.Args[0], "-test.run=^TestRelayLoadChild$", "-test.v")
		cmd.Env = append(os.Environ(), "VOIPLAB_RELAY_CHILD=1",
			fmt.Sprintf("VOIPLAB_RELAY_CALLS=%d", calls), fmt.Sprintf("VOIPLAB_RELAY_SECONDS=%d", secs))
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
		b.ReportMetric(per, "relay-cpu-µs/pkt")
		b.Logf("%d calls, %d s, phones in a child process: sent %d, received %d, %.0f pkt/s, delay p50 %d µs p99 %d µs max %d µs; relay CPU %.2f µs/packet (%.0f %% of a core)",
			calls, secs, res.Sent, res.Received, res.PPS, res.P50Us, res.P99Us, res.MaxUs, per, 100*cpu.Seconds()/float64(secs))
	}
}

type childResult struct {
	Sent, Received      int64
	PPS                 float64
	P50Us, P99Us, MaxUs int64
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
	res := generate(streams, conns, time.Duration(secs)*time.Second)
	j, _ := json.Marshal(childResult{Sent: res.sent, Received: res.received, PPS: res.pps,
		P50Us: res.p50.Microseconds(), P99Us: res.p99.Microseconds(), MaxUs: res.max.Microseconds()})
	fmt.Printf("RESULT %s\n", j)
}
