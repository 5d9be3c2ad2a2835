package capture

import (
	"net/netip"
	"slices"
	"time"
)

// TCP reassembly limits. A small hand-written reassembler rather than
// gopacket's reassembly package: we need per-frame attribution (the frame
// that completed a message), SIP and WebSocket framing on the byte stream,
// and a fallback to raw segments, with no goroutines or per-packet
// allocation; the stream state here is a few fields and one buffer.
const (
	tcpIdleTimeout  = 5 * time.Minute // by packet time
	tcpMaxStreams   = 8192
	tcpMaxBuffered  = 256 << 10 // unconsumed in-order bytes per direction
	tcpMaxOutOfOrd  = 256 << 10 // out-of-order bytes held per direction
	tcpMaxOOOPieces = 256
	tcpDetectWait   = 2048 // bytes to wait for a first line before deciding a stream is not SIP
)

type streamMode uint8

const (
	modeUnknown streamMode = iota
	modeSIP
	modeWebSocket
	modeRaw
)

type flowKey struct{ src, dst netip.AddrPort }

type oooSeg struct {
	seq  uint32
	data []byte
}

// tcpStream is one direction of a TCP connection.
type tcpStream struct {
	key     flowKey
	nextSeq uint32
	mode    streamMode
	buf     []byte
	ooo     []oooSeg
	oooLen  int
	last    time.Time

	wsMsg []byte
}

type tcpTable struct {
	m         map[flowKey]*tcpStream
	nextSweep time.Time
}

func (t *tcpTable) init() { t.m = make(map[flowKey]*tcpStream) }

// seqLess compares TCP sequence numbers modulo 2^32 (RFC 9293 §3.4).
func seqDiff(a, b uint32) int32 { return int32(a - b) }

// segment handles one TCP segment (RFC 9293 §3.1 header).
func (t *tcpTable) segment(d *decoder, src, dst netip.Addr, b []byte, truncated bool) {
	if len(b) < 20 {
		return
	}
	doff := int(b[12]>>4) * 4
	if doff < 20 || len(b) < doff {
		return
	}
	flags := b[13]
	syn, fin, rst := flags&0x02 != 0, flags&0x01 != 0, flags&0x04 != 0
	seq := be32(b[4:8])
	payload := b[doff:]
	k := flowKey{netip.AddrPortFrom(src, be16(b[0:2])), netip.AddrPortFrom(dst, be16(b[2:4]))}
	s := t.m[k]
	if s == nil {
		if len(payload) == 0 && !syn {
			return
		}
		if len(t.m) >= tcpMaxStreams {
			t.evictOldest(d)
		}
		s = &tcpStream{key: k, nextSeq: seq}
		t.m[k] = s
	}
	s.last = d.ts
	if syn {
		// A new connection on this 4-tuple starts afresh.
		if s.mode != modeUnknown || len(s.buf) > 0 {
			s.flush(d)
			*s = tcpStream{key: k, last: d.ts}
		}
		s.nextSeq = seq + 1
		seq++
	}
	if len(payload) > 0 {
		s.add(d, seq, payload)
	}
	if fin || rst {
		s.flush(d)
		delete(t.m, k)
		if rst {
			if r := t.m[flowKey{k.dst, k.src}]; r != nil {
				r.flush(d)
				delete(t.m, r.key)
			}
		}
	}
}

// add places a segment in sequence, holding out-of-order ones, trimming
// retransmitted and overlapping bytes, then frames the in-order data.
func (s *tcpStream) add(d *decoder, seq uint32, p []byte) {
	diff := seqDiff(seq, s.nextSeq)
	if diff > 0 && s.mode == modeRaw {
		// Raw streams are passed on per segment: a gap is not waited for.
		s.nextSeq, diff = seq, 0
	}
	if diff > 0 {
		if len(s.ooo) >= tcpMaxOOOPieces || s.oooLen+len(p) > tcpMaxOutOfOrd {
			s.skipGap(d)
			s.add(d, seq, p)
			return
		}
		s.ooo = append(s.ooo, oooSeg{seq: seq, data: append([]byte(nil), p...)})
		s.oooLen += len(p)
		return
	}
	if -int64(diff) >= int64(len(p)) {
		return // retransmission of data already seen
	}
	s.appendData(p[-diff:])
	s.drainOOO()
	s.process(d)
}

func (s *tcpStream) appendData(p []byte) {
	s.buf = append(s.buf, p...)
	s.nextSeq += uint32(len(p))
}

