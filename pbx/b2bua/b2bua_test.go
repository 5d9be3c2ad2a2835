package b2bua_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/analyze/sdpneg"
	"voiplab/pbx/b2bua"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

var logLevel = slog.LevelWarn

var loopback = netip.MustParseAddr("127.0.0.1")

// node is a SIP endpoint on loopback UDP: a sipgo UA, server and client
// that sends from the listening port.
type node struct {
	ua   *sipgo.UserAgent
	srv  *sipgo.Server
	cli  *sipgo.Client
	addr netip.AddrPort
	conn net.PacketConn

	mu    sync.Mutex
	order []int    // INVITE response codes in wire order
	early [][]byte // bodies of 183 responses
}

func newNode(t testing.TB, name string) *node {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{conn: conn, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort()}
	n.ua, err = sipgo.NewUA(sipgo.WithUserAgent(name), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	n.srv, err = sipgo.NewServer(n.ua)
	if err != nil {
		t.Fatal(err)
	}
	n.cli, err = sipgo.NewClient(n.ua, sipgo.WithClientConnectionAddr(n.addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	// Wire order of INVITE responses, read in the transport loop.
	n.ua.TransportLayer().OnMessage(func(m sip.Message) {
		if r, ok := m.(*sip.Response); ok && r.CSeq() != nil && r.CSeq().MethodName == sip.INVITE {
			n.mu.Lock()
			n.order = append(n.order, r.StatusCode)
			if r.StatusCode == 183 {
				n.early = append(n.early, r.Body())
			}
			n.mu.Unlock()
		}
	})
	t.Cleanup(func() { n.cli.Close(); n.ua.Close(); conn.Close() })
	return n
}

// serve starts the listener and waits until the client can send from it
// (WithClientConnectionAddr otherwise tries to bind the port again).
func (n *node) serve() {
	go n.srv.ServeUDP(n.conn)
	for range 200 {
		if c, _ := n.ua.TransportLayer().GetConnection("udp", n.addr.String()); c != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func (n *node) contact() sip.ContactHeader {
	return sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: int(n.addr.Port())}}
}

func (n *node) responses() []int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]int(nil), n.order...)
}

type locator map[string][]b2bua.Contact

func (l locator) Contacts(user string) []b2bua.Contact { return l[user] }

