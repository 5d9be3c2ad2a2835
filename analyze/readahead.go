package analyze

import (
	"context"
	"errors"
	"io"

	"voiplab/analyze/sdpneg"
	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

// Reading a file is split in two goroutines, so that an analysis uses two
// cores: the read-ahead goroutine reads and decodes the frames and parses
// every SIP message and its SDP (pure functions of the payload), and the
// analysing goroutine correlates them (dialogs, streams, statistics) in
// capture order. Batches of datagrams go from one to the other through a
// channel and come back through another, so that memory stays at a few
// batches whatever the size of the file. The order of the datagrams, and so
// the Result, is the same as with Datagram called in a loop.

const (
	batchDatagrams  = 1024      // datagrams per batch
	batchArena      = 512 << 10 // payload bytes per batch (a larger payload gets its own batch)
	batchesInFlight = 4
)

// parsed is what the read-ahead goroutine learnt of a SIP datagram.
type parsed struct {
	done   bool // the datagram looked like SIP and was parsed
	msg    *sipmsg.Message
	err    error // sipmsg.ErrNotSIP
	sdp    *sdpneg.Session
	sdpErr error
}

// parseSIP parses a SIP message and its SDP body.
func parseSIP(ps *sipmsg.Parser, payload []byte) parsed {
	p := parsed{done: true}
	p.msg, p.err = ps.Parse(payload)
	if p.err == nil && p.msg.IsSDP() {
		p.sdp, p.sdpErr = sdpneg.Parse(p.msg.SDPBody())
	}
	return p
}

// batch is a run of datagrams read ahead, their payloads copied into arena.
type batch struct {
	ds    []capture.Datagram
	sip   []parsed // index-aligned with ds
	arena []byte

	done, total int64 // progress after the batch
	err         error // a read error after the batch's datagrams
	eof         bool  // the file is read; info describes it
	info        capture.FileInfo
}

// readAhead reads r into batches until the end of the file, an error or
// the cancellation of ctx, and closes out.
func readAhead(ctx context.Context, r *capture.Reader, free <-chan *batch, out chan<- *batch) {
	defer close(out)
	var ps sipmsg.Parser
	for n := 0; ; n++ {
		var b *batch
		select {
		case b = <-free:
		case <-ctx.Done():
			return
		}
		b.ds, b.sip, b.arena = b.ds[:0], b.sip[:0], b.arena[:0]
		for len(b.ds) < batchDatagrams {
			d, err := r.Next()
			if errors.Is(err, io.EOF) {
				b.eof, b.info = true, r.Info()
				break
			}
			if err != nil {
				b.err = err
				break
			}
			if len(b.ds) > 0 && len(b.arena)+len(d.Payload) > cap(b.arena) {
				// no room: this datagram starts the next batch
				b.done, b.total = r.Progress()
				select {
				case out <- b:
				case <-ctx.Done():
					return
				}
				select {
				case b = <-free:
				case <-ctx.Done():
					return
				}
				b.ds, b.sip, b.arena = b.ds[:0], b.sip[:0], b.arena[:0]
			}
			c := *d
			start := len(b.arena)
			b.arena = append(b.arena, d.Payload...)
			c.Payload = b.arena[start:len(b.arena):len(b.arena)]
			var p parsed
			if len(c.Payload) > 0 && looksLikeSIP(c.Payload) {
				p = parseSIP(&ps, c.Payload)
			}
			b.ds = append(b.ds, c)
			b.sip = append(b.sip, p)
		}
		b.done, b.total = r.Progress()
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		if b.eof || b.err != nil {
			return
		}
	}
}
