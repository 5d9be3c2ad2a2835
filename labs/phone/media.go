package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"voiplab/analyze/sdpneg"
	"voiplab/labs/impair"
)

// media is one call's RTP/RTCP endpoint: an even RTP port and the RTCP port
// above it (RFC 3550 §11).
type media struct {
	log           *slog.Logger
	rawRTP        net.PacketConn
	rawRTCP       net.PacketConn
	rtpOut        net.PacketConn // rawRTP through the network (and the impairment)
	rtcpOut       net.PacketConn
	rtpIn, rtcpIn net.PacketConn // rawRTP and rawRTCP as the network delivers
	port          int
	remote        netip.AddrPort
	audio, event  sdpneg.Format
	ssrc          uint32
	seq           uint16
	ts            uint32
	toneHz        float64
	rtcpInterval  time.Duration
	delay         time.Duration
	mu            sync.Mutex
	sent, octets  int
	received      int
	digits        strings.Builder
	lastEventTS   uint32
	haveEvent     bool
	recvDone      chan struct{}
	dec           *decoder
	recording     []int16 // decoded received audio, in arrival order
	maxRecord     int
	closeOnce     sync.Once
	sendMu        sync.Mutex // one sender at a time (Talk)
	startedSender bool
}

// listenMedia binds an RTP/RTCP pair on addr from port upwards.
func listenMedia(addr netip.Addr, port int) (rtpc, rtcpc net.PacketConn, p int, err error) {
	if port%2 == 1 {
		port++
	}
	for tries := 0; tries < 50; tries, port = tries+1, port+2 {
		rtpc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port))))
		if err != nil {
			continue
		}
		rtcpc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port+1))))
		if err != nil {
			rtpc.Close()
			continue
		}
		return rtpc, rtcpc, port, nil
	}
	return nil, nil, 0, fmt.Errorf("phone: media ports on %s from %d: %w", addr, port, err)
}

// start wires the sockets to the network and starts the receiver. imp, when
// not nil, impairs the outgoing RTP.
func (m *media) start(cfg *Config) error {
	rtpNet := newNetConn(m.rawRTP, cfg)
	m.rtpIn, m.rtpOut = rtpNet, rtpNet
	rtcpNet := newNetConn(m.rawRTCP, cfg)
	m.rtcpIn, m.rtcpOut = rtcpNet, rtcpNet
	if cfg.Impair != nil {
		i, err := impair.New(*cfg.Impair)
		if err != nil {
			return fmt.Errorf("phone: %w", err)
		}
		m.rtpOut = impair.NewConn(m.rtpOut, i, impair.WithLogger(m.log))
	}
	m.recvDone = make(chan struct{})
	m.dec = newDecoder(m.audio.Name)
	if m.dec != nil {
		m.maxRecord = 60 * m.dec.rate // a minute at most
	}
	go m.receive()
	go m.receiveRTCP()
	return nil
}

func (m *media) close() {
	m.closeOnce.Do(func() {
		if c, ok := m.rtpOut.(*impair.Conn); ok {
			// Let delayed packets leave before the link goes down.
			time.Sleep(200 * time.Millisecond)
			c.Close() // closes rawRTP through the netConn
		}
		m.rawRTP.Close()
		m.rawRTCP.Close()
		if m.recvDone != nil {
			<-m.recvDone
		}
	})
}

// receive counts RTP packets and reads RFC 4733 digits.
func (m *media) receive() {
	defer close(m.recvDone)
	buf := make([]byte, 1500)
	var p rtp.Packet
	for {
		n, _, err := m.rtpIn.ReadFrom(buf)
		if err != nil {
			return
		}
		// pion does not check the version (LIBRARIES.md).
		if n < 12 || buf[0]>>6 != 2 || p.Unmarshal(buf[:n]) != nil {
			continue
		}
		m.mu.Lock()
		m.received++
		switch {
		case m.event.PT >= 0 && int(p.PayloadType) == m.event.PT || int(p.PayloadType) == EventPT:
			m.readEvent(&p)
		case int(p.PayloadType) == m.audio.PT && m.dec != nil && len(m.recording) < m.maxRecord:
			m.recording = m.dec.decode(m.recording, p.Payload)
		}
		m.mu.Unlock()
	}
}

// readEvent reads one telephone-event packet (RFC 4733 §2.3): a digit
// counts once, on its first packet with the E bit.
func (m *media) readEvent(p *rtp.Packet) {
	if len(p.Payload) < 4 || p.Payload[1]&0x80 == 0 {
		return
	}
	if m.haveEvent && p.Timestamp == m.lastEventTS {
		return // the end packet is sent three times (RFC 4733 §2.5.1.4)
	}
	m.haveEvent, m.lastEventTS = true, p.Timestamp
	const events = "0123456789*#ABCD"
	if int(p.Payload[0]) < len(events) {
		m.digits.WriteByte(events[p.Payload[0]])
	}
}

func (m *media) receiveRTCP() {
	buf := make([]byte, 1500)
	for {
		if _, _, err := m.rtcpIn.ReadFrom(buf); err != nil {
			return
		}
	}
}