// drainOOO appends held segments that the in-order data has reached.
func (s *tcpStream) drainOOO() {
	for progress := true; progress && len(s.ooo) > 0; {
		progress = false
		for i := 0; i < len(s.ooo); i++ {
			g := s.ooo[i]
			diff := seqDiff(g.seq, s.nextSeq)
			if diff > 0 {
				continue
			}
			if end := int64(diff) + int64(len(g.data)); end > 0 {
				s.appendData(g.data[-diff:])
				progress = true
			}
			s.oooLen -= len(g.data)
			s.ooo = slices.Delete(s.ooo, i, i+1)
			i--
		}
	}
}

// skipGap gives up waiting for missing bytes: what is buffered is flushed as
// a cut message, and the stream resumes at the earliest held segment.
func (s *tcpStream) skipGap(d *decoder) {
	s.flushBuf(d)
	if len(s.ooo) == 0 {
		return
	}
	first := s.ooo[0].seq
	for _, g := range s.ooo[1:] {
		if seqDiff(g.seq, first) < 0 {
			first = g.seq
		}
	}
	s.nextSeq = first
	s.drainOOO()
	s.process(d)
}

// flush delivers everything still held, at the end of the stream or file.
func (s *tcpStream) flush(d *decoder) {
	for len(s.ooo) > 0 {
		s.skipGap(d)
	}
	s.flushBuf(d)
}

// flushBuf emits the unconsumed bytes as one cut datagram.
func (s *tcpStream) flushBuf(d *decoder) {
	s.process(d)
	// Whatever is left is an incomplete message or frame.
	if len(s.wsMsg) > 0 {
		d.emit(s.key.src, s.key.dst, TCP, d.keep(s.wsMsg), true)
		d.out[len(d.out)-1].WebSocket = true
	}
	if rest := skipCRLF(s.buf); len(rest) > 0 {
		d.emit(s.key.src, s.key.dst, TCP, d.keep(rest), true)
	}
	s.buf = s.buf[:0]
	s.wsMsg = s.wsMsg[:0]
}

func (s *tcpStream) consume(n int) {
	s.buf = s.buf[n:]
}

// process frames messages out of the in-order bytes.
func (s *tcpStream) process(d *decoder) {
	start := s.buf
	defer func() {
		// Move what is left to the front of the original array, and let
		// a large idle buffer go.
		n := copy(start[:cap(start)], s.buf)
		s.buf = start[:n]
		if n == 0 && cap(s.buf) > 64<<10 {
			s.buf = nil
		}
	}()
	for len(s.buf) > 0 {
		switch s.mode {
		case modeUnknown:
			if !s.detect(d) {
				return
			}
		case modeSIP:
			if !s.frameSIP(d) {
				return
			}
		case modeWebSocket:
			if !s.frameWS(d) {
				return
			}
		case modeRaw:
			d.emit(s.key.src, s.key.dst, TCP, d.keep(s.buf), false)
			s.buf = s.buf[len(s.buf):]
			return
		}
	}
}

// detect decides what the stream carries, from its first bytes.
func (s *tcpStream) detect(d *decoder) bool {
	b := skipCRLF(s.buf)
	s.consume(len(s.buf) - len(b))
	if len(b) == 0 {
		return false
	}
	if b[0] < 0x20 || b[0] >= 0x7f { // binary: TLS records, anything else
		s.mode = modeRaw
		return true
	}
	line, ok := lineOf(b)
	if !ok {
		if len(b) < tcpDetectWait {
			return false
		}
		s.mode = modeRaw
		return true
	}
	if isSIPStart(line) {
		s.mode = modeSIP
		return true
	}
	if isHTTPStart(line) {
		end := indexCRLFCRLF(b)
		if end < 0 {
			if len(b) < tcpMaxBuffered {
				return false
			}
			s.mode = modeRaw
			return true
		}
		hdr := b[:end]
		if headerHasToken(hdr, "upgrade", "websocket") {
			// RFC 6455 §4: after the opening handshake the stream carries
			// WebSocket frames; RFC 7118 puts one SIP message in each.
			// The handshake itself is passed on raw.
			d.emit(s.key.src, s.key.dst, TCP, d.keep(b[:end+4]), false)
			s.consume(end + 4)
			s.mode = modeWebSocket
			return true
		}
		s.mode = modeRaw
		return true
	}
	// The capture may have started inside a message: look for the start of
	// the next SIP message.
	if i := findSIPStart(b); i > 0 {
		d.emit(s.key.src, s.key.dst, TCP, d.keep(b[:i]), true)
		s.consume(i)
		s.mode = modeSIP
		return true
	}
	if len(b) < tcpDetectWait {
		return false // the next start line may not have arrived yet
	}
	s.mode = modeRaw
	return true
}