// rtpSock is a phone's media socket.
func rtpSock(t *testing.T) *net.UDPConn {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sdpBody(addr netip.AddrPort, pts []int, dir string) []byte {
	names := map[int]string{0: "PCMU/8000", 8: "PCMA/8000", 3: "GSM/8000", 9: "G722/8000", 101: "telephone-event/8000"}
	var fmts []string
	for _, p := range pts {
		fmts = append(fmts, fmt.Sprint(p))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n", addr.Addr(), addr.Addr())
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %s\r\n", addr.Port(), strings.Join(fmts, " "))
	for _, p := range pts {
		fmt.Fprintf(&b, "a=rtpmap:%d %s\r\n", p, names[p])
	}
	if dir != "" {
		fmt.Fprintf(&b, "a=%s\r\n", dir)
	}
	return []byte(b.String())
}

// sdpAddr returns the audio address and formats of a body.
func sdpAddr(t *testing.T, body []byte) (netip.AddrPort, *sdpneg.Media) {
	t.Helper()
	s, err := sdpneg.Parse(body)
	if err != nil {
		t.Fatalf("sdp: %v\n%s", err, body)
	}
	for i := range s.Media {
		m := &s.Media[i]
		if m.Audio() {
			a := m.Connection
			return netip.AddrPortFrom(a, uint16(m.Port)), m
		}
	}
	t.Fatalf("no audio in\n%s", body)
	return netip.AddrPort{}, nil
}

// callee behaviours.
type callee struct {
	t         *testing.T
	node      *node
	rtp       *net.UDPConn
	mode      string // "answer", "burst", "busy", "ring", "early"
	mu        sync.Mutex
	offer     []byte
	reinv     [][]byte
	updates   [][]byte
	byes      int
	acks      [][]byte
	handled   int
	cancelled bool
	got       chan struct{}
	ds        *sipgo.DialogServerSession
}

func newCallee(t *testing.T, mode string) *callee {
	c := &callee{t: t, node: newNode(t, "callee"), rtp: rtpSock(t), mode: mode, got: make(chan struct{}, 10)}
	dsc := sipgo.NewDialogServerCache(c.node.cli, c.node.contact())
	mine := c.rtp.LocalAddr().(*net.UDPAddr).AddrPort()
	c.node.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		if req.To().Params.Has("tag") { // re-INVITE: accept, hold answered recvonly
			c.mu.Lock()
			c.reinv = append(c.reinv, req.Body())
			c.mu.Unlock()
			dir := ""
			if bytes.Contains(req.Body(), []byte("a=sendonly")) {
				dir = "recvonly"
			}
			res := sip.NewResponseFromRequest(req, 200, "OK", sdpBody(mine, []int{0, 101}, dir))
			res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			ct := c.node.contact()
			res.AppendHeader(&ct)
			tx.Respond(res)
			return
		}
		c.mu.Lock()
		c.offer = req.Body()
		c.mu.Unlock()
		select {
		case c.got <- struct{}{}:
		default:
		}
		ds, err := dsc.ReadInvite(req, tx)
		if err != nil {
			t.Error(err)
			return
		}
		c.mu.Lock()
		c.ds = ds
		c.mu.Unlock()
		answer := sdpBody(mine, []int{0, 101}, "")
		ctype := sip.NewHeader("Content-Type", "application/sdp")
		switch c.mode {
		case "busy":
			ds.Respond(486, "Busy Here", nil)
		case "burst": // 180 and 200 back to back
			ds.Respond(180, "Ringing", nil)
			ds.Respond(200, "OK", answer, ctype)
		case "early":
			ds.Respond(183, "Session Progress", answer, ctype)
			time.Sleep(20 * time.Millisecond)
			ds.Respond(200, "OK", answer, ctype)
		case "chatty": // more provisional responses than sipgo's WaitAnswer reads (10)
			for range 12 {
				ds.Respond(180, "Ringing", nil)
			}
			time.Sleep(20 * time.Millisecond)
			ds.Respond(200, "OK", answer, ctype)
		case "ring":
			ds.Respond(180, "Ringing", nil)
			<-ds.Context().Done()
			c.mu.Lock()
			c.cancelled = true
			c.mu.Unlock()
		default:
			ds.Respond(180, "Ringing", nil)
			time.Sleep(20 * time.Millisecond)
			ds.Respond(200, "OK", answer, ctype)
		}
		c.mu.Lock()
		c.handled++ // Respond(200) returns once the ACK came
		c.mu.Unlock()
	})
	c.node.srv.OnUpdate(func(req *sip.Request, tx sip.ServerTransaction) {
		c.mu.Lock()
		c.updates = append(c.updates, req.Body())
		c.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 200, "OK", sdpBody(mine, []int{0, 101}, "recvonly"))
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		ct := c.node.contact()
		res.AppendHeader(&ct)
		tx.Respond(res)
	})
	c.node.srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) {
		c.mu.Lock()
		c.acks = append(c.acks, req.Body())
		c.mu.Unlock()
		dsc.ReadAck(req, tx)
	})
	c.node.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		c.mu.Lock()
		c.byes++
		c.mu.Unlock()
		if err := dsc.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
	})
	c.node.serve()
	return c
}

type pbx struct {
	node *node
	b    *b2bua.B2BUA
	mu   sync.Mutex
	cdrs []cdr.Record
}

func startPBX(t testing.TB, loc locator, mode string, exts map[string]b2bua.Extension, opts ...func(*b2bua.Config, *relay.Config)) *pbx {
	t.Helper()
	p := &pbx{node: newNode(t, "pbx")}
	rc := relay.Config{Addr: loopback, PortMin: 32000, PortMax: 32999, Timeout: 10 * time.Second}
	cfg := b2bua.Config{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel})),
		Domain: "lab.local", UA: p.node.ua, Client: p.node.cli, Locator: loc, Contact: p.node.addr,
		Extension: func(n string) (b2bua.Extension, bool) { e, ok := exts[n]; return e, ok },
		Codecs:    []string{"G722", "PCMA", "PCMU", "telephone-event"}, RelayMode: mode,
		OnCDR: func(rec cdr.Record) { p.mu.Lock(); p.cdrs = append(p.cdrs, rec); p.mu.Unlock() },
	}
	for _, o := range opts {
		o(&cfg, &rc)
	}
	r, err := relay.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Relay = r
	p.b, err = b2bua.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.b.Attach(p.node.srv)
	p.node.serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.b.Drain(ctx); err != nil {
			t.Errorf("drain: %v", err)
		}
	})
	return p
}

