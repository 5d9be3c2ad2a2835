//go:build interop && linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	xbpf "golang.org/x/net/bpf"

	"voiplab/capture/bpf"
)

// These tests capture live on the loopback interface and in network
// namespaces: they need root (CI runs make interop as root).

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("live capture tests need root (make interop runs as root in CI)")
	}
}

func compileFor(expr string) func(uint16) ([]xbpf.Instruction, error) {
	return func(lt uint16) ([]xbpf.Instruction, error) {
		p, err := bpf.Compile(expr, bpf.LinkType(lt), 0)
		if err != nil || lt != LinkTypeLinuxSLL {
			return p, err
		}
		return bpf.Cooked(p)
	}
}

// sendUDP sends n datagrams from one unconnected socket to dst (an
// unconnected socket ignores the ICMP errors of a closed port).
func sendUDP(t *testing.T, dst netip.AddrPort, n int) netip.AddrPort {
	t.Helper()
	network := "udp4"
	if dst.Addr().Is6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to := net.UDPAddrFromAddrPort(dst)
	for i := range n {
		if _, err := c.WriteToUDP(fmt.Appendf(nil, "packet %d", i), to); err != nil {
			t.Fatal(err)
		}
	}
	port := c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
	src := netip.MustParseAddr("127.0.0.1")
	if !dst.Addr().IsLoopback() {
		src = localFor(t, dst.Addr())
	}
	return netip.AddrPortFrom(src, port)
}

// localFor returns the local address the kernel uses towards dst.
func localFor(t *testing.T, dst netip.Addr) netip.Addr {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

// capture reads frames until ctx ends or want datagrams matched.
func liveDatagrams(t *testing.T, l *Live, want int, match func(*Datagram) bool) (int, []Frame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dec := NewDecoder()
	got := 0
	var frames []Frame
	for got < want {
		f, err := l.ReadFrame(ctx)
		if errors.Is(err, ErrIdle) {
			continue
		}
		if err != nil {
			break
		}
		frames = append(frames, Frame{Data: append([]byte(nil), f.Data...), Length: f.Length, Time: f.Time, LinkType: f.LinkType, Interface: f.Interface})
		ds, err := dec.Decode(f.Data, f.LinkType, f.Time)
		if err != nil {
			t.Fatal(err)
		}
		for i := range ds {
			if match(&ds[i]) {
				got++
			}
		}
	}
	// Anything more (a duplicate) would arrive within a few ms.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	for {
		f, err := l.ReadFrame(ctx2)
		if errors.Is(err, ErrIdle) {
			continue
		}
		if err != nil {
			break
		}
		ds, _ := dec.Decode(f.Data, f.LinkType, f.Time)
		for i := range ds {
			if match(&ds[i]) {
				got++
			}
		}
	}
	return got, frames
}

// TestLiveLoopback captures datagrams on lo and on "any": each is seen
// exactly once (the outgoing copy on lo is dropped), the filter keeps out
// other ports, the kernel counts no drop, and the frames have the link
// type the writer records.
func TestLiveLoopback(t *testing.T) {
	needRoot(t)
	for _, c := range []struct {
		iface string
		link  uint16
	}{{"lo", LinkTypeEthernet}, {"any", LinkTypeRaw}} {
		t.Run(c.iface, func(t *testing.T) {
			l, err := OpenLive(LiveConfig{Interface: c.iface, Filter: compileFor("udp port 45061")})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if l.LinkType() != c.link {
				t.Errorf("link type %d, want %d", l.LinkType(), c.link)
			}
			const n = 500
			dst := netip.MustParseAddrPort("127.0.0.1:45061")
			sendUDP(t, netip.MustParseAddrPort("127.0.0.1:45062"), 50) // filtered out
			src := sendUDP(t, dst, n)
			got, frames := liveDatagrams(t, l, n, func(d *Datagram) bool {
				return d.Transport == UDP && d.Dst == dst && d.Src == src
			})
			if got != n {
				t.Errorf("captured %d datagrams, want exactly %d", got, n)
			}
			for _, f := range frames {
				if f.LinkType != c.link {
					t.Fatalf("frame link type %d", f.LinkType)
				}
			}
			st, err := l.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if st.Dropped != 0 || st.Received < n {
				t.Errorf("stats %+v", st)
			}
			t.Logf("%s: %d datagrams, stats %+v", c.iface, got, st)
		})
	}
}

