package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	pcapHeader := func(linkType uint32) []byte {
		b := make([]byte, 24)
		binary.LittleEndian.PutUint32(b[0:4], 0xa1b2c3d4)
		binary.LittleEndian.PutUint16(b[4:6], 2)
		binary.LittleEndian.PutUint16(b[6:8], 4)
		binary.LittleEndian.PutUint32(b[16:20], 65535)
		binary.LittleEndian.PutUint32(b[20:24], linkType)
		return b
	}
	tests := []struct {
		name    string
		file    string
		data    []byte
		wantErr error
		wantMsg string
	}{
		{"text", "x.txt", []byte("# voiplab notes\n"), ErrNotCapture,
			"capture: x.txt: not a pcap or pcapng file (starts with 23 20 76 6f)"},
		{"empty", "empty.pcap", nil, ErrNotCapture,
			"capture: empty.pcap: not a pcap or pcapng file (empty file)"},
		{"link type 147", "x.pcap", pcapHeader(147), ErrLinkType,
			"capture: x.pcap: unsupported link type 147"},
		{"link type 105", "wifi.pcap", pcapHeader(105), ErrLinkType,
			"capture: wifi.pcap: unsupported link type 105 ("},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Open(p)
			if err == nil {
				r.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("error %q, want prefix %q", err, tc.wantMsg)
			}
		})
	}
	if _, err := Open(filepath.Join(dir, "missing.pcap")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// pcapRecordOffsets returns the offset of each record header of a classic
// little-endian pcap file (parsed here by hand, independently of the reader).
func pcapRecordOffsets(t *testing.T, b []byte) []int {
	t.Helper()
	if binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("not a little-endian microsecond pcap")
	}
	var offs []int
	for off := 24; off+16 <= len(b); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

func TestTruncatedFile(t *testing.T) {
	src := filepath.Join(corpusDir(t), "pcaps", "pkts_sipp.pcap")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	offs := pcapRecordOffsets(t, b)
	if len(offs) != 30 { // capinfos: 30 packets
		t.Fatalf("%d records, capinfos says 30", len(offs))
	}
	dir := t.TempDir()
	tests := []struct {
		name      string
		cut       int
		wantFrame int // the frame the warning names
	}{
		{"mid header of frame 11", offs[10] + 7, 11},
		{"mid data of frame 11", offs[10] + 16 + 20, 11},
		{"mid data of last frame", offs[29] + 30, 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "cut.pcap")
			if err := os.WriteFile(p, b[:tc.cut], 0o644); err != nil {
				t.Fatal(err)
			}
			_, info, all := readAll(t, p)
			if info.Packets != tc.wantFrame-1 {
				t.Errorf("Packets = %d, want %d", info.Packets, tc.wantFrame-1)
			}
			want := "file truncated at frame " + strconv.Itoa(tc.wantFrame) + ": unexpected EOF"
			if len(info.Warnings) != 1 || info.Warnings[0] != want {
				t.Errorf("Warnings = %q, want [%q]", info.Warnings, want)
			}
			// Every UDP frame of this capture is one SIP message.
			if len(all) != tc.wantFrame-1 {
				t.Errorf("%d datagrams before the damage, want %d", len(all), tc.wantFrame-1)
			}
		})
	}
}

func TestGzip(t *testing.T) {
	for _, name := range []string{"pkts_sipp.pcap", "ndpi_sip_hello.pcapng"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(corpusDir(t), "pcaps", name)
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(b)
			zw.Close()
			r, err := NewReader(&z, name+".gz")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				if _, err := r.Next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				n++
			}
			ref := loadReference(t, src)
			if r.Info().Packets != ref.Capinfos.Packets || n == 0 {
				t.Errorf("Packets = %d (%d datagrams), capinfos says %d", r.Info().Packets, n, ref.Capinfos.Packets)
			}
		})
	}
}

func TestInfoAndProgress(t *testing.T) {
	src := filepath.Join(corpusDir(t), "pcaps", "ndpi_gre.pcapng")
	r, err := Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	// tshark: frame 1, 2017-01-04 03:42:29.095788 (capinfos, UTC), 802.1Q
	// VLAN 142 / GRE / PPP / IPv4 / UDP, SIP/2.0 100 Trying.
	if d.Frame != 1 || d.Transport != UDP || !bytes.HasPrefix(d.Payload, []byte("SIP/2.0 100 Trying")) {
		t.Errorf("got frame %d %s %q", d.Frame, d.Transport, firstLine(d.Payload))
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("second Next: %v", err)
	}
	info := r.Info()
	want := time.Date(2017, 1, 4, 3, 42, 29, 95788000, time.UTC)
	if !info.Start.Equal(want) || !info.End.Equal(want) {
		t.Errorf("Start/End = %v / %v, want %v", info.Start, info.End, want)
	}
	done, total := r.Progress()
	if total != 668 || done != total {
		t.Errorf("Progress = %d/%d, want 668/668", done, total)
	}
}

