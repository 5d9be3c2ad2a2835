package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// rawRec is one packet record as a test sees it.
type rawRec struct {
	data    []byte
	ts      time.Time
	length  int
	lt      uint16
	iface   int
	block   uint32 // ours only: pcapng block type
	tsresol uint8  // ours only: if_tsresol of the record's interface
	minor   uint16 // ours only: minor version of the record's section
}

// errClass is how Reader words the end of a read: the end, a truncation,
// or damage.
func errClass(err error) string {
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, io.EOF):
		return "eof"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	}
	return "damaged"
}

// sniff tells a pcap from a pcapng by its magic.
func sniff(b []byte) (ng, ok bool) {
	if len(b) < 4 {
		return false, false
	}
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return false, true
	case 0x0a0d0d0a:
		return true, true
	}
	return false, false
}

// pcapgoRecords is the oracle: it reads b with pcapgo as Reader did before
// the record reader replaced it (zero-copy reads; pcapng with mixed link
// types and unknown versions skipped), up to limit records.
func pcapgoRecords(b []byte, ng bool, limit int) (recs []rawRec, end, openErr error) {
	if !ng {
		pr, err := pcapgo.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, nil, err
		}
		for len(recs) < limit {
			data, ci, err := pr.ZeroCopyReadPacketData()
			if err != nil {
				return recs, err, nil
			}
			recs = append(recs, rawRec{data: bytes.Clone(data), ts: ci.Timestamp, length: ci.Length, lt: uint16(pr.LinkType())})
		}
		return recs, nil, nil
	}
	nr, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
	if err != nil {
		return nil, nil, err
	}
	for len(recs) < limit {
		data, ci, err := nr.ZeroCopyReadPacketData()
		if err != nil {
			return recs, err, nil
		}
		rec := rawRec{data: bytes.Clone(data), ts: ci.Timestamp, length: ci.Length, iface: ci.InterfaceIndex}
		if len(ci.AncillaryData) > 0 {
			rec.lt = uint16(ci.AncillaryData[0].(layers.LinkType))
		}
		recs = append(recs, rec)
	}
	return recs, nil, nil
}

// ourRecords reads b with the record reader, up to limit records.
func ourRecords(src io.Reader, ng bool, limit int) (recs []rawRec, end, openErr error) {
	rr, err := newRecordReader(src, ng)
	if err != nil {
		return nil, nil, err
	}
	var rec record
	for len(recs) < limit {
		if err := rr.next(&rec); err != nil {
			return recs, err, nil
		}
		r := rawRec{data: bytes.Clone(rec.data), ts: rec.ts, length: rec.length, lt: rec.linkType, iface: rec.iface, block: rec.block}
		if ng {
			r.tsresol, r.minor = rr.ifaces[rec.iface].tsresol, rr.minor
		}
		recs = append(recs, r)
	}
	return recs, nil, nil
}

// sameRecord compares a record with the oracle's. lenient skips the
// timestamps where pcapgo is known to be wrong: Simple Packet Blocks (pcapgo
// gives the zero time, we the previous packet's), if_tsresol 0 (one-second
// units; pcapgo takes microseconds) and powers of 2 (pcapgo scales the
// fraction by a truncated 1e9/2^n).
func sameRecord(want, got rawRec, lenient bool) string {
	switch {
	case !bytes.Equal(want.data, got.data):
		return fmt.Sprintf("data differ (%d / %d bytes)", len(want.data), len(got.data))
	case want.length != got.length:
		return fmt.Sprintf("original length %d, pcapgo %d", got.length, want.length)
	case want.lt != got.lt:
		return fmt.Sprintf("link type %d, pcapgo %d", got.lt, want.lt)
	case want.iface != got.iface:
		return fmt.Sprintf("interface %d, pcapgo %d", got.iface, want.iface)
	}
	if lenient && (got.block == ngSPB || got.tsresol == 0 || got.tsresol&0x80 != 0) {
		return ""
	}
	if !want.ts.Equal(got.ts) || want.ts.Location() != got.ts.Location() {
		return fmt.Sprintf("time %v, pcapgo %v", got.ts, want.ts)
	}
	return ""
}

