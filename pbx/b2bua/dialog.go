package b2bua

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/analyze/sdpneg"
)

// find returns the call of an in-dialog request and the side it came
// from: 0 the caller, 1 the callee.
func (b *B2BUA) find(req *sip.Request) (*call, int) {
	id := req.CallID()
	if id == nil {
		return nil, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.calls[id.Value()]; c != nil {
		return c, 0
	}
	if c := b.legs[id.Value()]; c != nil {
		return c, 1
	}
	return nil, 0
}

func (b *B2BUA) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c, side := b.find(req)
	if c == nil || side != 0 {
		return // ACKs of re-INVITEs: the B2BUA acknowledged the other leg itself
	}
	if err := c.in.ReadAck(req, tx); err != nil {
		return // an ACK of a re-INVITE's 2xx (another CSeq)
	}
	c.mu.Lock()
	out := c.out
	c.mu.Unlock()
	if out != nil && c.lateOffer {
		c.ackOut(c.relayBody(req.Body(), 0))
	}
}

func (b *B2BUA) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c, side := b.find(req)
	if c == nil {
		b.log.Debug("bye for no call", "call_id", req.CallID().Value())
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.mu.Lock()
	out, answered := c.out, c.answered
	c.mu.Unlock()
	b.log.Debug("bye", "call_id", c.rec.CallID, "side", side, "answered", answered)
	if side == 1 && (out == nil || out.InviteRequest.CallID().Value() != req.CallID().Value()) {
		respond(tx, req, 200, "OK") // a losing branch
		return
	}
	if !answered {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.byeSeen.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if side == 0 {
		_ = c.in.ReadBye(req, tx)
		c.ackOut(nil) // BYE before ACK: the callee's dialog is confirmed first
		b.bye(ctx, c.rec.CallID, out)
	} else {
		_ = out.ReadBye(req, tx)
		c.b.bye(ctx, c.rec.CallID, c.in)
	}
	c.stop(stopBye)
}

// onCancel gets the CANCELs that match no INVITE transaction (sipgo
// answers the others itself, 200 then 487).
func (b *B2BUA) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

// onPrack: the B2BUA sends no reliable provisional responses (RFC 3262), so
// a PRACK matches nothing.
func (b *B2BUA) onPrack(req *sip.Request, tx sip.ServerTransaction) {
	respond(tx, req, 481, "Call/Transaction Does Not Exist")
}

// onInDialog relays a re-INVITE, UPDATE or INFO to the other leg and its
// final response back (hold and unhold are re-INVITEs or UPDATEs with a
// new SDP, RFC 3264 §8.4, RFC 3311).
func (b *B2BUA) onInDialog(req *sip.Request, tx sip.ServerTransaction) {
	c, side := b.find(req)
	if c == nil {
		respond(tx, req, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.mu.Lock()
	out, answered := c.out, c.answered
	c.mu.Unlock()
	if !answered || out == nil {
		respond(tx, req, 491, "Request Pending")
		return
	}
	var target sip.Uri
	if side == 0 {
		target = out.InviteResponse.Contact().Address
	} else {
		target = c.inReq.Contact().Address
	}
	nreq := sip.NewRequest(req.Method, target)
	if body := req.Body(); len(body) > 0 {
		nreq.SetBody(c.relayBody(body, side))
		if ct := req.ContentType(); ct != nil {
			nreq.AppendHeader(sip.HeaderClone(ct))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	var res *sip.Response
	var err error
	if side == 0 {
		res, err = out.Do(ctx, nreq)
	} else {
		res, err = c.in.Do(ctx, nreq)
	}
	if err != nil {
		respond(tx, req, 408, "Request Timeout")
		return
	}
	if req.IsInvite() && res.IsSuccess() {
		// RFC 3261 §13.2.2.4: the B2BUA acknowledges the 2xx on its leg.
		ack := sip.NewRequest(sip.ACK, target)
		if side == 0 {
			err = out.WriteRequest(ack)
		} else {
			err = c.in.WriteRequest(ack)
		}
		if err != nil {
			b.log.Warn("re-invite ack failed", "call_id", c.rec.CallID, "error", err)
		}
	}
	var body []byte
	if len(res.Body()) > 0 {
		body = c.relayBody(res.Body(), 1-side)
	}
	r := sip.NewResponseFromRequest(req, res.StatusCode, res.Reason, body)
	if len(body) > 0 {
		if ct := res.ContentType(); ct != nil {
			r.AppendHeader(sip.HeaderClone(ct))
		}
	}
	if res.IsSuccess() && (req.IsInvite() || req.Method == sip.UPDATE) {
		r.AppendHeader(c.ourContact(side))
	}
	_ = tx.Respond(r)
}

// ourContact is the Contact the B2BUA gave the side's dialog.
func (c *call) ourContact(side int) sip.Header {
	var h *sip.ContactHeader
	if side == 0 && c.in.InviteResponse != nil {
		h = c.in.InviteResponse.Contact()
	} else if side == 1 {
		h = c.out.InviteRequest.Contact()
	}
	if h == nil {
		h = &c.b.dua.ContactHDR
	}
	return sip.HeaderClone(h)
}

// relayBody is an SDP body from side `from` as the other side must see it:
// with relayed media, the relay learns the side's new address (a hold may
// announce c=0.0.0.0 or sendonly) and the body points at the relay's leg
// facing the other side; with direct media the body is untouched.
func (c *call) relayBody(body []byte, from int) []byte {
	if c.sess == nil {
		return body
	}
	s, _ := sdpneg.Parse(body)
	if s == nil {
		return body
	}
	for i := range s.Media {
		m := &s.Media[i]
		if m.Audio() {
			c.setPeer(from, mediaAddr(s, m), m.RTCPMux)
			break
		}
	}
	return rewriteSDP(body, c.sess.Leg(1-from), nil)
}

// byer is a dialog leg that can send BYE.
type byer interface {
	Bye(ctx context.Context) error
}

// bye ends one leg and logs a refusal. sipgo's Bye returns the value
// ErrDialogResponse (WaitAnswer returns a pointer): LIBRARIES.md.
func (b *B2BUA) bye(ctx context.Context, callID string, leg byer) {
	err := leg.Bye(ctx)
	if err == nil {
		return
	}
	var de sipgo.ErrDialogResponse
	if errors.As(err, &de) && de.Res != nil {
		b.log.Info("bye refused", "call_id", callID, "status", de.Res.StatusCode)
		return
	}
	b.log.Info("bye failed", "call_id", callID, "error", err)
}

// setPeer tells the relay where side `from` receives media. RTCP is
// multiplexed on a leg only when both sides' SDP have a=rtcp-mux (RFC 5761
// §5.1.1: the answer keeps it only if the offer had it, and the B2BUA
// passes each side's attribute to the other), so a side's flag is
// recomputed when the other side's SDP changes it.
func (c *call) setPeer(from int, addr netip.AddrPort, mux bool) {
	c.mu.Lock()
	c.peerAddr[from], c.peerMux[from], c.peerSeen[from] = addr, mux, true
	other := 1 - from
	eff := mux && (!c.peerSeen[other] || c.peerMux[other])
	otherEff := c.peerMux[other] && mux
	update := c.peerSeen[other] && otherEff != c.peerEff[other]
	c.peerEff[from] = eff
	if update {
		c.peerEff[other] = otherEff
	}
	oaddr := c.peerAddr[other]
	c.mu.Unlock()
	c.sess.SetPeer(from, addr, eff)
	if update {
		c.sess.SetPeer(other, oaddr, otherEff)
	}
}
