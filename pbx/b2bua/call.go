package b2bua

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/analyze/sdpneg"
	"voiplab/pbx/cdr"
	"voiplab/pbx/relay"
)

// call is one call through the B2BUA.
type call struct {
	b      *B2BUA
	rec    cdr.Record
	in     *sipgo.DialogServerSession // leg 0, towards the caller
	inReq  *sip.Request
	sess   *relay.Session // nil for direct media
	chosen []sdpneg.Format

	mu       sync.Mutex
	out      *sipgo.DialogClientSession // leg 1 once answered
	branches []*branch
	answered bool
	ended    bool
	stopCh   chan string // stop reason (drain, bye, media timeout)
	// lateOffer: the caller's INVITE had no SDP; outAcked guards the one
	// ACK of the callee's 2xx.
	lateOffer bool
	outAcked  sync.Once
	// What each side's SDP announced, for the relay (setPeer).
	peerAddr                   [2]netip.AddrPort
	peerMux, peerSeen, peerEff [2]bool
	byeSeen                    atomic.Bool
}

// branch is one fork of the outgoing INVITE (one contact).
type branch struct {
	dcs      *sipgo.DialogClientSession
	callID   string
	q        *respQueue
	cancel   context.CancelFunc // CANCELs the branch (sipgo waits for a provisional first, RFC 3261 §9.1)
	waitDone chan struct{}      // WaitAnswer returned
	waitErr  error
	final    bool
}

type branchEvent struct {
	br  *branch
	res *sip.Response // nil: the transaction ended without a final response
}

func respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// onInvite handles a new INVITE; a re-INVITE (To tag) goes to onInDialog.
func (b *B2BUA) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		b.onInDialog(req, tx)
		return
	}
	start := b.now()
	if b.refuse.Load() || (b.cfg.Overloaded != nil && b.cfg.Overloaded()) {
		// RFC 3261 §21.5.4, §20.33: try again later.
		respond(tx, req, 503, "Service Unavailable", sip.NewHeader("Retry-After", "30"))
		return
	}
	respond(tx, req, 100, "Trying")
	caller := req.From().Address.User
	if b.cfg.Auth != nil {
		user, ok := b.cfg.Auth.Authenticate(req, tx)
		if !ok {
			return
		}
		caller = user
	}
	callee := req.Recipient.User
	rec := cdr.Record{CallID: req.CallID().Value(), From: caller, To: callee, Start: start, Media: cdr.MediaDirect}
	fail := func(code int, reason string, hdrs ...sip.Header) {
		respond(tx, req, code, reason, hdrs...)
		rec.Status, rec.Reason, rec.End = code, reason, b.now()
		b.metrics().CallStarted()
		b.writeCDR(rec)
	}
	ext, ok := b.cfg.Extension(callee)
	if !ok {
		fail(404, "Not Found")
		return
	}
	contacts := b.cfg.Locator.Contacts(callee)
	if len(contacts) == 0 {
		fail(480, "Temporarily Unavailable")
		return
	}

	// Codec negotiation (RFC 3264 §6.1) on the first audio stream.
	var offer *sdpneg.Session
	var audio *sdpneg.Media
	if body := req.Body(); len(body) > 0 {
		offer, _ = sdpneg.Parse(body)
		if offer != nil {
			for i := range offer.Media {
				if offer.Media[i].Audio() && !offer.Media[i].Rejected() {
					audio = &offer.Media[i]
					break
				}
			}
		}
	}
	callerExt, callerIsExt := b.cfg.Extension(caller)
	var chosen []sdpneg.Format
	if audio != nil {
		allowed := b.allowed(ext, callerExt, callerIsExt)
		var err error
		chosen, err = sdpneg.Choose(audio.Formats, allowed)
		if err != nil {
			var nc *sdpneg.NoCommonCodecError
			if errors.As(err, &nc) {
				// RFC 3261 §20.43 Warning, code 305 "Incompatible media format".
				text := fmt.Sprintf("Incompatible media format: offered %s; allowed %s",
					strings.Join(nc.Offered, " "), strings.Join(nc.Allowed, " "))
				fail(488, "Not Acceptable Here", sip.NewHeader("Warning", fmt.Sprintf("305 %s %q", b.warnAgent(), text)))
				return
			}
			fail(488, "Not Acceptable Here")
			return
		}
	}

	ds, err := b.dua.ReadInvite(req, tx)
	if err != nil {
		fail(500, "Server Internal Error")
		return
	}
	c := &call{b: b, rec: rec, in: ds, inReq: req, chosen: chosen, stopCh: make(chan string, 1), lateOffer: len(req.Body()) == 0}
	if audio != nil && b.wantRelay(ext, callerExt, callerIsExt, req, audio) {
		if b.cfg.Relay == nil {
			b.log.Warn("relay wanted but none configured", "call_id", rec.CallID)
		} else if sess, err := b.cfg.Relay.Allocate(context.Background()); err != nil {
			b.log.Error("relay allocation failed", "call_id", rec.CallID, "error", err)
			fail(503, "Service Unavailable")
			return
		} else {
			c.sess = sess
			c.rec.Media = cdr.MediaRelay
			c.setPeer(0, mediaAddr(offer, audio), audio.RTCPMux)
			sess.SetFormats(chosen)
		}
	}
	if len(chosen) > 0 {
		c.rec.Codec = chosen[0].String()
	}
	b.metrics().CallStarted()
	b.mu.Lock()
	b.calls[rec.CallID] = c
	b.mu.Unlock()
	b.wg.Add(1)
	defer b.wg.Done()
	c.setup(contacts, callee, caller)
}

