package relay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"voiplab/analyze/sdpneg"
	"voiplab/pbx/relay"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// phone is a simulated endpoint: an RTP and an RTCP socket on loopback.
type phone struct {
	rtp, rtcp *net.UDPConn
}

func newPhone(t testing.TB) *phone {
	t.Helper()
	for range 50 {
		rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := rtp.LocalAddr().(*net.UDPAddr).Port
		rtcp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
		if err != nil {
			rtp.Close()
			continue
		}
		p := &phone{rtp: rtp, rtcp: rtcp}
		t.Cleanup(func() { rtp.Close(); rtcp.Close() })
		return p
	}
	t.Fatal("no port pair for a phone")
	return nil
}

func (p *phone) addr() netip.AddrPort { return p.rtp.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *phone) read(t testing.TB, c *net.UDPConn) ([]byte, netip.AddrPort) {
	t.Helper()
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, src, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("read on %s: %v", c.LocalAddr(), err)
	}
	return buf[:n], src
}

// rtpPacket builds an RTP packet (RFC 3550 §5.1) with a payload.
func rtpPacket(pt uint8, seq uint16, ts, ssrc uint32, marker bool, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	copy(b[12:], payload)
	return b
}

// rtcpRR is an empty receiver report (RFC 3550 §6.4.2): V=2, PT=201, length 1.
func rtcpRR(ssrc uint32) []byte {
	b := []byte{0x80, 201, 0, 1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[4:], ssrc)
	return b
}

// tone returns 160 µ-law-ish samples of a 440 Hz sine; the relay does not
// decode, so any bytes do, but a tone makes a mismatch easy to see.
func tone(frame int) []byte {
	p := make([]byte, 160)
	for i := range p {
		n := frame*160 + i
		p[i] = byte(128 + 100*math.Sin(2*math.Pi*440*float64(n)/8000))
	}
	return p
}

