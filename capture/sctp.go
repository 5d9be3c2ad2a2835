package capture

import (
	"net/netip"
	"slices"
	"time"
)

// SCTP user-message reassembly limits.
const (
	sctpMaxMessages = 1024      // messages being reassembled at once
	sctpMaxMessage  = 256 << 10 // bytes per message
)

type sctpKey struct {
	flow   flowKey
	stream uint16
}

type sctpMsg struct {
	key   sctpKey
	data  []byte
	frame int
	time  time.Time
}

// sctpTable joins the fragments of SCTP user messages split over several
// DATA chunks (RFC 9260 §3.3.1: B and E flags), per stream, in arrival
// order.
type sctpTable struct {
	m map[sctpKey]*sctpMsg
}

// packet emits the user data of each DATA (RFC 9260 §3.3.1) and I-DATA
// (RFC 8260 §2.1) chunk of an SCTP packet (RFC 9260 §3: 12-byte common
// header, then chunks padded to 4 bytes).
func (t *sctpTable) packet(d *decoder, src, dst netip.Addr, b []byte, truncated bool) {
	if len(b) < 12 {
		return
	}
	fk := flowKey{netip.AddrPortFrom(src, be16(b[0:2])), netip.AddrPortFrom(dst, be16(b[2:4]))}
	off := 12
	for off+4 <= len(b) {
		typ, flags := b[off], b[off+1]
		clen := int(be16(b[off+2 : off+4]))
		if clen < 4 {
			return
		}
		end := off + clen
		cut := truncated
		if end > len(b) {
			end, cut = len(b), true
		}
		switch {
		case typ == 0 && end-off >= 16:
			t.data(d, sctpKey{fk, be16(b[off+8 : off+10])}, flags, b[off+16:end], cut)
		case typ == 64 && end-off >= 20:
			t.data(d, sctpKey{fk, be16(b[off+8 : off+10])}, flags, b[off+20:end], cut)
		}
		off += (clen + 3) &^ 3
	}
}

func (t *sctpTable) data(d *decoder, k sctpKey, flags byte, p []byte, cut bool) {
	begin, end := flags&0x02 != 0, flags&0x01 != 0
	if begin && end {
		d.emit(k.flow.src, k.flow.dst, SCTP, p, cut)
		return
	}
	if t.m == nil {
		t.m = make(map[sctpKey]*sctpMsg)
	}
	m := t.m[k]
	if begin || m == nil {
		if m != nil {
			t.flush(d, m) // the previous message never ended
		}
		if len(t.m) >= sctpMaxMessages {
			for _, o := range t.m {
				t.flush(d, o)
				break
			}
		}
		m = &sctpMsg{key: k}
		t.m[k] = m
		if !begin {
			cut = true // the start of the message was not captured
		}
	}
	m.frame, m.time = d.frameNo, d.ts
	if len(m.data)+len(p) > sctpMaxMessage {
		t.flush(d, m)
		return
	}
	m.data = append(m.data, p...)
	if end && !cut {
		delete(t.m, k)
		d.emit(k.flow.src, k.flow.dst, SCTP, d.keep(m.data), false)
	}
}

// flush delivers an incomplete message as a truncated datagram.
func (t *sctpTable) flush(d *decoder, m *sctpMsg) {
	delete(t.m, m.key)
	if len(m.data) == 0 {
		return
	}
	f, ts := d.frameNo, d.ts
	d.frameNo, d.ts = m.frame, m.time
	d.emit(m.key.flow.src, m.key.flow.dst, SCTP, d.keep(m.data), true)
	d.frameNo, d.ts = f, ts
}

func (t *sctpTable) flushAll(d *decoder) {
	var all []*sctpMsg
	for _, m := range t.m {
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b *sctpMsg) int { return a.frame - b.frame })
	for _, m := range all {
		t.flush(d, m)
	}
}
