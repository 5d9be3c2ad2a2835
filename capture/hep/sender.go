package hep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"voiplab/capture"
)

// maxUDPPayload is the largest UDP payload over IPv4 (65535 minus the IPv4
// and UDP headers).
const maxUDPPayload = 65507

// redialTimeout bounds the reconnection of a TCP sender after a failed write.
const redialTimeout = 5 * time.Second

// Sender sends HEPv3 packets to one collector (Homer, heplify-server,
// sngrep -L) over UDP or TCP. It is safe for concurrent use.
//
// Over TCP, a failed write closes the connection and returns the error; the
// next send dials again (within 5 s), so that a collector restart costs the
// packets sent while it was down, not the rest of the capture. Over UDP, a
// collector that is down makes some sends fail with "connection refused"
// (the kernel reports the ICMP error of an earlier datagram); the Sender stays
// usable. A capture should count such errors rather than stop on them.
type Sender struct {
	addr, proto string
	agentID     uint32

	mu     sync.Mutex
	conn   net.Conn
	closed bool
	buf    []byte
	sent   int
}

// Dial connects to a HEP collector at addr ("host:port") over proto ("udp" or
// "tcp"; "" means "udp") and returns a Sender that stamps agentID on every
// packet.
func Dial(ctx context.Context, addr, proto string, agentID uint32) (*Sender, error) {
	switch proto {
	case "":
		proto = "udp"
	case "udp", "tcp":
	default:
		return nil, fmt.Errorf("hep: transport %q (want udp or tcp): %w", proto, ErrProto)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, proto, addr)
	if err != nil {
		return nil, fmt.Errorf("hep: dial %s %s: %w", proto, addr, err)
	}
	return &Sender{addr: addr, proto: proto, agentID: agentID, conn: conn}, nil
}

// SendSIP sends one SIP message (d.Payload, as captured) as protocol type 1
// with d's addresses, transport and time. A non-empty callID is sent as the
// correlation ID.
func (s *Sender) SendSIP(d *capture.Datagram, callID string) error {
	return s.Send(&Packet{
		Src: d.Src, Dst: d.Dst, Transport: d.Transport, Time: d.Time,
		ProtoType: ProtoSIP, Payload: d.Payload, CorrelationID: callID,
	})
}

// SendRTCPJSON sends an RTCP report as JSON (protocol type 5) with the
// addresses, transport and time of the RTCP datagram d, and the call's
// Call-ID as correlation ID, as Homer expects it to tie the report to the
// call. report is marshalled with encoding/json; pass the result of
// NewRTCPReport(d.Payload) for the form Homer and heplify use.
func (s *Sender) SendRTCPJSON(d *capture.Datagram, report any, callID string) error {
	js, err := json.Marshal(report)
	if err != nil {
		return fmt.Errorf("hep: RTCP report to JSON: %w", err)
	}
	return s.Send(&Packet{
		Src: d.Src, Dst: d.Dst, Transport: d.Transport, Time: d.Time,
		ProtoType: ProtoRTCPJSON, Payload: js, CorrelationID: callID,
	})
}

// Send sends p with the Sender's agent ID (p.AgentID is ignored). It returns
// ErrTooLarge, without sending, when p does not fit in one HEP packet or,
// over UDP, in one datagram.
func (s *Sender) Send(p *Packet) error {
	q := *p
	q.AgentID = s.agentID
	n := EncodedLen(&q)
	limit := MaxLen
	if s.proto == "udp" {
		limit = maxUDPPayload
	}
	if n > limit {
		return fmt.Errorf("hep: %d-octet packet over %s (at most %d): %w", n, s.proto, limit, ErrTooLarge)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("hep: send to %s: %w", s.addr, net.ErrClosed)
	}
	if s.conn == nil {
		if s.proto != "tcp" {
			return fmt.Errorf("hep: send to %s: %w", s.addr, net.ErrClosed)
		}
		ctx, cancel := context.WithTimeout(context.Background(), redialTimeout)
		var d net.Dialer
		conn, err := d.DialContext(ctx, s.proto, s.addr)
		cancel()
		if err != nil {
			return fmt.Errorf("hep: redial %s %s: %w", s.proto, s.addr, err)
		}
		s.conn = conn
	}
	s.buf = Encode(s.buf[:0], &q)
	if _, err := s.conn.Write(s.buf); err != nil {
		if s.proto == "tcp" && !errors.Is(err, net.ErrClosed) {
			s.conn.Close()
			s.conn = nil
		}
		return fmt.Errorf("hep: send to %s %s: %w", s.proto, s.addr, err)
	}
	s.sent++
	return nil
}

// Sent returns the number of packets sent.
func (s *Sender) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// Close closes the connection. Sends after Close fail with net.ErrClosed.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