func newRelay(t testing.TB, min, max int, timeout time.Duration) *relay.Relay {
	t.Helper()
	r, err := relay.New(relay.Config{Addr: loopback, PortMin: min, PortMax: max, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRelayForwardsUntouched(t *testing.T) {
	r := newRelay(t, 31000, 31099, 0)
	s, err := r.Allocate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 2 {
		if p := s.Leg(i).Port(); p%2 != 0 {
			t.Errorf("leg %d RTP port %d is odd (RFC 3550 §11)", i, p)
		}
	}
	a, b := newPhone(t), newPhone(t)
	s.SetPeer(0, a.addr(), false)
	s.SetPeer(1, b.addr(), false)

	const frames = 50
	for f := range frames {
		// caller → callee: the bytes that arrive are the bytes sent.
		pkt := rtpPacket(0, uint16(1000+f), uint32(f*160), 0x11111111, f == 0, tone(f))
		if _, err := a.rtp.WriteToUDPAddrPort(pkt, s.Leg(0)); err != nil {
			t.Fatal(err)
		}
		got, src := b.read(t, b.rtp)
		if !bytes.Equal(got, pkt) {
			t.Fatalf("frame %d changed by the relay", f)
		}
		if src != s.Leg(1) {
			t.Fatalf("callee got media from %s, want leg 1 %s", src, s.Leg(1))
		}
		// callee → caller
		back := rtpPacket(8, uint16(7000+f), uint32(90000+f*160), 0x22222222, false, tone(f+7))
		b.rtp.WriteToUDPAddrPort(back, s.Leg(1))
		got, _ = a.read(t, a.rtp)
		if !bytes.Equal(got, back) {
			t.Fatalf("frame %d changed on the way back", f)
		}
	}
	// RFC 4733 DTMF events pass untouched (PT 101 from SDP).
	s.SetFormats([]sdpneg.Format{{PT: 0, Name: "PCMU", ClockRate: 8000}, {PT: 101, Name: "telephone-event", ClockRate: 8000}})
	ev := rtpPacket(101, 1050, 50*160, 0x11111111, true, []byte{5, 0x0a, 0, 160})
	a.rtp.WriteToUDPAddrPort(ev, s.Leg(0))
	if got, _ := b.read(t, b.rtp); !bytes.Equal(got, ev) {
		t.Fatalf("telephone-event changed: % x", got)
	}
	// RTCP: port+1 to port+1.
	rr := rtcpRR(0x11111111)
	a.rtcp.WriteToUDPAddrPort(rr, netip.AddrPortFrom(loopback, s.Leg(0).Port()+1))
	got, src := b.read(t, b.rtcp)
	if !bytes.Equal(got, rr) || src.Port() != s.Leg(1).Port()+1 {
		t.Fatalf("rtcp: got % x from %s", got, src)
	}

	st := s.Stats()
	if st[0].Packets != frames+1 || st[1].Packets != frames {
		t.Errorf("packets %d/%d, want %d/%d", st[0].Packets, st[1].Packets, frames+1, frames)
	}
	if st[0].Lost != 0 || st[1].Lost != 0 {
		t.Errorf("lost %d/%d, want 0", st[0].Lost, st[1].Lost)
	}
	// G.711 with no loss: Ie = 0, R = 93.2, MOS = 1 + 0.035·93.2 +
	// 93.2·33.2·6.8·7e-6 = 4.41 (ITU-T G.107 Annex B eq. B-4, by hand).
	for i, d := range st {
		if math.Abs(d.MOS-4.41) > 0.01 {
			t.Errorf("direction %d MOS %.3f, want 4.41", i, d.MOS)
		}
	}
	if st[0].Direction != "caller->callee" || st[1].Direction != "callee->caller" {
		t.Errorf("direction names %q %q", st[0].Direction, st[1].Direction)
	}
	if rtp, rtcp := s.Relayed(); rtp != 2*frames+1 || rtcp != 1 {
		t.Errorf("relayed %d rtp %d rtcp", rtp, rtcp)
	}
}

func TestRelayLatchingAndMux(t *testing.T) {
	tests := []struct {
		name string
		mux  bool
	}{{"rtcp on port+1", false}, {"rtcp-mux", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRelay(t, 31100, 31199, 0)
			s, err := r.Allocate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			natted, b := newPhone(t), newPhone(t)
			// The caller's SDP announces a private address nobody listens on
			// (NAT); its packets come from natted.
			s.SetPeer(0, netip.MustParseAddrPort("127.0.0.1:9"), tc.mux)
			s.SetPeer(1, b.addr(), tc.mux)
			pkt := rtpPacket(0, 1, 160, 0xabc, false, tone(0))
			natted.rtp.WriteToUDPAddrPort(pkt, s.Leg(0))
			b.read(t, b.rtp)
			back := rtpPacket(0, 9, 160, 0xdef, false, tone(1))
			b.rtp.WriteToUDPAddrPort(back, s.Leg(1))
			if got, _ := natted.read(t, natted.rtp); !bytes.Equal(got, back) {
				t.Fatal("latched caller did not get the callee's packet")
			}
			// RTCP from the callee reaches the caller: on its RTP socket with
			// rtcp-mux (RFC 5761), else on RTP port + 1.
			rr := rtcpRR(0xdef)
			if tc.mux {
				b.rtp.WriteToUDPAddrPort(rr, s.Leg(1))
				if got, _ := natted.read(t, natted.rtp); !bytes.Equal(got, rr) {
					t.Fatalf("muxed rtcp: got % x", got)
				}
			} else {
				b.rtcp.WriteToUDPAddrPort(rr, netip.AddrPortFrom(loopback, s.Leg(1).Port()+1))
				if got, _ := natted.read(t, natted.rtcp); !bytes.Equal(got, rr) {
					t.Fatalf("rtcp: got % x", got)
				}
			}
			if st := s.Stats(); st[1].Packets != 1 {
				t.Errorf("muxed RTCP counted as RTP: %d packets", st[1].Packets)
			}
		})
	}
}

func TestRelayLoss(t *testing.T) {
	r := newRelay(t, 31200, 31299, 0)
	s, err := r.Allocate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := newPhone(t), newPhone(t)
	s.SetPeer(0, a.addr(), false)
	s.SetPeer(1, b.addr(), false)
	// 100 packets with sequence numbers 0..99, 5 and 50 missing: lost 2
	// (RFC 3550 §6.4.1 expected − received, as Wireshark counts it).
	sent := 0
	for seq := range 100 {
		if seq == 5 || seq == 50 {
			continue
		}
		a.rtp.WriteToUDPAddrPort(rtpPacket(8, uint16(seq), uint32(seq*160), 1, false, tone(seq)), s.Leg(0))
		b.read(t, b.rtp)
		sent++
	}
	st := s.Stats()[0]
	if st.Packets != sent || st.Lost != 2 {
		t.Fatalf("packets %d lost %d, want %d and 2", st.Packets, st.Lost, sent)
	}
	// PCMA Ie 0, Bpl 4.3 (G.113 I.3), 2 % random loss: Ie,eff =
	// 95·2/(2+4.3) = 30.16, R = 63.04, MOS = 3.25 (G.107 eq. 7-29, B-4).
	if math.Abs(st.MOS-3.25) > 0.02 {
		t.Errorf("MOS %.3f, want about 3.25", st.MOS)
	}
}

func TestRelayPortsExhausted(t *testing.T) {
	// 31300-31307: four pairs, two sessions.
	r := newRelay(t, 31300, 31307, 0)
	var ss []*relay.Session
	for range 2 {
		s, err := r.Allocate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	if _, err := r.Allocate(context.Background()); !errors.Is(err, relay.ErrPortsExhausted) {
		t.Fatalf("third session: %v, want ErrPortsExhausted", err)
	}
	ss[0].Close()
	s, err := r.Allocate(context.Background())
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	s.Close()
	ss[1].Close()
	if n := r.Sessions(); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

func TestRelayTimeout(t *testing.T) {
	r := newRelay(t, 31400, 31499, 150*time.Millisecond)
	s, err := r.Allocate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, b := newPhone(t), newPhone(t)
	s.SetPeer(0, a.addr(), false)
	s.SetPeer(1, b.addr(), false)
	// Media for 300 ms keeps it alive.
	for i := range 15 {
		a.rtp.WriteToUDPAddrPort(rtpPacket(0, uint16(i), uint32(i*160), 1, false, tone(i)), s.Leg(0))
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-s.Done():
		t.Fatal("session ended while media flowed")
	default:
	}
	select {
	case <-s.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("dead media did not end the session")
	}
	if !errors.Is(s.Err(), relay.ErrMediaTimeout) {
		t.Errorf("Err = %v", s.Err())
	}
	if n := r.Sessions(); n != 0 {
		t.Errorf("ports not released: %d sessions", n)
	}
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  relay.Config
	}{
		{"no address", relay.Config{PortMin: 10000, PortMax: 20000}},
		{"empty range", relay.Config{Addr: loopback, PortMin: 10001, PortMax: 10001}},
		{"reversed", relay.Config{Addr: loopback, PortMin: 20000, PortMax: 10000}},
		{"too high", relay.Config{Addr: loopback, PortMin: 10000, PortMax: 70000}},
		{"negative busy poll", relay.Config{Addr: loopback, PortMin: 10000, PortMax: 20000, BusyPoll: -time.Microsecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := relay.New(tc.cfg); !errors.Is(err, relay.ErrConfig) {
				t.Errorf("err = %v, want ErrConfig", err)
			}
		})
	}
}