// pcapHeaderQuirk reports whether a pcap of n records ends with exactly one
// record header: pcapgo calls that the clean end of the file (io.ReadFull
// of the data reads 0 bytes), we call it truncated.
func pcapHeaderQuirk(b []byte, recs []rawRec) bool {
	off := 24
	for _, r := range recs {
		off += 16 + len(r.data)
	}
	return len(b)-off == 16
}

// corpusCaptures returns every pcap or pcapng file under the corpus,
// gunzipped, by path.
func corpusCaptures(t *testing.T) map[string][]byte {
	dir := corpusDir(t)
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil
			}
			if b, err = io.ReadAll(zr); err != nil {
				return nil
			}
		}
		if _, ok := sniff(b); ok {
			rel, _ := filepath.Rel(dir, p)
			files[rel] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRecordsMatchPcapgo reads every capture of the corpus, whole and cut
// short at six places, with pcapgo and with the record reader: the same
// records (bytes, times, lengths, link type and interface per packet) and the
// same kind of end.
func TestRecordsMatchPcapgo(t *testing.T) {
	files := corpusCaptures(t)
	if len(files) < 30 {
		t.Errorf("only %d captures in the corpus", len(files))
	}
	for name, b := range files {
		ng, _ := sniff(b)
		t.Run(name, func(t *testing.T) {
			for k := 7; k >= 1; k-- {
				cut := b[:len(b)*k/7]
				want, wantEnd, wantOpen := pcapgoRecords(cut, ng, 1<<30)
				got, gotEnd, gotOpen := ourRecords(bytes.NewReader(cut), ng, 1<<30)
				if (wantOpen == nil) != (gotOpen == nil) {
					t.Fatalf("cut %d/7: open: pcapgo %v, ours %v", k, wantOpen, gotOpen)
				}
				if len(got) != len(want) {
					t.Errorf("cut %d/7: %d records (%v), pcapgo %d (%v)", k, len(got), gotEnd, len(want), wantEnd)
				}
				for i := range min(len(got), len(want)) {
					if d := sameRecord(want[i], got[i], false); d != "" {
						t.Fatalf("cut %d/7: record %d: %s", k, i+1, d)
					}
				}
				wc, gc := errClass(wantEnd), errClass(gotEnd)
				if wc != gc && !(!ng && wc == "eof" && gc == "truncated" && pcapHeaderQuirk(cut, want)) {
					t.Errorf("cut %d/7: ends %s (%v), pcapgo %s (%v)", k, gc, gotEnd, wc, wantEnd)
				}
				if k == 7 && gc != "eof" {
					t.Errorf("whole file ends with %v", gotEnd)
				}
			}
		})
	}
}

// TestRecordsOneByteReader: the same records when the source gives one byte
// per Read (the buffer refills mid-record everywhere).
func TestRecordsOneByteReader(t *testing.T) {
	for _, name := range []string{"pcaps/ndpi_stun_google_meet.pcapng", "pcaps/pkts_sipp.pcap"} {
		b, err := os.ReadFile(filepath.Join(corpusDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		ng, _ := sniff(b)
		want, _, _ := ourRecords(bytes.NewReader(b), ng, 1<<30)
		got, end, err := ourRecords(iotest.OneByteReader(bytes.NewReader(b)), ng, 1<<30)
		if err != nil || end != io.EOF || len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d records (%v, %v), want %d", name, len(got), err, end, len(want))
		}
		for i := range got {
			if d := sameRecord(want[i], got[i], false); d != "" {
				t.Fatalf("%s: record %d: %s", name, i+1, d)
			}
		}
	}
}

// ngFile builds a pcapng file block by block (draft-ietf-opsawg-pcapng §3.1).
type ngFile struct {
	o   binary.AppendByteOrder
	buf []byte
}

func (g *ngFile) u16(v uint16) []byte { return g.o.AppendUint16(nil, v) }
func (g *ngFile) u32(v uint32) []byte { return g.o.AppendUint32(nil, v) }

func (g *ngFile) block(typ uint32, body ...[]byte) *ngFile {
	b := bytes.Join(body, nil)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	l := uint32(12 + len(b))
	g.buf = append(append(append(append(g.buf, g.u32(typ)...), g.u32(l)...), b...), g.u32(l)...)
	return g
}

// shb starts a section in byte order o.
func (g *ngFile) shb(o binary.AppendByteOrder, major, minor uint16) *ngFile {
	g.o = o
	return g.block(ngSHB, g.u32(ngByteOrder), g.u16(major), g.u16(minor), g.o.AppendUint64(nil, ^uint64(0)))
}

// opt is one option, padded to 32 bits (§3.5).
func (g *ngFile) opt(code uint16, v []byte) []byte {
	b := append(append(g.u16(code), g.u16(uint16(len(v)))...), v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (g *ngFile) idb(lt uint16, snap uint32, opts ...[]byte) *ngFile {
	body := [][]byte{g.u16(lt), g.u16(0), g.u32(snap)}
	if len(opts) > 0 {
		body = append(append(body, opts...), make([]byte, 4)) // opt_endofopt
	}
	return g.block(ngIDB, body...)
}

func (g *ngFile) epb(id uint32, ts uint64, data []byte) *ngFile {
	return g.block(ngEPB, g.u32(id), g.u32(uint32(ts>>32)), g.u32(uint32(ts)), g.u32(uint32(len(data))), g.u32(uint32(len(data))), data)
}

func (g *ngFile) pb(id uint16, ts uint64, data []byte) *ngFile {
	return g.block(ngPB, g.u16(id), g.u16(0), g.u32(uint32(ts>>32)), g.u32(uint32(ts)), g.u32(uint32(len(data))), g.u32(uint32(len(data))), data)
}

func (g *ngFile) spb(origLen uint32, data []byte) *ngFile {
	return g.block(ngSPB, g.u32(origLen), data)
}

// TestPcapngBlocks reads a hand-built pcapng that uses every block and
// option the reader handles; the expected times are computed by hand.
func TestPcapngBlocks(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	g := &ngFile{}
	g.shb(le, 1, 0)
	g.idb(linkEthernet, 3)                                                                          // 0: µs (default), snap 3
	g.idb(linkRaw, 0, g.opt(optTSResol, []byte{9}))                                                 // 1: ns
	g.idb(linkLinuxSLL, 0, g.opt(optTSResol, []byte{0x80 | 20}))                                    // 2: 2^-20 s
	g.idb(linkNull, 0, g.opt(optTSResol, []byte{0}), g.opt(optTSOffset, le.AppendUint64(nil, 100))) // 3: s, +100 s
	g.block(4, make([]byte, 4))                                                                     // NRB (nrb_record_end only): skipped
	g.block(5, g.u32(0), g.u32(0), g.u32(0))                                                        // ISB: skipped
	g.block(0x00000BAD, g.u32(32473), []byte("custom"))                                             // custom block: skipped
	g.epb(0, 1_700_000_000_123456, []byte("a0"))
	g.epb(1, 1_700_000_000_123456789, []byte("b1"))
	g.epb(2, 1_700_000_000<<20|3, []byte("c2"))
	g.epb(3, 1_700_000_000, []byte("d3"))
	g.spb(5, []byte("e4xyz")) // cut to interface 0's snap length 3
	g.pb(1, 42_000_000_007, []byte("f5"))
	g.shb(be, 1, 0) // a new section, big-endian: interfaces start over
	g.idb(linkIPv4, 0)
	g.epb(0, 2_000_000_000_000_001, []byte("g6"))
	g.spb(100, []byte("h7")) // cut to what the block holds
	g.shb(le, 1, 1)          // an unknown version: skipped up to the next section
	g.idb(linkEthernet, 0)
	g.epb(0, 1, []byte("skipped"))
	g.shb(le, 2, 0) // an unknown major version: skipped too
	g.epb(0, 1, []byte("skipped"))
	g.shb(le, 1, 2) // 1.2 reads as 1.0
	g.idb(linkIPv6, 0)
	g.epb(0, 1e6+1, []byte("i8"))
	g.epb(1, 1, []byte("no such interface"))

	sec := time.Unix(1_700_000_000, 0).UTC()
	want := []rawRec{
		{data: []byte("a0"), ts: sec.Add(123456 * time.Microsecond), length: 2, lt: linkEthernet, block: ngEPB},
		{data: []byte("b1"), ts: sec.Add(123456789), length: 2, lt: linkRaw, iface: 1, block: ngEPB},
		// 3/2^20 s = 2861.02 ns, truncated
		{data: []byte("c2"), ts: sec.Add(2861), length: 2, lt: linkLinuxSLL, iface: 2, block: ngEPB},
		{data: []byte("d3"), ts: sec.Add(100 * time.Second), length: 2, lt: linkNull, iface: 3, block: ngEPB},
		// no timestamp: the previous packet's
		{data: []byte("e4x"), ts: sec.Add(100 * time.Second), length: 5, lt: linkEthernet, block: ngSPB},
		{data: []byte("f5"), ts: time.Unix(42, 7).UTC(), length: 2, lt: linkRaw, iface: 1, block: ngPB},
		{data: []byte("g6"), ts: time.Unix(2_000_000_000, 1000).UTC(), length: 2, lt: linkIPv4, block: ngEPB},
		{data: []byte("h7\x00\x00"), ts: time.Unix(2_000_000_000, 1000).UTC(), length: 100, lt: linkIPv4, block: ngSPB},
		{data: []byte("i8"), ts: time.Unix(1, 1000).UTC(), length: 2, lt: linkIPv6, block: ngEPB},
	}
	got, end, err := ourRecords(bytes.NewReader(g.buf), true, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d (end %v)", len(got), len(want), end)
	}
	for i := range want {
		w := want[i]
		w.tsresol, w.minor = got[i].tsresol, got[i].minor
		if d := sameRecord(w, got[i], false); d != "" || got[i].block != w.block {
			t.Errorf("record %d: %s (block %d, want %d)", i+1, d, got[i].block, w.block)
		}
	}
	if !errors.Is(end, errDamage) || !strings.Contains(end.Error(), "interface id 1 not present in section (have only 1 interfaces)") {
		t.Errorf("end: %v", end)
	}
	// Through Reader: the damage is the last warning, naming the frame.
	r, err := NewReader(bytes.NewReader(g.buf), "blocks.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	info := r.Info()
	ws := info.Warnings
	if info.Packets != 9 || len(ws) == 0 || !strings.HasPrefix(ws[len(ws)-1], "file damaged at frame 10: pcapng: interface id 1 not present") {
		t.Errorf("Packets %d, warnings %q", info.Packets, ws)
	}
}

// TestPcapngDamage: a block whose lengths do not add up stops the read with
// a warning naming the frame; a file that ends early is truncated.
func TestPcapngDamage(t *testing.T) {
	le := binary.LittleEndian
	g := &ngFile{}
	g.shb(le, 1, 0).idb(linkEthernet, 0).epb(0, 1, []byte("first"))
	good := len(g.buf)
	g.epb(0, 2, []byte("second"))
	second := func(edit func(b []byte)) []byte {
		b := bytes.Clone(g.buf)
		edit(b[good:])
		return b
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"trailing length differs", second(func(b []byte) { le.PutUint32(b[len(b)-4:], 36) }),
			"file damaged at frame 2: pcapng: block length 40 and trailing length 36 differ at offset"},
		{"length not a multiple of 4", second(func(b []byte) { le.PutUint32(b[4:], 38) }),
			"file damaged at frame 2: pcapng: block length 38 is not a multiple of 4 at offset"},
		{"block shorter than its header", second(func(b []byte) { le.PutUint32(b[4:], 8) }),
			"file damaged at frame 2: pcapng: block length 8 is too short at offset"},
		{"packet block too short", second(func(b []byte) { le.PutUint32(b[4:], 28); le.PutUint32(b[24:], 28) }),
			"file damaged at frame 2: pcapng: packet block length 28 is too short at offset"},
		{"captured length overruns", second(func(b []byte) { le.PutUint32(b[20:], 9) }),
			"file damaged at frame 2: pcapng: captured length 9 overruns its block of 40 bytes at offset"},
		{"unknown interface", second(func(b []byte) { le.PutUint32(b[8:], 7) }),
			"file damaged at frame 2: pcapng: interface id 7 not present in section (have only 1 interfaces) at offset"},
		{"absurd length", second(func(b []byte) { le.PutUint32(b[4:], 0xfffffff0) }),
			"file damaged at frame 2: pcapng: block length 4294967280 is too large at offset"},
		{"length beyond the file", second(func(b []byte) { le.PutUint32(b[4:], 1<<20) }),
			"file truncated at frame 2: unexpected EOF"},
		{"cut in the block", g.buf[:len(g.buf)-3], "file truncated at frame 2: unexpected EOF"},
		{"cut in the block header", g.buf[:good+5], "file truncated at frame 2: unexpected EOF"},
		{"wrong byte-order magic", append(bytes.Clone(g.buf[:good]), (&ngFile{}).shb(le, 1, 0).buf[:12]...),
			"file damaged at frame 2: pcapng: wrong byte-order magic"},
	}
	tests[len(tests)-1].file[good+8] ^= 0xff
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.file), "damaged.pcapng")
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := r.Next(); err != nil {
					break
				}
			}
			info := r.Info()
			if info.Packets != 1 || len(info.Warnings) != 1 || !strings.HasPrefix(info.Warnings[0], tc.want) {
				t.Errorf("Packets %d, warnings %q; want 1, [%q...]", info.Packets, info.Warnings, tc.want)
			}
		})
	}
	if r, err := NewReader(bytes.NewReader(g.buf), "good.pcapng"); err != nil {
		t.Fatal(err)
	} else {
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		if info := r.Info(); info.Packets != 2 || len(info.Warnings) != 0 {
			t.Errorf("intact file: Packets %d, warnings %q", info.Packets, info.Warnings)
		}
	}
}