// talk sends the tone for d, with digits as RFC 4733 events from 1 s in.
func (m *media) talk(ctx context.Context, d time.Duration, digits string) error {
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	if !m.startedSender && m.delay > 0 {
		select {
		case <-time.After(m.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.startedSender = true
	enc := newEncoder(m.audio.Name, m.toneHz)
	if enc == nil {
		return fmt.Errorf("%w: %s", ErrNoCodec, m.audio.Name)
	}
	dst := net.UDPAddrFromAddrPort(m.remote)
	rtcpDst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(m.remote.Addr(), m.remote.Port()+1))
	frames := int(d / (20 * time.Millisecond))
	var events []evFrame
	if digits != "" && m.event.PT >= 0 {
		events = dtmfFrames(digits)
	}
	// Digits start after 1 s of audio; each event frame replaces one audio
	// frame (RFC 4733 §2.3: the audio stops while an event is sent).
	evStart := 50
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	nextRTCP := m.rtcpInterval
	var elapsed time.Duration
	first := m.sent == 0
	var evTS uint32
	for i := 0; i < frames; i++ {
		var pkt rtp.Packet
		pkt.Version = 2
		pkt.SSRC = m.ssrc
		pkt.SequenceNumber = m.seq
		m.seq++
		if j := i - evStart; j >= 0 && j < len(events) && events[j].payload != nil {
			if events[j].first {
				evTS = m.ts // an event's timestamp is its start (RFC 4733 §2.3.1)
			}
			pkt.PayloadType = uint8(m.event.PT)
			pkt.Timestamp = evTS
			pkt.Marker = events[j].first
			pkt.Payload = events[j].payload
		} else {
			pkt.PayloadType = uint8(m.audio.PT)
			pkt.Timestamp = m.ts
			pkt.Marker = first && i == 0
			pkt.Payload = enc.frame()
		}
		m.ts += 160
		b, err := pkt.Marshal()
		if err != nil {
			return err
		}
		if _, err := m.rtpOut.WriteTo(b, dst); err != nil && !errors.Is(err, net.ErrClosed) {
			m.log.Debug("rtp write", "err", err)
		}
		m.mu.Lock()
		m.sent++
		m.octets += len(pkt.Payload)
		m.mu.Unlock()
		elapsed += 20 * time.Millisecond
		if m.rtcpInterval > 0 && elapsed >= nextRTCP {
			nextRTCP += m.rtcpInterval
			m.sendSR(rtcpDst)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The network still holds delayed packets: let them arrive while the
	// other side listens, so that every run delivers the same packets.
	if c, ok := m.rtpOut.(*impair.Conn); ok {
		c.Drain(ctx, time.Second)
	}
	if m.rtcpInterval > 0 {
		m.sendSR(rtcpDst)
	}
	return nil
}

// sendSR sends an RTCP sender report (RFC 3550 §6.4.1) with an SDES CNAME
// (§6.5.1: every compound packet carries one).
func (m *media) sendSR(dst net.Addr) {
	m.mu.Lock()
	sr := &rtcp.SenderReport{SSRC: m.ssrc, NTPTime: ntp(time.Now()), RTPTime: m.ts,
		PacketCount: uint32(m.sent), OctetCount: uint32(m.octets)}
	m.mu.Unlock()
	sdes := rtcp.NewCNAMESourceDescription(m.ssrc, fmt.Sprintf("phone@%s", m.remote.Addr()))
	b, err := rtcp.Marshal([]rtcp.Packet{sr, sdes})
	if err != nil {
		return
	}
	_, _ = m.rtcpOut.WriteTo(b, dst)
}

// ntp is the 64-bit NTP timestamp of t (RFC 3550 §4). The phone is a live
// element: wall-clock time is what a real phone would write.
func ntp(t time.Time) uint64 {
	const unixToNTP = 2208988800
	s := uint64(t.Unix()) + unixToNTP
	f := uint64(t.Nanosecond()) << 32 / 1e9
	return s<<32 | f
}

// evFrame is one 20 ms frame of a DTMF sequence: an RFC 4733 event payload,
// or nil for a frame of audio (the pause between digits).
type evFrame struct {
	payload []byte
	first   bool // first packet of an event: new timestamp, marker bit
}

// dtmfFrames lays out RFC 4733 events for digits: per digit, 5 packets of
// growing duration (100 ms, §2.5.1.3), then the end packet three times
// (§2.5.1.4), then 5 frames of audio (a 100 ms pause). Volume 10 (-10 dBm0).
func dtmfFrames(digits string) []evFrame {
	const events = "0123456789*#ABCD"
	var out []evFrame
	for _, r := range digits {
		ev := strings.IndexRune(events, r)
		if ev < 0 {
			continue
		}
		for k := 1; k <= 8; k++ {
			dur := min(k, 5) * 160
			flags := byte(10)
			if k > 5 {
				flags |= 0x80 // E bit
			}
			out = append(out, evFrame{payload: []byte{byte(ev), flags, byte(dur >> 8), byte(dur)}, first: k == 1})
		}
		for k := 0; k < 5; k++ {
			out = append(out, evFrame{})
		}
	}
	return out
}
