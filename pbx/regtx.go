package pbx

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// regLayer serves UDP REGISTER requests straight from the SIP read loop,
// beside sipgo's transaction layer rather than through it. Profiles of
// SIPp REGISTER load showed the PBX spending about as much CPU in sipgo's
// server transactions (a goroutine per request, an FSM with its own
// timers and locks, a connection lookup, and a transaction kept with its
// timers for Timer J) as in parsing, digest and the registrar together; a
// REGISTER needs none of that beyond the RFC 3261 §17.2.2 non-INVITE server
// transaction, which this keeps: a retransmitted request (matched as in
// §17.2.3: branch, sent-by, method) is answered with the transaction's last
// response, or absorbed while the first copy is being served, for Timer J
// after it arrived. Transactions live in two maps that swap every Timer J
// (a transaction lives between one and two Timer J: no timer per
// transaction). sipgo still parses the request (its parser) and builds the
// responses (the handlers are unchanged); requests this does not fully
// understand (an RFC 2543 branch, a parse error) go the normal way.
type regLayer struct {
	handler sipgo.RequestHandler
	parser  *sip.Parser
	life    time.Duration // Timer J: how long a transaction answers retransmissions

	mu      sync.Mutex
	cur     map[string]*regTx
	old     map[string]*regTx
	rotated time.Time // monotonic clock: transaction timers, not SIP timestamps
}

func newRegLayer(h sipgo.RequestHandler, life time.Duration) *regLayer {
	if life <= 0 {
		life = sip.Timer_J
	}
	return &regLayer{handler: h, parser: sip.NewParser(), life: life,
		cur: map[string]*regTx{}, old: map[string]*regTx{}, rotated: time.Now()}
}

// serve handles one datagram from raddr received on conn; false when it is
// not a REGISTER this layer serves (the caller passes it to sipgo).
func (l *regLayer) serve(conn net.PacketConn, raddr net.Addr, data []byte) bool {
	ua, ok := raddr.(*net.UDPAddr)
	if !ok {
		return false
	}
	msg, err := l.parser.ParseSIP(data)
	if err != nil {
		return false // sipgo logs it and drops it
	}
	req, ok := msg.(*sip.Request)
	if !ok || req.Method != sip.REGISTER {
		return false
	}
	via := req.Via()
	if via == nil || req.CSeq() == nil {
		return false // sipgo answers 400
	}
	branch, _ := via.Params.Get("branch")
	if !strings.HasPrefix(branch, sip.RFC3261BranchMagicCookie) {
		return false // RFC 2543 matching (§17.2.3): sipgo's job
	}
	req.SetTransport("UDP")
	req.SetSource(ua.String())
	// RFC 3261 §17.2.3: branch, sent-by (host and port) and method.
	var kb strings.Builder
	kb.Grow(len(branch) + len(via.Host) + 16)
	kb.WriteString(branch)
	kb.WriteByte('|')
	kb.WriteString(via.Host)
	kb.WriteByte(':')
	kb.WriteString(itoa(via.Port))
	kb.WriteString("|REGISTER")
	key := kb.String()

	l.mu.Lock()
	if now := time.Now(); now.Sub(l.rotated) >= l.life {
		l.old, l.cur = l.cur, make(map[string]*regTx, len(l.cur))
		if now.Sub(l.rotated) >= 2*l.life {
			l.old = map[string]*regTx{} // idle for long: everything expired
		}
		l.rotated = now
	}
	tx := l.cur[key]
	if tx == nil {
		tx = l.old[key]
	}
	if tx != nil {
		l.mu.Unlock()
		tx.retransmitted()
		return true
	}
	tx = &regTx{conn: conn, dest: responseAddr(ua, via), done: make(chan struct{})}
	l.cur[key] = tx
	l.mu.Unlock()
	l.handler(req, tx)
	return true
}

// responseAddr is where responses to a UDP request go: RFC 3261 §18.2.2
// (the source address, the sent-by port) and RFC 3581 §4 (with rport, the
// source port).
func responseAddr(src *net.UDPAddr, via *sip.ViaHeader) *net.UDPAddr {
	if _, ok := via.Params.Get("rport"); ok {
		return src
	}
	port := via.Port
	if port == 0 {
		port = sip.DefaultUdpPort
	}
	return &net.UDPAddr{IP: src.IP, Port: port, Zone: src.Zone}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// errTxDone is returned for a response after the final one.
var errTxDone = errors.New("pbx: transaction already answered")

var resBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// regTx is one UDP REGISTER server transaction (sip.ServerTransaction).
// From the handler's side it terminates with its final response; the layer
// keeps it to answer retransmissions (RFC 3261 §17.2.2 Completed state).
type regTx struct {
	conn net.PacketConn
	dest *net.UDPAddr

	mu    sync.Mutex
	last  []byte // the last response sent
	final bool
	done  chan struct{}
	onEnd []sip.FnTxTerminate
}

// Respond sends res and keeps it for retransmissions.
func (t *regTx) Respond(res *sip.Response) error {
	buf := resBufs.Get().(*bytes.Buffer)
	buf.Reset()
	res.StringWrite(buf)
	b := bytes.Clone(buf.Bytes())
	resBufs.Put(buf)
	if len(b) > sip.UDPMTUSize-200 {
		return sip.ErrUDPMTUCongestion // as sipgo's UDP transport (RFC 3261 §18.1.1)
	}
	t.mu.Lock()
	if t.final {
		t.mu.Unlock()
		return errTxDone
	}
	t.last = b
	var ends []sip.FnTxTerminate
	if !res.IsProvisional() {
		t.final = true
		close(t.done)
		ends, t.onEnd = t.onEnd, nil
	}
	t.mu.Unlock()
	_, err := t.conn.WriteTo(b, t.dest)
	for _, f := range ends {
		f("", nil)
	}
	return err
}

// retransmitted answers a retransmission with the last response (RFC 3261
// §17.2.2: Proceeding and Completed); in Trying it is absorbed.
func (t *regTx) retransmitted() {
	t.mu.Lock()
	b := t.last
	t.mu.Unlock()
	if b != nil {
		_, _ = t.conn.WriteTo(b, t.dest)
	}
}

func (t *regTx) Acks() <-chan *sip.Request    { return nil } // no ACK for a non-INVITE
func (t *regTx) OnCancel(sip.FnTxCancel) bool { return false }
func (t *regTx) Done() <-chan struct{}        { return t.done }
func (t *regTx) Err() error                   { return nil }
func (t *regTx) Terminate()                   {}
func (t *regTx) OnTerminate(f sip.FnTxTerminate) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.final {
		return false
	}
	t.onEnd = append(t.onEnd, f)
	return true
}