// pcapFile builds a classic pcap with one record per frame.
func pcapFile(o binary.AppendByteOrder, magic, snap uint32, recs ...[4]uint32) []byte {
	b := o.AppendUint32(nil, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = o.AppendUint32(b, snap)
	b = o.AppendUint32(b, linkRaw)
	for _, r := range recs { // sec, frac, incl_len, orig_len
		for _, v := range r {
			b = o.AppendUint32(b, v)
		}
		b = append(b, bytes.Repeat([]byte{'x'}, int(min(r[2], 1000)))...)
	}
	return b
}

// TestPcapVariants: both byte orders, micro- and nanosecond magic, and the
// records pcapgo (and so Reader, as before) calls damaged.
func TestPcapVariants(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	rec := [4]uint32{1_700_000_000, 123456, 4, 60}
	tests := []struct {
		name   string
		file   []byte
		wantTS time.Time
		end    string
	}{
		{"little-endian µs", pcapFile(le, 0xa1b2c3d4, 65535, rec), time.Unix(1_700_000_000, 123456000), ""},
		{"big-endian µs", pcapFile(be, 0xa1b2c3d4, 65535, rec), time.Unix(1_700_000_000, 123456000), ""},
		{"little-endian ns", pcapFile(le, 0xa1b23c4d, 65535, rec), time.Unix(1_700_000_000, 123456), ""},
		{"big-endian ns", pcapFile(be, 0xa1b23c4d, 65535, rec), time.Unix(1_700_000_000, 123456), ""},
		{"record longer than 256 KiB and the snap length", pcapFile(le, 0xa1b2c3d4, 65535, rec, [4]uint32{0, 0, 300000, 300000}),
			time.Unix(1_700_000_000, 123456000), "file damaged at frame 2: pcap: record length 300000 exceeds the snap length 65535 at offset 44"},
		{"captured longer than the packet", pcapFile(le, 0xa1b2c3d4, 65535, rec, [4]uint32{0, 0, 9, 8}),
			time.Unix(1_700_000_000, 123456000), "file damaged at frame 2: pcap: record length 9 exceeds the packet length 8 at offset 44"},
		{"cut after a record header", pcapFile(le, 0xa1b2c3d4, 65535, rec, [4]uint32{0, 0, 1000, 1000})[:44+16],
			time.Unix(1_700_000_000, 123456000), "file truncated at frame 2: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.file), "v.pcap")
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := r.Next(); err != nil {
					break
				}
			}
			info := r.Info()
			if info.Packets != 1 || !info.Start.Equal(tc.wantTS) || info.LinkType != "rawip" {
				t.Errorf("Packets %d, Start %v, link %s; want 1, %v, rawip", info.Packets, info.Start, info.LinkType, tc.wantTS)
			}
			if w := strings.Join(info.Warnings, "|"); w != tc.end {
				t.Errorf("warnings %q, want %q", w, tc.end)
			}
		})
	}
}

