package capture_test

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"testing"

	"voiplab/capture"
)

// TestTapPacketConn records a UDP exchange on loopback at the socket and
// reads it back: both directions, in order, with the real addresses.
func TestTapPacketConn(t *testing.T) {
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.WriterOptions{Comment: "tap test"})
	if err != nil {
		t.Fatal(err)
	}
	tap := capture.NewTap(w)
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ta := tap.PacketConn(a)
	if _, err := ta.WriteTo([]byte("ping"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 100)
	n, from, err := b.ReadFrom(p)
	if err != nil || string(p[:n]) != "ping" {
		t.Fatalf("read %q %v", p[:n], err)
	}
	if _, err := b.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	if n, _, err = ta.ReadFrom(p); err != nil || string(p[:n]) != "pong" {
		t.Fatalf("read %q %v", p[:n], err)
	}
	if err := tap.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := capture.NewReader(&buf, "tap.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		d, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.Src.String()+">"+d.Dst.String()+":"+string(d.Payload))
	}
	want := []string{
		a.LocalAddr().String() + ">" + b.LocalAddr().String() + ":ping",
		b.LocalAddr().String() + ">" + a.LocalAddr().String() + ":pong",
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("recorded %v, want %v", got, want)
	}
	if tap.Count() != 2 {
		t.Errorf("count %d", tap.Count())
	}
}

func TestNilTap(t *testing.T) {
	var tap *capture.Tap
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tap.PacketConn(c) != c {
		t.Error("a nil Tap must return the conn unchanged")
	}
	tap.Record(capture.UDP, addr("127.0.0.1:1"), addr("127.0.0.1:2"), nil) // no panic
}

func addr(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
