package relay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"voiplab/capture"
	"voiplab/pbx/relay"
)

// TestRelayTap: with a Tap, every datagram the relay receives and sends is
// in the pcapng, byte for byte, with the right addresses.
func TestRelayTap(t *testing.T) {
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tap := capture.NewTap(w)
	r, err := relay.New(relay.Config{Addr: loopback, PortMin: 31500, PortMax: 31599, Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Allocate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, b := newPhone(t), newPhone(t)
	s.SetPeer(0, a.addr(), false)
	s.SetPeer(1, b.addr(), false)
	pkts := [][]byte{rtpPacket(0, 1, 160, 7, false, tone(0)), rtpPacket(0, 2, 320, 7, false, tone(1))}
	for _, p := range pkts {
		a.rtp.WriteToUDPAddrPort(p, s.Leg(0))
		b.read(t, b.rtp)
	}
	s.Close()
	if err := tap.Flush(); err != nil {
		t.Fatal(err)
	}
	rd, err := capture.NewReader(&buf, "tap")
	if err != nil {
		t.Fatal(err)
	}
	// In, out, in, out: caller → leg 0, then leg 1 → callee.
	want := []struct{ src, dst string }{
		{a.addr().String(), s.Leg(0).String()}, {s.Leg(1).String(), b.addr().String()},
		{a.addr().String(), s.Leg(0).String()}, {s.Leg(1).String(), b.addr().String()},
	}
	for i := 0; ; i++ {
		d, err := rd.Next()
		if errors.Is(err, io.EOF) {
			if i != len(want) {
				t.Fatalf("%d datagrams recorded, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(want) {
			t.Fatalf("extra datagram %d", i)
		}
		if d.Src.String() != want[i].src || d.Dst.String() != want[i].dst || !bytes.Equal(d.Payload, pkts[i/2]) {
			t.Errorf("datagram %d: %s → %s, %d bytes", i, d.Src, d.Dst, len(d.Payload))
		}
	}
}
