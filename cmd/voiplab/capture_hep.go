package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"voiplab/analyze"
	"voiplab/analyze/rtcpreport"
	"voiplab/analyze/sipmsg"
	"voiplab/capture"
	"voiplab/capture/hep"
)

// hepForwarder sends what a capture decodes to a HEP collector: each SIP
// message with its Call-ID as correlation, each RTCP datagram as JSON with
// the Call-ID of the call whose SDP announced its address. Send errors are
// counted, never fatal: a collector that restarts must not stop a capture.
type hepForwarder struct {
	s      *hep.Sender
	an     *analyze.Analyzer
	target string
	errs   int
	last   error
}

func dialHEP(ctx context.Context, target string, an *analyze.Analyzer) (*hepForwarder, error) {
	t, err := hep.ParseTarget(target)
	if err != nil {
		return nil, usageError{fmt.Errorf("--hep: %w", err)}
	}
	s, err := t.Dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("--hep %s: %w", target, err)
	}
	return &hepForwarder{s: s, an: an, target: t.String()}, nil
}

func (h *hepForwarder) forward(d *capture.Datagram) {
	if h == nil || len(d.Payload) == 0 {
		return
	}
	var err error
	switch {
	case sipmsg.LooksLikeSIP(d.Payload):
		callID := ""
		if m, perr := sipmsg.Parse(d.Payload); perr == nil {
			callID = m.CallID
		}
		err = h.s.SendSIP(d, callID)
	case d.Transport == capture.UDP && rtcpreport.LooksLikeRTCP(d.Payload):
		err = h.s.SendRTCP(d, h.an.CallIDOf(d))
	default:
		return
	}
	if err != nil {
		h.errs++
		h.last = err
	}
}

func (h *hepForwarder) close(w io.Writer) {
	if h == nil {
		return
	}
	fmt.Fprintf(w, "voiplab: sent %d HEP packets to %s", h.s.Sent(), h.target)
	if h.errs > 0 {
		fmt.Fprintf(w, ", %d failed (last: %v)", h.errs, h.last)
	}
	fmt.Fprintln(w)
	h.s.Close()
}

// runHEPListen receives HEPv3 (from sngrep, Kamailio's siptrace, a capture
// agent) and analyses it live like a capture: one line per call event, -w
// writes what arrived as pcapng, --report the HTML report at the end.
func runHEPListen(ctx context.Context, g *globals, o *captureOptions) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	l, err := hep.Listen(ctx, o.hepListen, hep.WithLogger(log))
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintf(g.stderr, "voiplab: receiving HEP on %s (UDP and TCP)\n", l.Addr())

	write, cleanup, err := outputPath(o)
	if err != nil {
		return err
	}
	defer cleanup()
	var w *capture.Writer
	var fh *os.File
	if write != "" {
		if fh, err = os.Create(write); err != nil {
			return err
		}
		defer fh.Close()
		if w, err = capture.NewWriter(fh, capture.WriterOptions{Comment: "received as HEP by voiplab capture --hep-listen " + o.hepListen}); err != nil {
			return err
		}
	}
	pr := newEventPrinter(g.stdout)
	opts := analyze.DefaultOptions()
	opts.Logger, opts.KeepRaw, opts.OnEvent = log, false, pr.event
	an := analyze.New(opts)
	var last capture.Datagram
	n := 0
	for o.count <= 0 || n < o.count {
		d, err := l.Next(ctx)
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			break
		}
		if err != nil {
			return err
		}
		n++
		an.Datagram(d)
		last = *d
		if w != nil {
			if err := w.WriteDatagram(d); err != nil {
				log.Warn("cannot write datagram", "err", err)
			}
		}
	}
	st := l.Stats()
	fmt.Fprintf(g.stderr, "voiplab: %d HEP packets received, %d analysed, %d skipped, %d errors\n", st.Received, n, st.Skipped, st.Errors)
	if !last.Time.IsZero() {
		pr.clamp = last.Time
		an.FlushAll(last.Time)
	}
	pr.summary(an.Result())
	if w != nil {
		if err := w.Flush(); err != nil {
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	}
	if o.report != "" {
		return writeCaptureReport(context.WithoutCancel(ctx), g, o, []string{write}, log)
	}
	return nil
}
