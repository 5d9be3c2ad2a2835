package relay

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// TestForwardPaths relays one datagram each way through the poller (Linux)
// and through the portable one-goroutine-per-socket readers, on an IPv4
// socket, a dual-stack one (bound to 0.0.0.0, which Go opens as AF_INET6:
// IPv4 peers are then IPv4-mapped) and IPv6 loopback.
func TestForwardPaths(t *testing.T) {
	tests := []struct {
		name     string
		bind     netip.Addr
		phone    netip.Addr
		portable bool
		busyPoll time.Duration
	}{
		{"ipv4 poller", netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1"), false, 0},
		{"ipv4 poller busy polling", netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1"), false, time.Millisecond},
		{"ipv4 portable", netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1"), true, 0},
		{"dual-stack poller", netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("127.0.0.1"), false, 0},
		{"ipv6 poller", netip.MustParseAddr("::1"), netip.MustParseAddr("::1"), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ph [2]*net.UDPConn
			for i := range ph {
				c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(tc.phone, 0)))
				if err != nil {
					t.Skipf("no %s: %v", tc.phone, err)
				}
				defer c.Close()
				ph[i] = c
			}
			r, err := New(Config{Addr: tc.bind, PortMin: 47000, PortMax: 47999, BusyPoll: tc.busyPoll})
			if err != nil {
				t.Fatal(err)
			}
			if tc.portable {
				r.polls = nil
			}
			s, err := r.Allocate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got, want := s.poll != nil, !tc.portable && runtime.GOOS == "linux"; got != want {
				t.Fatalf("poller in use: %v", got)
			}
			for i := range ph {
				s.SetPeer(i, ph[i].LocalAddr().(*net.UDPAddr).AddrPort(), false)
			}
			for i := range ph {
				pkt := []byte{0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, byte(i), 0xff}
				leg := netip.AddrPortFrom(tc.phone, s.Leg(i).Port())
				if _, err := ph[i].WriteToUDPAddrPort(pkt, leg); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 100)
				ph[1-i].SetReadDeadline(time.Now().Add(2 * time.Second))
				n, src, err := ph[1-i].ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf[:n], pkt) || src.Port() != s.Leg(1-i).Port() {
					t.Errorf("side %d: got % x from %s, want % x from port %d", i, buf[:n], src, pkt, s.Leg(1-i).Port())
				}
			}
			if rtp, _ := s.Relayed(); rtp != 2 {
				t.Errorf("relayed %d, want 2", rtp)
			}
		})
	}
}

// TestRelayAllocs: relaying a datagram allocates nothing, through the
// poller or the portable readers, once the peer has latched (AllocsPerRun
// counts the allocations of every goroutine, the relay's included).
func TestRelayAllocs(t *testing.T) {
	tests := []struct {
		name     string
		portable bool
		busyPoll time.Duration
	}{
		{"poller", false, 0},
		{"poller busy polling", false, time.Millisecond},
		{"portable", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ph [2]*net.UDPConn
			for i := range ph {
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				ph[i] = c
			}
			r, err := New(Config{Addr: netip.MustParseAddr("127.0.0.1"), PortMin: 48000, PortMax: 48999, BusyPoll: tc.busyPoll})
			if err != nil {
				t.Fatal(err)
			}
			if tc.portable {
				r.polls = nil
			}
			s, err := r.Allocate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := range ph {
				s.SetPeer(i, ph[i].LocalAddr().(*net.UDPAddr).AddrPort(), false)
			}
			pkt := make([]byte, 172)
			pkt[0] = 0x80
			buf := make([]byte, 2048)
			seq := uint16(0)
			relayOne := func() {
				seq++
				pkt[2], pkt[3] = byte(seq>>8), byte(seq)
				ph[0].WriteToUDPAddrPort(pkt, s.Leg(0))
				ph[1].SetReadDeadline(time.Now().Add(2 * time.Second))
				if _, _, err := ph[1].ReadFromUDPAddrPort(buf); err != nil {
					t.Fatal(err)
				}
			}
			for range 200 {
				relayOne()
			}
			if n := testing.AllocsPerRun(500, relayOne); n > 0.1 {
				t.Errorf("%.2f allocations per relayed datagram, want 0", n)
			}
		})
	}
}