// frameSIP emits one SIP message if it is complete. RFC 3261 §18.3: on a
// stream transport a message ends Content-Length bytes after the empty
// line; CRLFs between messages are keep-alives (RFC 5626 §3.5.1).
func (s *tcpStream) frameSIP(d *decoder) bool {
	b := skipCRLF(s.buf)
	s.consume(len(s.buf) - len(b))
	if len(b) == 0 {
		return false
	}
	end := indexCRLFCRLF(b)
	if end < 0 {
		if line, ok := lineOf(b); ok && !isSIPStart(line) {
			return s.resync(d, b)
		}
		if len(b) > tcpMaxBuffered {
			d.emit(s.key.src, s.key.dst, TCP, d.keep(b), true)
			s.consume(len(b))
		}
		return false
	}
	if !isSIPStart(firstLine(b)) {
		return s.resync(d, b)
	}
	cl := contentLength(b[:end])
	total := end + 4 + cl
	if cl < 0 || total > tcpMaxBuffered {
		total = end + 4
	}
	if len(b) < total {
		return false
	}
	d.emit(s.key.src, s.key.dst, TCP, d.keep(b[:total]), false)
	s.consume(total)
	return true
}

// resync skips bytes that do not start a SIP message (after lost segments)
// up to the next SIP start line; they are passed on raw.
func (s *tcpStream) resync(d *decoder, b []byte) bool {
	i := findSIPStart(b)
	if i < 0 {
		// No start line yet: pass on the complete lines and keep the
		// last partial one, which may become a start line.
		i = lastLineStart(b)
		if i == 0 {
			if len(b) < tcpDetectWait {
				return false
			}
			i = len(b)
		}
	}
	d.emit(s.key.src, s.key.dst, TCP, d.keep(b[:i]), true)
	s.consume(i)
	return true
}

// frameWS unmasks one WebSocket frame (RFC 6455 §5.2) and emits each
// complete text or binary message.
func (s *tcpStream) frameWS(d *decoder) bool {
	b := s.buf
	if len(b) < 2 {
		return false
	}
	fin := b[0]&0x80 != 0
	op := b[0] & 0x0f
	masked := b[1]&0x80 != 0
	n := uint64(b[1] & 0x7f)
	h := 2
	switch n {
	case 126:
		if len(b) < 4 {
			return false
		}
		n = uint64(be16(b[2:4]))
		h = 4
	case 127:
		if len(b) < 10 {
			return false
		}
		n = uint64(be32(b[2:6]))<<32 | uint64(be32(b[6:10]))
		h = 10
	}
	var mask [4]byte
	if masked {
		if len(b) < h+4 {
			return false
		}
		copy(mask[:], b[h:h+4])
		h += 4
	}
	if n > tcpMaxBuffered {
		// Not a WebSocket frame we can hold: give up framing.
		s.mode = modeRaw
		return true
	}
	if uint64(len(b)-h) < n {
		return false
	}
	p := b[h : h+int(n)]
	if op < 8 { // data frames: 0 continuation, 1 text, 2 binary
		start := len(s.wsMsg)
		s.wsMsg = append(s.wsMsg, p...)
		if masked {
			for i := range s.wsMsg[start:] {
				s.wsMsg[start+i] ^= mask[i&3]
			}
		}
		if fin || len(s.wsMsg) > tcpMaxBuffered {
			d.emit(s.key.src, s.key.dst, TCP, d.keep(s.wsMsg), !fin)
			d.out[len(d.out)-1].WebSocket = true
			s.wsMsg = s.wsMsg[:0]
		}
	}
	s.consume(h + int(n))
	return true
}

func (t *tcpTable) evictOldest(d *decoder) {
	var old *tcpStream
	for _, s := range t.m {
		if old == nil || s.last.Before(old.last) {
			old = s
		}
	}
	if old != nil {
		old.flush(d)
		delete(t.m, old.key)
	}
}

// expire drops streams idle for tcpIdleTimeout of packet time.
func (t *tcpTable) expire(d *decoder, now time.Time) {
	if len(t.m) == 0 || now.Before(t.nextSweep) {
		return
	}
	t.nextSweep = now.Add(time.Second)
	var idle []*tcpStream
	for _, s := range t.m {
		if now.Sub(s.last) > tcpIdleTimeout {
			idle = append(idle, s)
		}
	}
	slices.SortFunc(idle, func(a, b *tcpStream) int { return a.last.Compare(b.last) })
	for _, s := range idle {
		s.flush(d)
		delete(t.m, s.key)
	}
}

func (t *tcpTable) flushAll(d *decoder) {
	var all []*tcpStream
	for _, s := range t.m {
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b *tcpStream) int { return a.last.Compare(b.last) })
	for _, s := range all {
		s.flush(d)
		delete(t.m, s.key)
	}
}
