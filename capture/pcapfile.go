package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"
)

// This file is a hand-written record reader for pcap and pcapng files. It
// replaces gopacket's pcapgo.Reader and pcapgo.NgReader on the read path
// because of their measured cost: on the 1,014,000-packet `synth bench`
// capture, pcapgo.NgReader (ZeroCopyReadPacketData, readPacketHeader,
// convertTime, and its small reads through bufio) took about 160 ns per
// packet, some 0.16 s of a 1.4 s analysis. Reading the file through one large
// buffer and parsing each block in place halves that: BenchmarkReadRecords
// (in memory, RTP-sized frames) measured pcapng 84 -> 37 ns per packet and
// pcap 38 -> 26, about 20 ns of which is copying the bytes in; Reader over the
// whole bench file (TestBigFile, decoding included) went from 198 to 99 ms.
// pcapgo stays the oracle of the tests (TestRecordsMatchPcapgo, FuzzRecords);
// the pcapng writer is hand-written too (pcapngwrite.go says why).

const (
	// recordBufSize is the read buffer: records are parsed in place in it.
	// It starts at recordBufStart and doubles at each refill once the file
	// has given more than it holds, up to recordBufSize: a small file does
	// not cost a large buffer.
	recordBufStart = 16 << 10
	recordBufSize  = 1 << 20
	// maxRecordLen bounds one pcap record or pcapng block (and so the
	// buffer). Wireshark's own bound for a pcapng block is of the same
	// order; a longer one is damage, not a packet.
	maxRecordLen = 128 << 20
	// pcapMaxSnap is libpcap's MAXIMUM_SNAPLEN: a pcap record longer than
	// both it and the file's snap length is damage (as pcapgo judges it).
	pcapMaxSnap = 262144
)

// pcapng block types (draft-ietf-opsawg-pcapng, Block Type Codes registry).
const (
	ngSHB       = 0x0A0D0D0A // Section Header Block, §4.1
	ngIDB       = 0x00000001 // Interface Description Block, §4.2
	ngPB        = 0x00000002 // Packet Block (obsolete), Appendix A
	ngSPB       = 0x00000003 // Simple Packet Block, §4.4
	ngISB       = 0x00000005 // Interface Statistics Block, §4.6
	ngEPB       = 0x00000006 // Enhanced Packet Block, §4.3
	ngByteOrder = 0x1A2B3C4D // SHB Byte-Order Magic, §4.1
)

// IDB options used (draft-ietf-opsawg-pcapng §4.2).
const (
	optEndOfOpt = 0
	optTSResol  = 9
	optTSOffset = 14
)

// errDamage marks a record or block the reader judged broken by its
// structure (lengths that do not add up, an unknown interface, ...), as
// opposed to a file that ends early (io.ErrUnexpectedEOF).
var errDamage = errors.New("damaged")

// damageError is a structural fault at a file offset.
type damageError struct {
	off int64
	msg string
}

func (e *damageError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }
func (e *damageError) Unwrap() error { return errDamage }

// record is one packet of the file. data points into the reader's buffer
// and is valid until the next call of next.
type record struct {
	data     []byte
	ts       time.Time
	length   int // original length on the wire
	linkType uint16
	iface    int    // pcapng interface id (0 for pcap)
	block    uint32 // pcapng block type (0 for pcap)
}

// ngIface is what a record needs from its Interface Description Block.
type ngIface struct {
	linkType uint16
	snaplen  uint32
	units    uint64 // timestamp units per second (if_tsresol)
	offset   int64  // seconds added to every timestamp (if_tsoffset)
	tsresol  uint8  // the raw if_tsresol value (6 when absent)
}