// allowed is the callee's codec list, narrowed by the caller's extension
// list when it has one.
func (b *B2BUA) allowed(callee, caller Extension, callerIsExt bool) []string {
	list := callee.Codecs
	if len(list) == 0 {
		list = b.cfg.Codecs
	}
	if !callerIsExt || len(caller.Codecs) == 0 {
		return list
	}
	var out []string
	for _, n := range list {
		for _, m := range caller.Codecs {
			if strings.EqualFold(n, m) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

func (b *B2BUA) warnAgent() string {
	if b.cfg.Domain != "" {
		return b.cfg.Domain
	}
	return "voiplab"
}

// wantRelay applies the relay mode: always; an extension asking for it; or,
// in auto mode, a caller whose signalling comes from another address than
// its SDP announces (NAT).
func (b *B2BUA) wantRelay(callee, caller Extension, callerIsExt bool, req *sip.Request, audio *sdpneg.Media) bool {
	if b.cfg.RelayMode == RelayAlways || callee.Relay || (callerIsExt && caller.Relay) {
		return true
	}
	if b.cfg.RelayMode != RelayAuto {
		return false
	}
	src, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return false
	}
	return audio.Connection.IsValid() && src.Addr().Unmap() != audio.Connection.Unmap()
}

// mediaAddr is the RTP address an SDP announces for a media line.
func mediaAddr(s *sdpneg.Session, m *sdpneg.Media) netip.AddrPort {
	a := m.Connection
	if !a.IsValid() && s != nil {
		a = s.Connection
	}
	if !a.IsValid() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(m.Port))
}

// setup forks the INVITE to every contact and relays the responses.
func (c *call) setup(contacts []Contact, callee, caller string) {
	b := c.b
	body := c.inReq.Body()
	if c.sess != nil && len(body) > 0 {
		body = rewriteSDP(body, c.sess.Leg(1), c.chosen)
	}
	events := make(chan branchEvent, 64)
	pending := 0
	for _, ct := range contacts {
		br, err := c.fork(ct, callee, caller, body)
		if err != nil {
			b.log.Warn("fork failed", "call_id", c.rec.CallID, "contact", ct.URI, "error", err)
			continue
		}
		pending++
		go br.read(events)
	}
	if pending == 0 {
		c.finish(480, "Temporarily Unavailable")
		_ = c.in.Respond(480, "Temporarily Unavailable", nil)
		return
	}
	ring := time.NewTimer(b.cfg.RingTimeout)
	defer ring.Stop()
	best, bestReason := 0, ""
	cancelled := false
	callerGone := c.in.Context().Done() // nil once handled: a closed channel would spin the loop
	cancelAll := func(except *branch) {
		for _, br := range c.branchesCopy() {
			if br != except {
				c.cancelBranch(br)
			}
		}
	}
	for pending > 0 {
		select {
		case ev := <-events:
			res := ev.res
			if res == nil { // transaction died: timeout or transport error
				ev.br.final = true
				pending--
				if best == 0 {
					best, bestReason = 408, "Request Timeout"
				}
				continue
			}
			switch {
			case res.IsProvisional():
				if res.StatusCode == 100 || cancelled {
					continue
				}
				rbody := c.answerBody(res, 1)
				var hdrs []sip.Header
				if len(rbody) > 0 {
					hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
				}
				if err := c.in.Respond(res.StatusCode, res.Reason, rbody, hdrs...); err != nil {
					b.log.Debug("provisional not relayed", "call_id", c.rec.CallID, "status", res.StatusCode, "error", err)
				}
			case res.IsSuccess():
				ev.br.final = true
				pending--
				c.mu.Lock()
				won := c.out == nil && !cancelled
				if won {
					c.out = ev.br.dcs
				}
				c.mu.Unlock()
				if !won { // a late 2xx of another branch, or after CANCEL: end it
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_ = ev.br.dcs.Ack(ctx)
					c.b.bye(ctx, c.rec.CallID, ev.br.dcs)
					cancel()
					b.unregister(ev.br.callID)
					continue
				}
				if !c.lateOffer {
					c.ackOut(nil)
				}
				// With a late offer (RFC 3261 §13.2.1: INVITE without SDP)
				// the 2xx carries the callee's offer and the caller's ACK
				// the answer: the callee's ACK waits for it (onAck).
				cancelAll(ev.br)
				c.answer(res)
				b.wg.Add(1)
				go func() { defer b.wg.Done(); c.waitOthers(events, pending) }()
				c.established()
				return
			default:
				ev.br.final = true
				pending--
				b.unregister(ev.br.callID)
				// RFC 3261 §16.7 step 6 (simplified): 6xx wins, else busy
				// (486/600) over the lowest class, else the lowest code.
				if best == 0 || res.StatusCode >= 600 || res.StatusCode == 486 && best != 486 && best < 600 || res.StatusCode < best && best != 486 && best < 600 {
					best, bestReason = res.StatusCode, res.Reason
				}
			}
		case <-callerGone:
			// The caller cancelled: sipgo answered CANCEL 200 and INVITE 487.
			callerGone = nil
			if !cancelled {
				cancelled = true
				cancelAll(nil)
				best, bestReason = 487, "Request Terminated"
			}
		case reason := <-c.stopCh:
			if !cancelled {
				cancelled = true
				cancelAll(nil)
				best, bestReason = 480, "Temporarily Unavailable"
				_ = c.in.Respond(480, "Temporarily Unavailable", nil, sip.NewHeader("Reason", "SIP;cause=480;text=\""+reason+"\""))
			}
		case <-ring.C:
			if !cancelled {
				cancelled = true
				cancelAll(nil)
				best, bestReason = 480, "Temporarily Unavailable"
				_ = c.in.Respond(480, "Temporarily Unavailable", nil)
			}
		}
	}
	if best == 0 {
		best, bestReason = 500, "Server Internal Error"
	}
	if !cancelled {
		_ = c.in.Respond(best, bestReason, nil)
	}
	c.finish(best, bestReason)
}

// waitOthers absorbs the final responses of the losing branches.
func (c *call) waitOthers(events chan branchEvent, pending int) {
	timeout := time.After(40 * time.Second)
	for pending > 0 {
		select {
		case ev := <-events:
			if ev.res == nil || !ev.res.IsProvisional() {
				pending--
				if ev.res != nil && ev.res.IsSuccess() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_ = ev.br.dcs.Ack(ctx)
					c.b.bye(ctx, c.rec.CallID, ev.br.dcs)
					cancel()
				}
				c.b.unregister(ev.br.callID)
			}
		case <-timeout:
			return
		}
	}
}