func TestLinkTypeNames(t *testing.T) {
	ip4 := ipPacket(t, "10.0.0.1:1", "10.0.0.2:2", []byte("x"))
	tests := []struct {
		linkType uint32
		prefix   []byte
		want     string // capinfos -M -E on the same file (tshark 4.0)
	}{
		{0, []byte{2, 0, 0, 0}, "null"},
		{1, cat(macs, u16(0x0800)), "ether"},
		{12, nil, "rawip"},
		{101, nil, "rawip"},
		{108, []byte{0, 0, 0, 2}, "loop"},
		{113, cat(make([]byte, 14), u16(0x0800)), "linux-sll"},
		{228, nil, "rawip4"},
	}
	for _, tc := range tests {
		t.Run(tc.want+"_"+strconv.Itoa(int(tc.linkType)), func(t *testing.T) {
			frame := cat(tc.prefix, ip4)
			b := make([]byte, 24+16)
			binary.LittleEndian.PutUint32(b[0:4], 0xa1b2c3d4)
			binary.LittleEndian.PutUint16(b[4:6], 2)
			binary.LittleEndian.PutUint16(b[6:8], 4)
			binary.LittleEndian.PutUint32(b[16:20], 65535)
			binary.LittleEndian.PutUint32(b[20:24], tc.linkType)
			binary.LittleEndian.PutUint32(b[32:36], uint32(len(frame)))
			binary.LittleEndian.PutUint32(b[36:40], uint32(len(frame)))
			r, err := NewReader(bytes.NewReader(cat(b, frame)), "lt.pcap")
			if err != nil {
				t.Fatal(err)
			}
			d, err := r.Next()
			if err != nil || string(d.Payload) != "x" {
				t.Fatalf("Next: %v", err)
			}
			if got := r.Info().LinkType; got != tc.want {
				t.Errorf("LinkType = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTruncatedPcapng(t *testing.T) {
	src := filepath.Join(corpusDir(t), "pcaps", "ndpi_sip_hello.pcapng")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets of the Enhanced Packet Blocks (type 6), parsed by hand
	// (little-endian file: block type, total length).
	var epb []int
	for off := 0; off+8 <= len(b); {
		typ, l := binary.LittleEndian.Uint32(b[off:]), int(binary.LittleEndian.Uint32(b[off+4:]))
		if typ == 6 {
			epb = append(epb, off)
		}
		if l < 12 {
			t.Fatalf("bad block at %d", off)
		}
		off += l
	}
	if len(epb) != 30 { // capinfos: 30 packets
		t.Fatalf("%d packet blocks, capinfos says 30", len(epb))
	}
	for _, k := range []int{0, 12, 29} {
		t.Run("cut in frame "+strconv.Itoa(k+1), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "cut.pcapng")
			if err := os.WriteFile(p, b[:epb[k]+40], 0o644); err != nil {
				t.Fatal(err)
			}
			_, info, _ := readAll(t, p)
			want := "file truncated at frame " + strconv.Itoa(k+1) + ": unexpected EOF"
			if info.Packets != k || len(info.Warnings) != 1 || info.Warnings[0] != want {
				t.Errorf("Packets = %d, Warnings = %q; want %d, [%q]", info.Packets, info.Warnings, k, want)
			}
		})
	}
}

// TestPcapngLinkTypeFromInterface: a pcapng of raw IP (what `voiplab capture
// -i any` writes) reports link type rawip, read from its interface block.
func TestPcapngLinkTypeFromInterface(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewFrameWriter(&buf, FrameWriterOptions{Interface: "any", LinkType: LinkTypeRaw})
	if err != nil {
		t.Fatal(err)
	}
	// an IPv4/UDP packet, 28 bytes of headers and 4 of payload
	pkt := []byte{0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2,
		0x13, 0xc4, 0x13, 0xc4, 0, 12, 0, 0, 'p', 'i', 'n', 'g'}
	if err := w.WriteFrame(&Frame{Data: pkt, Length: len(pkt), Time: time.Unix(1e9, 0), LinkType: LinkTypeRaw}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, "any.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Next()
	if err != nil || string(d.Payload) != "ping" {
		t.Fatalf("Next: %v %+v", err, d)
	}
	for {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	if lt := r.Info().LinkType; lt != "rawip" {
		t.Errorf("link type %q, want rawip", lt)
	}
}