// recordReader reads the packet records of a pcap or pcapng stream through
// one buffer, without allocating per packet.
type recordReader struct {
	src  io.Reader
	buf  []byte
	r, w int   // unread bytes: buf[r:w]
	base int64 // file offset of buf[0]
	err  error // sticky error of src (io.EOF at its end)

	ng  bool
	big bool // byte order of the file, or of the current pcapng section

	// pcap
	nanoFactor uint32 // 1000 for microsecond files, 1 for nanosecond
	snaplen    uint32
	linkType   uint16

	// pcapng
	minor  uint16 // minor version of the current section (0 or 2)
	ifaces []ngIface
	lastTS time.Time // the previous packet's time, for Simple Packet Blocks
}

// newRecordReader reads the file header: the pcap global header, or the
// first pcapng Section Header Block. ng tells which the magic number named.
func newRecordReader(src io.Reader, ng bool) (*recordReader, error) {
	rr := &recordReader{src: src, buf: make([]byte, recordBufStart), ng: ng}
	var err error
	if ng {
		err = rr.firstSection()
	} else {
		err = rr.pcapHeader()
	}
	if err != nil {
		return nil, err
	}
	return rr, nil
}

func (rr *recordReader) u16(b []byte) uint16 {
	if rr.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (rr *recordReader) u32(b []byte) uint32 {
	if rr.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (rr *recordReader) offset() int64 { return rr.base + int64(rr.r) }

func (rr *recordReader) damage(format string, a ...any) error {
	return &damageError{off: rr.offset(), msg: fmt.Sprintf(format, a...)}
}

// ensure makes n unread bytes available at buf[r:]. At the end of the
// source it returns io.EOF if no byte is left and io.ErrUnexpectedEOF if
// some are; any other source error is returned as is.
func (rr *recordReader) ensure(n int) error {
	if rr.w-rr.r >= n {
		return nil
	}
	return rr.fill(n)
}

func (rr *recordReader) fill(n int) error {
	if len(rr.buf) < recordBufSize && rr.base+int64(rr.w) >= int64(len(rr.buf)) && rr.err == nil {
		// the source gave more than the buffer holds: a large file
		rr.grow(2 * len(rr.buf))
	}
	if rr.r > 0 {
		copy(rr.buf, rr.buf[rr.r:rr.w])
		rr.w -= rr.r
		rr.base += int64(rr.r)
		rr.r = 0
	}
	for rr.w < n {
		if rr.err != nil {
			if rr.err == io.EOF {
				if rr.w == 0 {
					return io.EOF
				}
				return io.ErrUnexpectedEOF
			}
			return rr.err
		}
		if rr.w == len(rr.buf) {
			// A record larger than the buffer: grow, by doubling, as the
			// bytes arrive, so a length read from a damaged file cannot
			// make us allocate more than twice what the file holds.
			rr.grow(min(2*len(rr.buf), maxRecordLen+recordBufSize))
		}
		m, err := rr.src.Read(rr.buf[rr.w:])
		rr.w += m
		if err != nil {
			rr.err = err
		} else if m == 0 {
			// a reader that returns nothing repeatedly: io.ReadFull's rule
			rr.err = io.ErrNoProgress
		}
	}
	return nil
}

// grow replaces the buffer by one of n bytes holding the same bytes.
func (rr *recordReader) grow(n int) {
	nb := make([]byte, n)
	copy(nb, rr.buf[:rr.w])
	rr.buf = nb
}

// unexpected turns an io.EOF inside a record into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// pcapHeader reads the 24-byte pcap global header (the libpcap file format,
// draft-ietf-opsawg-pcap §4): magic in either byte order, microsecond
// (a1b2c3d4) or nanosecond (a1b23c4d) timestamps, version 2.4, snap length
// and link type.
func (rr *recordReader) pcapHeader() error {
	if err := rr.ensure(24); err != nil {
		return unexpected(err)
	}
	h := rr.buf[rr.r : rr.r+24]
	switch binary.LittleEndian.Uint32(h) {
	case 0xa1b2c3d4:
		rr.nanoFactor = 1000
	case 0xd4c3b2a1:
		rr.big, rr.nanoFactor = true, 1000
	case 0xa1b23c4d:
		rr.nanoFactor = 1
	case 0x4d3cb2a1:
		rr.big, rr.nanoFactor = true, 1
	default:
		return fmt.Errorf("unknown magic %x", binary.LittleEndian.Uint32(h))
	}
	if major, minor := rr.u16(h[4:]), rr.u16(h[6:]); major != 2 || minor != 4 {
		return fmt.Errorf("unknown version %d.%d", major, minor)
	}
	rr.snaplen = rr.u32(h[16:])
	rr.linkType = uint16(rr.u32(h[20:]))
	rr.r += 24
	return nil
}

// next reads the next packet record into rec. It returns io.EOF at the end
// of the file, io.ErrUnexpectedEOF when the file ends inside a record, an
// error wrapping errDamage for a broken record or block, or the source's
// read error.
func (rr *recordReader) next(rec *record) error {
	if rr.ng {
		return rr.nextBlock(rec)
	}
	// pcap record header (draft-ietf-opsawg-pcap §5): ts_sec, ts_usec or
	// ts_nsec, incl_len, orig_len.
	if err := rr.ensure(16); err != nil {
		return err
	}
	h := rr.buf[rr.r : rr.r+16]
	caplen, length := rr.u32(h[8:]), rr.u32(h[12:])
	if caplen > pcapMaxSnap && caplen > rr.snaplen || caplen > maxRecordLen {
		return rr.damage("pcap: record length %d exceeds the snap length %d", caplen, rr.snaplen)
	}
	if caplen > length {
		return rr.damage("pcap: record length %d exceeds the packet length %d", caplen, length)
	}
	// The fraction is multiplied in 32 bits, as libpcap and Wireshark do
	// (and pcapgo): an out-of-range ts_usec wraps the same way there.
	rec.ts = time.Unix(int64(rr.u32(h)), int64(rr.u32(h[4:])*rr.nanoFactor)).UTC()
	n := 16 + int(caplen)
	if err := rr.ensure(n); err != nil {
		return unexpected(err)
	}
	rec.data = rr.buf[rr.r+16 : rr.r+n : rr.r+n]
	rec.length = int(length)
	rec.linkType = rr.linkType
	rec.iface, rec.block = 0, 0
	rr.r += n
	return nil
}

// blockHeader checks the block at buf[r:] and makes all of it available: its
// type and total length (draft-ietf-opsawg-pcapng §3.1: a multiple of 4, at
// least 12, the same at both ends). A Section Header Block sets the byte
// order first, from its Byte-Order Magic (§4.1).
func (rr *recordReader) blockHeader() (typ uint32, blen int, err error) {
	if err := rr.ensure(8); err != nil {
		return 0, 0, err
	}
	b := rr.buf[rr.r:]
	typ = rr.u32(b) // the SHB type reads the same in both orders
	if typ == ngSHB {
		if err := rr.ensure(12); err != nil {
			return 0, 0, unexpected(err)
		}
		b = rr.buf[rr.r:]
		switch {
		case binary.BigEndian.Uint32(b[8:]) == ngByteOrder:
			rr.big = true
		case binary.LittleEndian.Uint32(b[8:]) == ngByteOrder:
			rr.big = false
		default:
			return 0, 0, rr.damage("pcapng: wrong byte-order magic % x in section header", b[8:12])
		}
	}
	l := rr.u32(b[4:])
	switch {
	case l%4 != 0:
		return 0, 0, rr.damage("pcapng: block length %d is not a multiple of 4", l)
	case l < 12 || typ == ngSHB && l < 28:
		return 0, 0, rr.damage("pcapng: block length %d is too short", l)
	case l > maxRecordLen:
		return 0, 0, rr.damage("pcapng: block length %d is too large", l)
	}
	blen = int(l)
	if err := rr.ensure(blen); err != nil {
		return 0, 0, unexpected(err)
	}
	if t := rr.u32(rr.buf[rr.r+blen-4:]); t != l {
		return 0, 0, rr.damage("pcapng: block length %d and trailing length %d differ", l, t)
	}
	return typ, blen, nil
}

// firstSection reads the Section Header Block that starts a pcapng file.
func (rr *recordReader) firstSection() error {
	typ, blen, err := rr.blockHeader()
	if err != nil {
		return unexpected(err)
	}
	if typ != ngSHB {
		return fmt.Errorf("unknown magic %x", typ)
	}
	for !rr.section(blen) {
		// an unknown version: its section is skipped up to the next one
		if blen, err = rr.skipSection(); err != nil {
			return unexpected(err)
		}
	}
	return nil
}

// section starts the section whose header block (blen bytes) is at buf[r:]:
// the interfaces of the previous section are forgotten (§4.1). It reports
// false for a version it cannot read, whose section must be skipped up to
// the next Section Header Block (§3.4). Versions 1.0 and 1.2 are read: "Readers
// of pcapng files MUST treat a Minor Version of 2 as equivalent to a Minor
// Version of 0" (§4.1). (pcapgo skips 1.2 sections.)
func (rr *recordReader) section(blen int) bool {
	b := rr.buf[rr.r:]
	major, minor := rr.u16(b[12:]), rr.u16(b[14:])
	rr.r += blen
	rr.ifaces = rr.ifaces[:0]
	rr.minor = minor
	return major == 1 && (minor == 0 || minor == 2)
}

// skipSection skips blocks up to the next Section Header Block and returns
// its length (it is left at buf[r:]).
func (rr *recordReader) skipSection() (int, error) {
	for {
		typ, blen, err := rr.blockHeader()
		if err != nil {
			return 0, err
		}
		if typ == ngSHB {
			return blen, nil
		}
		rr.r += blen
	}
}

// nextBlock reads blocks up to the next packet.
func (rr *recordReader) nextBlock(rec *record) error {
	for {
		typ, blen, err := rr.blockHeader()
		if err != nil {
			return err
		}
		b := rr.buf[rr.r : rr.r+blen : rr.r+blen]
		switch typ {
		case ngEPB, ngPB:
			// Enhanced Packet Block (§4.3): interface id (32 bits), timestamp
			// (high, low), captured and original lengths, data padded to 32
			// bits, options. The obsolete Packet Block (Appendix A) has the
			// same layout with a 16-bit interface id and a drops count.
			if blen < 32 {
				return rr.damage("pcapng: packet block length %d is too short", blen)
			}
			var id uint32
			if typ == ngEPB {
				id = rr.u32(b[8:])
			} else {
				id = uint32(rr.u16(b[8:]))
			}
			if id >= uint32(len(rr.ifaces)) {
				return rr.damage("pcapng: interface id %d not present in section (have only %d interfaces)", id, len(rr.ifaces))
			}
			caplen := rr.u32(b[20:])
			if caplen > uint32(blen-32) {
				return rr.damage("pcapng: captured length %d overruns its block of %d bytes", caplen, blen)
			}
			ifc := &rr.ifaces[id]
			rec.ts = ifc.time(uint64(rr.u32(b[12:]))<<32 | uint64(rr.u32(b[16:])))
			rec.data = b[28 : 28+caplen : 28+caplen]
			rec.length = int(rr.u32(b[24:]))
			rec.linkType = ifc.linkType
			rec.iface, rec.block = int(id), typ
			rr.lastTS = rec.ts
			rr.r += blen
			return nil
		case ngSPB:
			// Simple Packet Block (§4.4): interface 0, original length, data.
			// Captured length: the least of the original length, the
			// interface's snap length (if not 0) and what the block holds.
			// It has no timestamp: it gets the previous packet's.
			if blen < 16 {
				return rr.damage("pcapng: simple packet block length %d is too short", blen)
			}
			if len(rr.ifaces) == 0 {
				return rr.damage("pcapng: simple packet block without an interface")
			}
			ifc := &rr.ifaces[0]
			length := rr.u32(b[8:])
			caplen := min(length, uint32(blen-16))
			if ifc.snaplen != 0 {
				caplen = min(caplen, ifc.snaplen)
			}
			rec.ts = rr.lastTS
			rec.data = b[12 : 12+caplen : 12+caplen]
			rec.length = int(length)
			rec.linkType = ifc.linkType
			rec.iface, rec.block = 0, typ
			rr.r += blen
			return nil
		case ngIDB:
			if err := rr.interfaceBlock(b); err != nil {
				return err
			}
			rr.r += blen
		case ngSHB:
			for !rr.section(blen) {
				// a file may end inside a skipped section: io.EOF is its end
				if blen, err = rr.skipSection(); err != nil {
					return err
				}
			}
		default:
			// Every other block (Name Resolution §4.5, Interface
			// Statistics §4.6, Decryption Secrets, custom §4.8, ...) is
			// skipped by its length (§3.1).
			rr.r += blen
		}
	}
}

// interfaceBlock reads an Interface Description Block (§4.2): link type,
// snap length, and the options if_tsresol and if_tsoffset.
func (rr *recordReader) interfaceBlock(b []byte) error {
	if len(b) < 20 {
		return rr.damage("pcapng: interface block length %d is too short", len(b))
	}
	ifc := ngIface{linkType: rr.u16(b[8:]), snaplen: rr.u32(b[12:]), units: 1e6, tsresol: 6}
	// options (§3.5): code, length, value padded to 32 bits
	opts := b[16 : len(b)-4]
	for len(opts) >= 4 {
		code, l := rr.u16(opts), int(rr.u16(opts[2:]))
		if code == optEndOfOpt {
			break
		}
		if 4+l > len(opts) {
			return rr.damage("pcapng: interface option %d of %d bytes overruns its block", code, l)
		}
		v := opts[4 : 4+l]
		switch {
		case code == optTSResol && l >= 1:
			// if_tsresol: the most significant bit clear, a negative power
			// of 10; set, a negative power of 2 (§4.2).
			ifc.tsresol = v[0]
			e := uint(v[0] & 0x7f)
			if v[0]&0x80 == 0 {
				if e > 19 { // 10^20 does not fit in 64 bits
					return rr.damage("pcapng: timestamp resolution 10^-%d is too fine", e)
				}
				ifc.units = 1
				for range e {
					ifc.units *= 10
				}
			} else {
				if e > 63 {
					return rr.damage("pcapng: timestamp resolution 2^-%d is too fine", e)
				}
				ifc.units = 1 << e
			}
		case code == optTSOffset && l >= 8:
			// if_tsoffset: seconds to add to every timestamp (§4.2)
			if rr.big {
				ifc.offset = int64(binary.BigEndian.Uint64(v))
			} else {
				ifc.offset = int64(binary.LittleEndian.Uint64(v))
			}
		}
		opts = opts[4+(l+3)&^3:]
	}
	rr.ifaces = append(rr.ifaces, ifc)
	return nil
}

// time converts a timestamp in the interface's units (§4.3: 64 bits, units
// of if_tsresol since 1970, plus if_tsoffset seconds).
func (ifc *ngIface) time(ts uint64) time.Time {
	var sec, nsec uint64
	switch ifc.units {
	case 1e6: // the default: constant divisors compile to multiplications
		sec, nsec = ts/1e6, ts%1e6*1e3
	case 1e9:
		sec, nsec = ts/1e9, ts%1e9
	default:
		// exact for every resolution: the fraction times 1e9 in 128 bits
		sec = ts / ifc.units
		hi, lo := bits.Mul64(ts%ifc.units, 1e9)
		nsec, _ = bits.Div64(hi, lo, ifc.units)
	}
	return time.Unix(int64(sec)+ifc.offset, int64(nsec)).UTC()
}
