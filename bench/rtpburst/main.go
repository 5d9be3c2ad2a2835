// Command rtpburst sends a bounded burst of RTP-like UDP packets on the
// loopback interface, for the capture benchmark (bench/capture.sh): G.711
// sized packets (12-byte RTP header, 160 bytes of payload) with running
// sequence numbers and timestamps, paced at a given rate with sendmmsg
// batches. It refuses a destination outside 127.0.0.0/8 and ::1, and stops
// after -count packets or -max-time, whichever comes first. It prints one
// line: packets sent, seconds and the achieved rate.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/net/ipv4"
)

func main() {
	dst := flag.String("dst", "127.0.0.1:40000", "loopback destination ip:port")
	rate := flag.Int("rate", 200000, "packets per second (0: as fast as possible)")
	count := flag.Int("count", 1000000, "packets to send")
	maxTime := flag.Duration("max-time", 60*time.Second, "time bound")
	flag.Parse()
	if err := run(*dst, *rate, *count, *maxTime); err != nil {
		fmt.Fprintln(os.Stderr, "rtpburst:", err)
		os.Exit(1)
	}
}

func run(dst string, rate, count int, maxTime time.Duration) error {
	ap, err := netip.ParseAddrPort(dst)
	if err != nil {
		return err
	}
	if !ap.Addr().Unmap().IsLoopback() || !ap.Addr().Unmap().Is4() {
		return fmt.Errorf("%s: only an IPv4 loopback destination is allowed", dst)
	}
	if count <= 0 || count > 100_000_000 {
		return fmt.Errorf("-count %d: want 1 to 100000000", count)
	}
	// A sink that never reads: the kernel drops what overflows its queue,
	// and no ICMP port-unreachable is sent back.
	sink, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return err
	}
	defer sink.Close()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetWriteBuffer(4 << 20)
	pc := ipv4.NewPacketConn(c)
	to := net.UDPAddrFromAddrPort(ap)

	const batch = 64
	msgs := make([]ipv4.Message, batch)
	bufs := make([][]byte, batch)
	for i := range msgs {
		bufs[i] = make([]byte, 12+160)
		b := bufs[i]
		b[0] = 0x80 // RTP version 2 (RFC 3550 §5.1), PT 0 (PCMU)
		binary.BigEndian.PutUint32(b[8:], 0x5eed1234)
		msgs[i] = ipv4.Message{Buffers: [][]byte{b}, Addr: to}
	}
	start := time.Now()
	deadline := start.Add(maxTime)
	sent := 0
	seq, ts := uint16(0), uint32(0)
	for sent < count && time.Now().Before(deadline) {
		if rate > 0 {
			// Pace: never ahead of rate × elapsed.
			due := time.Duration(float64(sent) / float64(rate) * float64(time.Second))
			if ahead := due - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		n := min(batch, count-sent)
		for i := 0; i < n; i++ {
			binary.BigEndian.PutUint16(bufs[i][2:], seq)
			binary.BigEndian.PutUint32(bufs[i][4:], ts)
			seq++
			ts += 160
		}
		for off := 0; off < n; {
			k, err := pc.WriteBatch(msgs[off:n], 0)
			if err != nil {
				return err
			}
			off += k
		}
		sent += n
	}
	el := time.Since(start).Seconds()
	fmt.Printf("sent=%d seconds=%.3f rate=%.0f\n", sent, el, float64(sent)/el)
	return nil
}