// TestLargeRecords: records larger than the buffer grow it; their bytes
// come through intact.
func TestLargeRecords(t *testing.T) {
	big := make([]byte, 3*recordBufSize+5) // larger than the buffer at its largest
	for i := range big {
		big[i] = byte(i * 7)
	}
	g := &ngFile{}
	g.shb(binary.LittleEndian, 1, 0).idb(linkEthernet, 0).epb(0, 1, []byte("small")).epb(0, 2, big).epb(0, 3, []byte("after"))
	got, end, err := ourRecords(bytes.NewReader(g.buf), true, 10)
	if err != nil || end != io.EOF || len(got) != 3 {
		t.Fatalf("%d records, %v %v", len(got), err, end)
	}
	if !bytes.Equal(got[1].data, big) || string(got[2].data) != "after" {
		t.Errorf("large record corrupted")
	}
	want, _, _ := pcapgoRecords(g.buf, true, 10)
	for i := range want {
		if d := sameRecord(want[i], got[i], false); d != "" {
			t.Errorf("record %d: %s", i+1, d)
		}
	}
}

// TestRecordsNoAllocs: reading a record allocates nothing, pcap or pcapng.
func TestRecordsNoAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		ng   bool
	}{{"pcap", udpPcap(t, 3000), false}, {"pcapng", writerPcapng(t, 3000), true}} {
		t.Run(tc.name, func(t *testing.T) {
			rr, err := newRecordReader(bytes.NewReader(tc.file), tc.ng)
			if err != nil {
				t.Fatal(err)
			}
			var rec record
			for range 1000 { // the buffer grows to its full size
				if err := rr.next(&rec); err != nil {
					t.Fatal(err)
				}
			}
			allocs := testing.AllocsPerRun(1000, func() {
				if err := rr.next(&rec); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%.2f allocations per record, want 0", allocs)
			}
		})
	}
}