// fork sends the INVITE to one contact.
func (c *call) fork(ct Contact, callee, caller string, body []byte) (*branch, error) {
	b := c.b
	var uri sip.Uri
	if err := sip.ParseUri(ct.URI, &uri); err != nil {
		return nil, fmt.Errorf("contact uri: %w", err)
	}
	req := sip.NewRequest(sip.INVITE, uri)
	// A From header on each leg: sipgo would put the UA's name there.
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: caller, Host: b.domain()}}
	if f := c.inReq.From(); f != nil {
		from.DisplayName = f.DisplayName
	}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: callee, Host: b.domain()}})
	callID := sip.CallIDHeader(sip.GenerateTagN(24) + "@b2bua")
	req.AppendHeader(&callID)
	if len(body) > 0 {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
	}
	if ct.Addr.IsValid() {
		req.SetDestination(ct.Addr.String())
	}
	if ct.Transport != "" {
		req.SetTransport(strings.ToUpper(ct.Transport))
	}
	br := &branch{callID: callID.Value(), q: newRespQueue()}
	// Register before sending: the first response may come at once.
	b.mu.Lock()
	b.queues[br.callID] = br.q
	b.legs[br.callID] = c
	b.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	dcs, err := b.dua.WriteInvite(ctx, req)
	if err != nil {
		cancel()
		b.unregister(br.callID)
		return nil, err
	}
	br.dcs, br.cancel, br.waitDone = dcs, cancel, make(chan struct{})
	done := br.waitDone
	go func() {
		br.waitErr = dcs.WaitAnswer(ctx, sipgo.AnswerOptions{})
		close(done)
	}()
	c.mu.Lock()
	c.branches = append(c.branches, br)
	c.mu.Unlock()
	return br, nil
}

