package hep

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"voiplab/capture"
)

// TestMain checks that no test leaves a goroutine behind (Listener and
// Sender clean up after themselves).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func listen(t *testing.T, addr string, opts ...ListenOption) *Listener {
	t.Helper()
	l, err := Listen(context.Background(), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func next(t *testing.T, l *Listener) *capture.Datagram {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := l.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v (stats %+v)", err, l.Stats())
	}
	return d
}

// TestSendReceive sends SIP over HEP from a Sender to a Listener on loopback,
// over UDP and TCP, carrying IPv4 and IPv6 captured packets.
func TestSendReceive(t *testing.T) {
	ts := time.Date(2026, 11, 27, 18, 0, 0, 123456000, time.UTC)
	for _, proto := range []string{"udp", "tcp"} {
		t.Run(proto, func(t *testing.T) {
			l := listen(t, "127.0.0.1:0")
			s, err := Dial(context.Background(), l.Addr().String(), proto, 42)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sent := []capture.Datagram{
				{Time: ts, Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"),
					Transport: capture.UDP, Payload: []byte("INVITE sip:bob@example.com SIP/2.0\r\n\r\n")},
				{Time: ts.Add(time.Millisecond), Src: netip.MustParseAddrPort("[2001:db8::2]:5060"), Dst: netip.MustParseAddrPort("[2001:db8::1]:40001"),
					Transport: capture.TCP, Payload: []byte("SIP/2.0 200 OK\r\n\r\n")},
			}
			for i := range sent {
				if err := s.SendSIP(&sent[i], "call-1"); err != nil {
					t.Fatal(err)
				}
			}
			for i, want := range sent {
				d := next(t, l)
				if d.Frame != i+1 || d.Src != want.Src || d.Dst != want.Dst || d.Transport != want.Transport ||
					!d.Time.Equal(want.Time) || !bytes.Equal(d.Payload, want.Payload) {
					t.Errorf("datagram %d = %+v, want %+v", i, d, want)
				}
			}
			if s.Sent() != 2 {
				t.Errorf("Sent = %d", s.Sent())
			}
			s.Close()
			if err := s.SendSIP(&sent[0], ""); !errors.Is(err, net.ErrClosed) {
				t.Errorf("send after Close: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if _, err := l.Next(context.Background()); err != io.EOF {
				t.Errorf("Next after Close: %v, want io.EOF", err)
			}
			if st := l.Stats(); st.Received != 2 || st.Delivered != 2 || st.Errors != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestListenerSkipsAndCounts: garbage and RTCP JSON do not reach Next; they
// are counted, and the packet after them arrives.
func TestListenerSkipsAndCounts(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	c, err := net.Dial("udp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("not HEP at all"))
	rtcpJSON := Encode(nil, &Packet{ProtoType: ProtoRTCPJSON, Payload: []byte(`{}`), Time: time.Unix(1, 0)})
	c.Write(rtcpJSON)
	sip := Encode(nil, &Packet{ProtoType: ProtoSIP, Payload: []byte("OPTIONS sip:a SIP/2.0\r\n\r\n"), Transport: capture.UDP})
	c.Write(sip)
	d := next(t, l)
	if !strings.HasPrefix(string(d.Payload), "OPTIONS") || d.Frame != 1 {
		t.Errorf("got %+v", d)
	}
	st := l.Stats()
	if st.Errors != 1 || st.Skipped != 1 || st.Received != 2 || !strings.Contains(st.LastError, "not \"HEP3\"") {
		t.Errorf("stats %+v", st)
	}
}

// TestListenerTCPStream: several HEP packets in one TCP write, and one packet
// split over writes, are framed by their length; a stream that loses the
// framing is closed and counted.
func TestListenerTCPStream(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b []byte
	for _, m := range []string{"A sip:x SIP/2.0", "B sip:x SIP/2.0", "C sip:x SIP/2.0"} {
		b = Encode(b, &Packet{ProtoType: ProtoSIP, Payload: []byte(m), Time: time.Unix(100, 0)})
	}
	c.Write(b[:len(b)-10])
	time.Sleep(20 * time.Millisecond)
	c.Write(b[len(b)-10:])
	for _, want := range "ABC" {
		if d := next(t, l); d.Payload[0] != byte(want) {
			t.Errorf("got %q, want %c...", d.Payload, want)
		}
	}
	c.Write([]byte("GARBAGE!"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("stream not closed after garbage")
	}
	if st := l.Stats(); st.Errors != 1 || !strings.Contains(st.LastError, "stream closed") {
		t.Errorf("stats %+v", st)
	}
}

// TestListenerContext: Next honours its context, and the Listen context
// closes the Listener.
func TestListenerContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Listen(ctx, "127.0.0.1:0", WithClock(func() time.Time { return time.Unix(42, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if _, err := l.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next = %v, want deadline exceeded", err)
	}
	// A packet without a timestamp gets the arrival time from the clock.
	c, err := net.Dial("udp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(Encode(nil, &Packet{ProtoType: ProtoSIP, Payload: []byte("X")}))
	if d := next(t, l); !d.Time.Equal(time.Unix(42, 0)) {
		t.Errorf("time %v, want the clock's", d.Time)
	}
	cancel()
	done := make(chan error, 1)
	go func() { _, err := l.Next(context.Background()); done <- err }()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("Next after cancel = %v, want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Listener not closed by its context")
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := Dial(context.Background(), "127.0.0.1:9060", "sctp", 1); !errors.Is(err, ErrProto) {
		t.Errorf("sctp: %v", err)
	}
	if _, err := Dial(context.Background(), "no-port", "udp", 1); err == nil || !strings.HasPrefix(err.Error(), "hep: dial udp no-port") {
		t.Errorf("bad address: %v", err)
	}
}

func TestSendTooLarge(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	s, err := Dial(context.Background(), l.Addr().String(), "udp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := &capture.Datagram{Transport: capture.UDP, Payload: make([]byte, 65500)}
	if err := s.SendSIP(d, ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("65500-octet payload over UDP: %v", err)
	}
}

// TestSenderTCPReconnect: after the collector drops the connection, a send
// fails, and a later send dials again.
func TestSenderTCPReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	s, err := Dial(context.Background(), ln.Addr().String(), "tcp", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	(<-conns).Close()
	d := &capture.Datagram{Transport: capture.UDP, Payload: []byte("SIP")}
	var failed bool
	for i := 0; i < 50 && !failed; i++ { // the first writes may still succeed
		failed = s.SendSIP(d, "") != nil
		time.Sleep(10 * time.Millisecond)
	}
	if !failed {
		t.Fatal("no send failed after the collector closed the connection")
	}
	if err := s.SendSIP(d, ""); err != nil {
		t.Fatalf("send after reconnect: %v", err)
	}
	c := <-conns
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	hdr := make([]byte, 6)
	if _, err := io.ReadFull(c, hdr); err != nil || string(hdr[:4]) != "HEP3" {
		t.Errorf("new connection got % x, %v", hdr, err)
	}
}