// writerPcapng is n Ethernet/IPv4/UDP frames of RTP size written by Writer
// (pcapng, nanosecond interface).
func writerPcapng(tb testing.TB, n int) []byte {
	var file bytes.Buffer
	w, err := NewWriter(&file, WriterOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("192.0.2.1:10000"), netip.MustParseAddrPort("192.0.2.2:20000")
	payload := make([]byte, 172)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range n {
		if err := w.WriteDatagram(&Datagram{Src: src, Dst: dst, Transport: UDP, Payload: payload, Time: t0.Add(time.Duration(i) * 20 * time.Millisecond)}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return file.Bytes()
}

// BenchmarkReadRecords compares pcapgo's zero-copy readers (as Reader used
// them) with the record reader, per packet, on in-memory files of 100,000
// RTP-sized frames.
func BenchmarkReadRecords(b *testing.B) {
	const n = 100_000
	files := []struct {
		name string
		file []byte
		ng   bool
	}{{"pcapng", writerPcapng(b, n), true}, {"pcap", udpPcap(b, n), false}}
	for _, f := range files {
		b.Run(f.name+"/pcapgo", func(b *testing.B) {
			read := 0
			for read < b.N {
				if f.ng {
					nr, err := pcapgo.NewNgReader(bytes.NewReader(f.file), pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
					if err != nil {
						b.Fatal(err)
					}
					for ; read < b.N; read++ {
						if _, _, err := nr.ZeroCopyReadPacketData(); err != nil {
							break
						}
					}
				} else {
					pr, err := pcapgo.NewReader(bytes.NewReader(f.file))
					if err != nil {
						b.Fatal(err)
					}
					for ; read < b.N; read++ {
						if _, _, err := pr.ZeroCopyReadPacketData(); err != nil {
							break
						}
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/pkt")
		})
		b.Run(f.name+"/records", func(b *testing.B) {
			b.ReportAllocs()
			read := 0
			var rec record
			for read < b.N {
				rr, err := newRecordReader(bytes.NewReader(f.file), f.ng)
				if err != nil {
					b.Fatal(err)
				}
				for ; read < b.N; read++ {
					if err := rr.next(&rec); err != nil {
						break
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/pkt")
		})
	}
}

// FuzzRecords: for any input, the record reader never panics, and the
// records pcapgo reads before its first error are the record reader's too,
// unless the record reader stops earlier on a structural check pcapgo does
// not make (trailing block length, lengths that overrun their block, ...),
// which wraps errDamage. Times are compared except where pcapgo is known to
// be wrong (see sameRecord).
func FuzzRecords(f *testing.F) {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../shared/corpus"
	}
	for _, name := range []string{"ndpi_gre.pcapng", "ndpi_sip_hello.pcapng", "ndpi_stun_google_meet.pcapng",
		"asterisk-testsuite_16_bit_48khz_60_fec_dropped.pcapng", "pkts_sipp.pcap", "sngrep_ipip.pcap", "ndpi_fuzz-2006-06-26-2594.pcap"} {
		if b, err := os.ReadFile(filepath.Join(dir, "pcaps", name)); err == nil {
			// real files cut short: a few records each
			for _, n := range []int{300, 1200, 4000} {
				f.Add(b[:min(n, len(b))])
			}
		}
	}
	g := &ngFile{}
	g.shb(binary.BigEndian, 1, 0).idb(linkRaw, 64, g.opt(optTSResol, []byte{0x80 | 10}), g.opt(optTSOffset, make([]byte, 8)))
	g.epb(0, 1<<40, []byte("ab")).spb(9, []byte("cdefghijk")).pb(0, 5, []byte("l"))
	g.shb(binary.LittleEndian, 1, 0).idb(linkEthernet, 0).epb(0, 7, []byte("mnop"))
	f.Add(g.buf)
	f.Add(pcapFile(binary.BigEndian, 0xa1b23c4d, 65535, [4]uint32{1, 2, 3, 4}, [4]uint32{5, 6, 7, 7}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ng, ok := sniff(b)
		if !ok {
			return
		}
		const limit = 1 << 16
		want, _, _ := pcapgoRecords(b, ng, limit)
		got, end, openErr := ourRecords(bytes.NewReader(b), ng, limit)
		if openErr != nil {
			if len(want) > 0 && !errors.Is(openErr, errDamage) {
				t.Fatalf("open: %v, pcapgo read %d records", openErr, len(want))
			}
			return
		}
		for i := range min(len(got), len(want)) {
			if got[i].minor == 2 {
				return // pcapgo skipped this section (see recordReader.section)
			}
			if d := sameRecord(want[i], got[i], true); d != "" {
				t.Fatalf("record %d: %s", i+1, d)
			}
		}
		if len(got) > 0 && got[len(got)-1].minor == 2 {
			return
		}
		if len(got) < len(want) && !errors.Is(end, errDamage) {
			t.Fatalf("%d records ending with %v, pcapgo %d", len(got), end, len(want))
		}
		if len(got) < limit && end == nil {
			t.Fatal("no end")
		}
	})
}

// TestBufferGrowth: a small file keeps the small buffer; a large one grows
// it to its full size, and not beyond (no record is larger).
func TestBufferGrowth(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want int
	}{
		{"small", writerPcapng(t, 10), recordBufStart},
		{"large", writerPcapng(t, 20000), recordBufSize},
		{"large through gzip-sized reads", writerPcapng(t, 20000), recordBufSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src io.Reader = bytes.NewReader(tc.file)
			if strings.Contains(tc.name, "gzip") {
				src = iotest.HalfReader(src)
			}
			rr, err := newRecordReader(src, true)
			if err != nil {
				t.Fatal(err)
			}
			var rec record
			for rr.next(&rec) == nil {
			}
			if len(rr.buf) != tc.want {
				t.Errorf("buffer of %d bytes, want %d", len(rr.buf), tc.want)
			}
		})
	}
}