// read passes the branch's responses on in arrival order, until the final
// one. sipgo's WaitAnswer runs beside it: it reads the transaction's own
// (unordered) channel, keeps the transaction's state machine going, sets the
// dialog up on a 2xx and sends CANCEL when the branch is cancelled; the
// ordered copies of the responses come through the queue.
func (br *branch) read(events chan<- branchEvent) {
	var grace <-chan time.Time
	waitDone := br.waitDone // nil once seen: a closed channel would spin the select
	for {
		for r := br.q.pop(); r != nil; r = br.q.pop() {
			if r.IsSuccess() {
				<-br.waitDone // the dialog is set up by WaitAnswer
				if cur := br.dcs.InviteResponse; cur == nil || !cur.IsSuccess() {
					// WaitAnswer gave up early (it stops after 10
					// provisional responses): set the dialog up here.
					br.dcs.InviteResponse = r
					if id, err := sip.DialogIDFromResponse(r); err == nil {
						br.dcs.ID = id
					}
				}
			}
			events <- branchEvent{br: br, res: r}
			if !r.IsProvisional() {
				return
			}
		}
		select {
		case <-br.q.notify:
		case <-waitDone:
			waitDone = nil
			// The final response may still be on its way to the queue.
			grace = time.After(time.Second)
		case <-grace:
			if br.waitErr == nil && br.dcs.InviteResponse != nil && br.dcs.InviteResponse.IsSuccess() {
				events <- branchEvent{br: br, res: br.dcs.InviteResponse}
			} else {
				events <- branchEvent{br: br}
			}
			return
		}
	}
}

// cancelBranch cancels a branch that has no final response yet.
func (c *call) cancelBranch(br *branch) {
	c.mu.Lock()
	final := br.final
	c.mu.Unlock()
	if !final {
		br.cancel()
	}
}

func (c *call) branchesCopy() []*branch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*branch(nil), c.branches...)
}

// answerBody returns the body of a response from leg `from` as the other
// leg must see it.
func (c *call) answerBody(res *sip.Response, from int) []byte {
	if len(res.Body()) == 0 {
		return nil
	}
	return c.relayBody(res.Body(), from)
}

// answer relays the winning 2xx to the caller.
func (c *call) answer(res *sip.Response) {
	b := c.b
	body := c.answerBody(res, 1)
	if s, _ := sdpneg.Parse(res.Body()); s != nil {
		for _, m := range s.Media {
			if m.Audio() && !m.Rejected() {
				for _, f := range m.Formats {
					if !f.Event() && !f.ComfortNoise() {
						c.rec.Codec = f.String()
						break
					}
				}
				if c.sess != nil {
					c.sess.SetFormats(m.Formats)
				}
				break
			}
		}
	}
	var hdrs []sip.Header
	if len(body) > 0 {
		hdrs = append(hdrs, sip.NewHeader("Content-Type", "application/sdp"))
	}
	// Answered before the 200 leaves: a BYE may follow it at once.
	now := b.now()
	c.mu.Lock()
	c.answered = true
	c.rec.Answer = &now
	c.mu.Unlock()
	// sipgo's Respond retransmits the 2xx until the ACK comes (RFC 3261
	// §13.3.1.4), up to 64·T1: it runs aside so that a BYE, a Drain or dead
	// media can end the call meanwhile. It fails when the caller's BYE
	// overtook its ACK (not a failure), when the caller's CANCEL crossed the
	// 200, or when no ACK came: then the call ends.
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		err := c.in.Respond(200, "OK", body, hdrs...)
		if err == nil || c.byeSeen.Load() {
			return
		}
		b.log.Info("answer not acknowledged", "call_id", c.rec.CallID, "error", err)
		if errors.Is(context.Cause(c.in.Context()), sip.ErrTransactionCanceled) {
			c.stop(stopCancelled)
			return
		}
		c.stop(stopNoAck)
	}()
}