// TestLiveNamespace captures on one end of a veth pair between two network
// namespaces made by the test: real Ethernet headers, IPv4 and IPv6.
func TestLiveNamespace(t *testing.T) {
	needRoot(t)
	ns := fmt.Sprintf("vl%d", os.Getpid()%100000)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("ip", "netns", "add", ns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	a, b := ns+"a", ns+"b"
	run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
	t.Cleanup(func() { exec.Command("ip", "link", "del", a).Run() })
	run("ip", "link", "set", b, "netns", ns)
	run("ip", "addr", "add", "198.51.100.1/24", "dev", a)
	run("ip", "addr", "add", "2001:db8:5::1/64", "dev", a, "nodad")
	run("ip", "link", "set", a, "up")
	run("ip", "netns", "exec", ns, "ip", "addr", "add", "198.51.100.2/24", "dev", b)
	run("ip", "netns", "exec", ns, "ip", "addr", "add", "2001:db8:5::2/64", "dev", b, "nodad")
	run("ip", "netns", "exec", ns, "ip", "link", "set", b, "up")
	// Static neighbours, so that no datagram waits in the ARP or NDP queue.
	mac, err := exec.Command("ip", "netns", "exec", ns, "cat", "/sys/class/net/"+b+"/address").Output()
	if err != nil {
		t.Fatal(err)
	}
	hw := strings.TrimSpace(string(mac))
	run("ip", "neigh", "replace", "198.51.100.2", "lladdr", hw, "dev", a, "nud", "permanent")
	run("ip", "neigh", "replace", "2001:db8:5::2", "lladdr", hw, "dev", a, "nud", "permanent")

	l, err := OpenLive(LiveConfig{Interface: a, Filter: compileFor("udp and (host 198.51.100.2 or host 2001:db8:5::2)")})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.LinkType() != LinkTypeEthernet {
		t.Fatalf("veth link type %d", l.LinkType())
	}
	for _, dst := range []string{"198.51.100.2:5060", "[2001:db8:5::2]:5060"} {
		ap := netip.MustParseAddrPort(dst)
		src := sendUDP(t, ap, 20)
		got, _ := liveDatagrams(t, l, 20, func(d *Datagram) bool { return d.Dst == ap && d.Src == src })
		if got != 20 {
			t.Errorf("%s: captured %d of 20", dst, got)
		}
	}

	t.Run("vlan", func(t *testing.T) {
		// VLAN 100 over the veth pair: veth offloads the tag into metadata;
		// the captured frames must carry it again (EtherType 0x8100, VID 100).
		if out, err := exec.Command("ip", "link", "add", "link", a, "name", a+".100", "type", "vlan", "id", "100").CombinedOutput(); err != nil {
			// Not a missing peer: a kernel built without 802.1Q (8021q).
			t.Skipf("VLAN part skipped: this kernel cannot make a VLAN interface: %v %s", err, out)
		}
		runIn(t, "ip", "netns", "exec", ns, "ip", "link", "add", "link", b, "name", b+".100", "type", "vlan", "id", "100")
		runIn(t, "ip", "addr", "add", "203.0.113.1/24", "dev", a+".100")
		runIn(t, "ip", "link", "set", a+".100", "up")
		runIn(t, "ip", "netns", "exec", ns, "ip", "addr", "add", "203.0.113.2/24", "dev", b+".100")
		runIn(t, "ip", "netns", "exec", ns, "ip", "link", "set", b+".100", "up")
		runIn(t, "ip", "neigh", "replace", "203.0.113.2", "lladdr", hw, "dev", a+".100", "nud", "permanent")
		lv, err := OpenLive(LiveConfig{Interface: a, Filter: compileFor("udp port 5062")})
		if err != nil {
			t.Fatal(err)
		}
		defer lv.Close()
		ap := netip.MustParseAddrPort("203.0.113.2:5062")
		src := sendUDP(t, ap, 10)
		got, frames := liveDatagrams(t, lv, 10, func(d *Datagram) bool { return d.Dst == ap && d.Src == src })
		if got != 10 {
			t.Errorf("VLAN: captured %d of 10", got)
		}
		tagged := 0
		for _, f := range frames {
			if len(f.Data) > 16 && f.Data[12] == 0x81 && f.Data[13] == 0x00 && (int(f.Data[14])<<8|int(f.Data[15]))&0xfff == 100 {
				tagged++
			}
		}
		if tagged != got {
			t.Errorf("%d of %d frames carry the 802.1Q tag of VLAN 100", tagged, got)
		}
	})
}

func runIn(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}
