package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// ngWriter writes a pcapng file (draft-ietf-opsawg-pcapng): one Section
// Header Block, one Interface Description Block, Enhanced Packet Blocks and
// Interface Statistics Blocks, little-endian, nanosecond timestamps.
//
// Written by hand rather than with gopacket's pcapgo.NgWriter because
// pcapgo links gopacket/layers, whose tables (EthernetTypeMetadata and
// PPPTypeMetadata, 2.5 MiB each, full of pointers) every voiplab process
// would carry: they are scanned at each garbage collection and kept
// resident (measured: "5 MB globals" in GODEBUG=gctrace=1 and about 5 MiB of
// RSS). The format is a few fixed layouts; pcapgo's reader checks what this
// writes (pcapngwrite_test.go).
type ngWriter struct {
	w   *bufio.Writer
	buf []byte
}

// pcapng option codes the writer uses (draft-ietf-opsawg-pcapng §3.5,
// §4.1, §4.2, §4.6); the block types, the byte-order magic, opt_endofopt
// and if_tsresol are the reader's (pcapfile.go).
const (
	ngOptComment = 1

	ngSHBHardware = 2
	ngSHBOS       = 3
	ngSHBUserAppl = 4

	ngIfName   = 2
	ngIfFilter = 11
	ngIfOS     = 12

	ngISBStartTime = 2
	ngISBEndTime   = 3
	ngISBIfRecv    = 4
	ngISBIfDrop    = 5
)

type ngSection struct{ hardware, os, application, comment string }

type ngInterface struct {
	name, filter, os string
	linkType         uint16
	snaplen          uint32
}

func newNgWriter(w io.Writer, sec ngSection, ifc ngInterface) (*ngWriter, error) {
	nw := &ngWriter{w: bufio.NewWriterSize(w, 64<<10)}
	// §4.1 Section Header Block: byte-order magic, version 1.0, section
	// length unknown (-1), options.
	b := nw.start(ngSHB)
	b = binary.LittleEndian.AppendUint32(b, ngByteOrder)
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, 0xFFFFFFFFFFFFFFFF)
	b = ngOptString(b, ngOptComment, sec.comment)
	b = ngOptString(b, ngSHBHardware, sec.hardware)
	b = ngOptString(b, ngSHBOS, sec.os)
	b = ngOptString(b, ngSHBUserAppl, sec.application)
	b = ngOptEndOf(b)
	nw.buf = b
	if err := nw.end(); err != nil {
		return nil, err
	}
	// §4.2 Interface Description Block: link type, snap length, options;
	// if_tsresol 9: timestamps in nanoseconds.
	b = nw.start(ngIDB)
	b = binary.LittleEndian.AppendUint16(b, ifc.linkType)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, ifc.snaplen)
	b = ngOptString(b, ngIfName, ifc.name)
	b = ngOpt(b, optTSResol, []byte{9})
	if ifc.filter != "" {
		// if_filter: a first octet 0 says the rest is a libpcap filter string
		b = ngOpt(b, ngIfFilter, append([]byte{0}, ifc.filter...))
	}
	b = ngOptString(b, ngIfOS, ifc.os)
	b = ngOptEndOf(b)
	nw.buf = b
	if err := nw.end(); err != nil {
		return nil, err
	}
	return nw, nil
}

// start begins a block in nw.buf, its total length to be filled by end.
func (nw *ngWriter) start(typ uint32) []byte {
	b := nw.buf[:0]
	b = binary.LittleEndian.AppendUint32(b, typ)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// end pads the block to 32 bits, writes its total length at both ends
// (§3.1) and writes it out.
func (nw *ngWriter) end() error {
	b := nw.buf
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	n := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:8], n)
	b = binary.LittleEndian.AppendUint32(b, n)
	nw.buf = b
	_, err := nw.w.Write(b)
	return err
}

// writePacket writes an Enhanced Packet Block (§4.3) on interface 0.
func (nw *ngWriter) writePacket(ts time.Time, data []byte, origLen int) error {
	if len(data) > 0xFFFFFFF0 {
		return fmt.Errorf("capture: write frame of %d bytes: %w", len(data), ErrTooLarge)
	}
	b := nw.start(ngEPB)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = ngTimestamp(b, ts)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint32(b, uint32(max(origLen, len(data))))
	b = append(b, data...)
	nw.buf = b
	return nw.end()
}

// writeStats writes an Interface Statistics Block (§4.6) for interface 0.
func (nw *ngWriter) writeStats(at, start, end time.Time, received, dropped uint64) error {
	b := nw.start(ngISB)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = ngTimestamp(b, at)
	b = ngOpt(b, ngISBStartTime, ngTimestamp(nil, start))
	b = ngOpt(b, ngISBEndTime, ngTimestamp(nil, end))
	b = ngOpt(b, ngISBIfRecv, binary.LittleEndian.AppendUint64(nil, received))
	b = ngOpt(b, ngISBIfDrop, binary.LittleEndian.AppendUint64(nil, dropped))
	b = ngOptEndOf(b)
	nw.buf = b
	return nw.end()
}

func (nw *ngWriter) flush() error { return nw.w.Flush() }

// ngTimestamp appends a 64-bit timestamp in if_tsresol units (ns) as its
// upper and lower 32 bits (§4.3).
func ngTimestamp(b []byte, t time.Time) []byte {
	ns := uint64(t.UnixNano())
	b = binary.LittleEndian.AppendUint32(b, uint32(ns>>32))
	return binary.LittleEndian.AppendUint32(b, uint32(ns))
}

// ngOpt appends one option (§3.5): code, length, value padded to 32 bits.
func ngOpt(b []byte, code uint16, v []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, code)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ngOptString(b []byte, code uint16, s string) []byte {
	if s == "" {
		return b
	}
	if len(s) > 0xFFFF-4 {
		s = s[:0xFFFF-4]
	}
	return ngOpt(b, code, []byte(s))
}

func ngOptEndOf(b []byte) []byte { return binary.LittleEndian.AppendUint32(b, optEndOfOpt) }
