package phone

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"voiplab/analyze/sdpneg"
)

// Call is one established call of a phone.
type Call struct {
	phone  *Phone
	media  *media
	hangup func(ctx context.Context) error
	ended  chan struct{}
	once   sync.Once
	// Codec is the audio codec the phone sends, Event the telephone-event
	// format (PT -1 when not negotiated).
	Codec, Event sdpneg.Format
}

// Stats are what a call's media sent and received.
type Stats struct {
	Sent, Received int
	// Digits are the RFC 4733 digits received.
	Digits string
}

// Stats returns the call's media counters.
func (c *Call) Stats() Stats {
	c.media.mu.Lock()
	defer c.media.mu.Unlock()
	return Stats{Sent: c.media.sent, Received: c.media.received, Digits: c.media.digits.String()}
}

// Recording returns the audio the phone received, decoded to linear PCM
// in arrival order (no jitter buffer, lost packets skipped), and its
// sampling rate: 8000 for G.711, 16000 for G.722. It keeps a minute at most.
func (c *Call) Recording() (pcm []int16, rate int) {
	c.media.mu.Lock()
	defer c.media.mu.Unlock()
	if c.media.dec == nil {
		return nil, 0
	}
	return append([]int16(nil), c.media.recording...), c.media.dec.rate
}

// Talk sends the tone for d (and digits as RFC 4733 events from 1 s in),
// paced in real time.
func (c *Call) Talk(ctx context.Context, d time.Duration, digits string) error {
	return c.media.talk(ctx, d, digits)
}

// Ended is closed when the call is over (either side hung up).
func (c *Call) Ended() <-chan struct{} { return c.ended }

func (c *Call) end() {
	c.once.Do(func() {
		close(c.ended)
		go c.media.close()
	})
}

// Hangup sends BYE and releases the media.
func (c *Call) Hangup(ctx context.Context) error {
	err := c.hangup(ctx)
	c.end()
	c.media.close()
	return err
}

// Call sends INVITE to uri (through the phone's outbound proxy when the
// URI's host is the PBX), answers a 401/407 challenge with the phone's
// password, and returns the answered call after its ACK. A final error
// response is a *RejectedError.
func (p *Phone) Call(ctx context.Context, uri string) (*Call, error) {
	if err := p.waitReady(ctx); err != nil {
		return nil, err
	}
	var to sip.Uri
	if err := sip.ParseUri(uri, &to); err != nil {
		return nil, fmt.Errorf("phone %s: call %q: %w", p.cfg.User, uri, err)
	}
	m, err := p.newMedia()
	if err != nil {
		return nil, err
	}
	offer := offerFormats(p.cfg.Codecs)
	body := buildSDP(uint64(m.ssrc), p.sdpAddr(), m.port, offer)
	fromParams := sip.NewParams()
	fromParams.Add("tag", p.tag())
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: p.cfg.User, Host: p.cfg.Domain}, Params: fromParams}
	sess, err := p.dcc.Invite(ctx, to, body, from, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		m.rawRTP.Close()
		m.rawRTCP.Close()
		return nil, fmt.Errorf("phone %s: invite: %w", p.cfg.User, err)
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: p.cfg.User, Password: p.cfg.Password})
	if err != nil {
		m.rawRTP.Close()
		m.rawRTCP.Close()
		var de *sipgo.ErrDialogResponse
		if errors.As(err, &de) && de.Res != nil {
			return nil, &RejectedError{Method: "INVITE", Status: de.Res.StatusCode, Reason: de.Res.Reason}
		}
		return nil, fmt.Errorf("phone %s: invite: %w", p.cfg.User, err)
	}
	if err := sess.Ack(ctx); err != nil {
		m.rawRTP.Close()
		m.rawRTCP.Close()
		return nil, fmt.Errorf("phone %s: ack: %w", p.cfg.User, err)
	}
	c := &Call{phone: p, media: m, ended: make(chan struct{}),
		hangup: func(ctx context.Context) error { return sess.Bye(ctx) }}
	if err := p.setupMedia(c, sess.InviteResponse.Body()); err != nil {
		_ = sess.Bye(ctx)
		m.close()
		return nil, err
	}
	go func() {
		<-sess.Context().Done()
		c.end()
	}()
	return c, nil
}

// setupMedia applies the remote SDP and starts the receiver.
func (p *Phone) setupMedia(c *Call, remoteSDP []byte) error {
	rm, err := parseRemote(remoteSDP)
	if err != nil {
		return err
	}
	audio, event, err := pick(rm.formats)
	if err != nil {
		return fmt.Errorf("phone %s: %w", p.cfg.User, err)
	}
	if event.PT < 0 && p.cfg.EventsWithoutNegotiation {
		event = sdpneg.Format{PT: EventPT, Name: "telephone-event", ClockRate: 8000}
	}
	c.Codec, c.Event = audio, event
	c.media.audio, c.media.event, c.media.remote = audio, event, rm.addr
	return c.media.start(&p.cfg)
}

// onInvite answers an incoming call: 180, then 200 with the SDP answer when
// an offered codec is in the phone's list (RFC 3264 §6), else 488.
func (p *Phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	dlg, err := p.dsc.ReadInvite(req, tx)
	if err != nil {
		p.log.Debug("read invite", "err", err)
		return
	}
	rm, err := parseRemote(req.Body())
	if err != nil {
		_ = dlg.Respond(400, "Bad Request", nil)
		return
	}
	chosen, err := sdpneg.Choose(rm.formats, p.cfg.Codecs)
	if err != nil {
		// RFC 3261 §21.4.26: none of the offered codecs is acceptable.
		_ = dlg.Respond(488, "Not Acceptable Here", nil, sip.NewHeader("Warning", `304 voiplab "Incompatible media format"`))
		return
	}
	_ = dlg.Respond(180, "Ringing", nil)
	m, err := p.newMedia()
	if err != nil {
		_ = dlg.Respond(500, "Server Internal Error", nil)
		return
	}
	c := &Call{phone: p, media: m, ended: make(chan struct{}),
		hangup: func(ctx context.Context) error { return dlg.Bye(ctx) }}
	answer := buildSDP(uint64(m.ssrc), p.sdpAddr(), m.port, chosen)
	if err := p.setupMedia(c, buildSDP(0, rm.addr.Addr(), int(rm.addr.Port()), chosen)); err != nil {
		_ = dlg.Respond(488, "Not Acceptable Here", nil)
		m.close()
		return
	}
	if err := dlg.Respond(200, "OK", answer, sip.NewHeader("Content-Type", "application/sdp")); err != nil {
		m.close()
		return
	}
	go func() {
		<-dlg.Context().Done()
		c.end()
	}()
	select {
	case p.incoming <- c:
	default:
		p.log.Warn("incoming call dropped: nobody takes calls")
	}
}

func (p *Phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	if err := p.dsc.ReadBye(req, tx); err == nil {
		return
	}
	if err := p.dcc.ReadBye(req, tx); err != nil {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}
}