// Reasons to stop a call.
const (
	stopBye       = "bye"
	stopDrain     = "drain"
	stopNoAck     = "no ack"
	stopCancelled = "cancelled"
)

// established waits for the end of an answered call.
func (c *call) established() {
	var timeout <-chan struct{}
	if c.sess != nil {
		timeout = c.sess.Done()
	}
	select {
	case reason := <-c.stopCh:
		switch reason {
		case stopBye:
		case stopCancelled:
			// CANCEL crossed the 200 (RFC 3261 §9.2): the caller got 487.
			c.ackOut(nil)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.b.bye(ctx, c.rec.CallID, c.out)
			cancel()
			c.mu.Lock()
			c.rec.Answer = nil
			c.mu.Unlock()
			c.finish(487, "Request Terminated")
			return
		default:
			c.byeBoth()
		}
	case <-timeout:
		c.b.log.Info("media timeout, ending call", "call_id", c.rec.CallID)
		c.byeBoth()
	}
	c.finish(200, "OK")
}

// ackOut acknowledges the callee's 2xx once, with body (the caller's SDP
// answer of a late offer) or without.
func (c *call) ackOut(body []byte) {
	c.outAcked.Do(func() {
		out := c.out
		ack := sip.NewRequest(sip.ACK, out.InviteResponse.Contact().Address)
		if len(body) > 0 {
			ack.SetBody(body)
			ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := out.WriteAck(ctx, ack); err != nil {
			c.b.log.Warn("ack to callee failed", "call_id", c.rec.CallID, "error", err)
		}
	})
}

func (c *call) byeBoth() {
	c.ackOut(nil) // a dialog is BYEd only once confirmed
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.b.bye(ctx, c.rec.CallID, c.in) }()
	go func() { defer wg.Done(); c.b.bye(ctx, c.rec.CallID, c.out) }()
	wg.Wait()
}

// stop ends the call for a reason (non-blocking).
func (c *call) stop(reason string) {
	select {
	case c.stopCh <- reason:
	default:
	}
}

// finish writes the CDR once and forgets the call.
func (c *call) finish(status int, reason string) {
	b := c.b
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	c.rec.Status, c.rec.Reason, c.rec.End = status, reason, b.now()
	if c.rec.Answer != nil {
		c.rec.DurationMs = c.rec.End.Sub(*c.rec.Answer).Milliseconds()
	}
	branches := c.branches
	c.mu.Unlock()
	if c.sess != nil {
		c.sess.Close()
		st := c.sess.Stats()
		c.rec.RTP = st[:]
		rtp, rtcp := c.sess.Relayed()
		b.metrics().PacketsRelayed(rtp + rtcp)
		if c.rec.Answer != nil {
			for _, d := range st {
				if d.Packets > 0 {
					b.metrics().MediaQuality(d)
				}
			}
		}
	}
	b.mu.Lock()
	delete(b.calls, c.rec.CallID)
	for _, br := range branches {
		delete(b.queues, br.callID)
		if c.out == nil || br.dcs != c.out {
			delete(b.legs, br.callID)
		}
	}
	if c.out != nil {
		delete(b.legs, c.out.InviteRequest.CallID().Value())
	}
	b.mu.Unlock()
	b.writeCDR(c.rec)
}

func (b *B2BUA) writeCDR(rec cdr.Record) {
	if rec.RTP == nil {
		rec.RTP = []cdr.Direction{} // JSON [] rather than null: no relayed media
	}
	b.metrics().CallEnded(rec.Status)
	b.log.Info("call ended", "call_id", rec.CallID, "from", rec.From, "to", rec.To, "status", rec.Status, "media", rec.Media)
	if b.cfg.OnCDR != nil {
		b.cfg.OnCDR(rec)
	}
}

func (b *B2BUA) unregister(callID string) {
	b.mu.Lock()
	delete(b.queues, callID)
	b.mu.Unlock()
}

func (b *B2BUA) domain() string {
	if b.cfg.Domain != "" {
		return b.cfg.Domain
	}
	return b.cfg.Client.Hostname()
}

func (c *call) info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := "ringing"
	if c.answered {
		st = "answered"
	}
	return CallInfo{CallID: c.rec.CallID, From: c.rec.From, To: c.rec.To, State: st, Start: c.rec.Start,
		Answer: c.rec.Answer, Media: c.rec.Media, Codec: c.rec.Codec}
}