func (p *pbx) waitCDR(t *testing.T, n int) []cdr.Record {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		if len(p.cdrs) >= n {
			out := append([]cdr.Record(nil), p.cdrs...)
			p.mu.Unlock()
			return out
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no CDR %d", n)
	return nil
}

// caller places a call to ext through the PBX.
type caller struct {
	node *node
	rtp  *net.UDPConn
	dua  *sipgo.DialogUA
	bye  chan struct{} // a BYE came from the PBX

	mu    sync.Mutex
	reinv [][]byte // re-INVITE bodies received
}

func newCaller(t *testing.T) *caller {
	c := &caller{node: newNode(t, "caller"), rtp: rtpSock(t), bye: make(chan struct{}, 1)}
	c.dua = &sipgo.DialogUA{Client: c.node.cli, ContactHDR: c.node.contact()}
	c.node.srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		select {
		case c.bye <- struct{}{}:
		default:
		}
	})
	// A re-INVITE from the far end (through the PBX) is accepted with the
	// caller's own address.
	c.node.srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		c.mu.Lock()
		c.reinv = append(c.reinv, req.Body())
		c.mu.Unlock()
		res := sip.NewResponseFromRequest(req, 200, "OK", sdpBody(c.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), []int{0}, ""))
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		ct := c.node.contact()
		res.AppendHeader(&ct)
		tx.Respond(res)
	})
	c.node.srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	c.node.serve()
	return c
}

func (c *caller) invite(t *testing.T, p *pbx, ext string, pts []int) (*sipgo.DialogClientSession, error) {
	t.Helper()
	return c.inviteBody(t, p, ext, sdpBody(c.rtp.LocalAddr().(*net.UDPAddr).AddrPort(), pts, ""))
}

func (c *caller) inviteBody(t *testing.T, p *pbx, ext string, body []byte) (*sipgo.DialogClientSession, error) {
	t.Helper()
	uri := sip.Uri{Scheme: "sip", User: ext, Host: "127.0.0.1", Port: int(p.node.addr.Port())}
	from := &sip.FromHeader{DisplayName: "Alice", Address: sip.Uri{Scheme: "sip", User: "200", Host: "lab.local"}}
	from.Params.Add("tag", sip.GenerateTagN(8))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := c.dua.Invite(ctx, uri, body, from, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return d, err
	}
	return d, d.Ack(ctx)
}

func rtpPacket(pt uint8, seq uint16, ts uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], 0x5eed)
	copy(b[12:], payload)
	return b
}

func tone(frame int) []byte {
	p := make([]byte, 160)
	for i := range p {
		p[i] = byte(128 + 100*math.Sin(2*math.Pi*440*float64(frame*160+i)/8000))
	}
	return p
}

func recv(t *testing.T, c *net.UDPConn) []byte {
	t.Helper()
	buf := make([]byte, 2048)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("media: %v", err)
	}
	return buf[:n]
}

var exts = map[string]b2bua.Extension{"200": {Number: "200"}, "201": {Number: "201"}, "202": {Number: "202", Codecs: []string{"G722"}}, "203": {Number: "203"}}

func contactOf(c *callee, user string) b2bua.Contact {
	return b2bua.Contact{URI: fmt.Sprintf("sip:%s@127.0.0.1:%d", user, c.node.addr.Port()), Addr: c.node.addr, Transport: "udp"}
}

// calleeBye hangs up from the callee's side.
func calleeBye(t *testing.T, c *callee, p *pbx) {
	t.Helper()
	var ds *sipgo.DialogServerSession
	for deadline := time.Now().Add(3 * time.Second); ds == nil && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.mu.Lock()
		if c.handled > 0 {
			ds = c.ds
		}
		c.mu.Unlock()
	}
	if ds == nil {
		t.Fatal("callee's answer not acknowledged")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ds.Bye(ctx); err != nil {
		t.Fatalf("callee BYE: %v", err)
	}
}

// metrics counts what the B2BUA reports.
type metrics struct {
	mu               sync.Mutex
	started, packets int
	ended            []int
	quality          []cdr.Direction
}

func (m *metrics) CallStarted()    { m.mu.Lock(); m.started++; m.mu.Unlock() }
func (m *metrics) CallEnded(s int) { m.mu.Lock(); m.ended = append(m.ended, s); m.mu.Unlock() }
func (m *metrics) PacketsRelayed(n uint64) {
	m.mu.Lock()
	m.packets += int(n)
	m.mu.Unlock()
}
func (m *metrics) MediaQuality(d cdr.Direction) {
	m.mu.Lock()
	m.quality = append(m.quality, d)
	m.mu.Unlock()
}
