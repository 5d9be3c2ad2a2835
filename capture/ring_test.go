package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// rawFrames reads a pcap or pcapng file's frames as they are (no decoding).
func rawFrames(t *testing.T, path string) ([]Frame, uint16) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(4)
	type src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var s src
	var lt uint16
	if binary.LittleEndian.Uint32(head) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s, lt = r, uint16(r.LinkType())
	} else {
		r, err := pcapgo.NewReader(br)
		if err != nil {
			t.Fatal(err)
		}
		s, lt = r, uint16(r.LinkType())
	}
	var out []Frame
	for {
		data, ci, err := s.ReadPacketData()
		if err != nil {
			break // end, or damage: Reader stops there too
		}
		out = append(out, Frame{Data: data, Length: ci.Length, Time: ci.Timestamp, LinkType: lt})
	}
	return out, lt
}

// datagramKeys describes datagrams for comparison.
func datagramKeys(ds []Datagram) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d %s %s>%s %d %x trunc=%v ws=%v", d.Frame, d.Transport, d.Src, d.Dst, len(d.Payload), d.Payload[:min(8, len(d.Payload))], d.Truncated, d.WebSocket))
	}
	return out
}

func readerKeys(t *testing.T, path string) []string {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ds []Datagram
	for {
		d, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *d
		c.Payload = append([]byte(nil), d.Payload...)
		ds = append(ds, c)
	}
	return datagramKeys(ds)
}

// TestDecoderMatchesReader: the Decoder that live capture uses gives, frame
// by frame, the datagrams the Reader gives for every corpus capture of one
// link type (the Reader's own results are checked against tshark in
// corpus_test.go).
func TestDecoderMatchesReader(t *testing.T) {
	dir := corpusDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "pcaps", "*.pcap*"))
	for _, path := range files {
		if strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".gz") {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			frames, lt := rawFrames(t, path)
			if !supportedLink(lt) {
				t.Skipf("link type %d", lt)
			}
			d := NewDecoder()
			var ds []Datagram
			keep := func(out []Datagram) {
				for _, x := range out {
					x.Payload = append([]byte(nil), x.Payload...)
					ds = append(ds, x)
				}
			}
			for _, f := range frames {
				out, err := d.Decode(f.Data, f.LinkType, f.Time)
				if err != nil {
					t.Fatal(err)
				}
				keep(out)
			}
			keep(d.Flush())
			got, want := datagramKeys(ds), readerKeys(t, path)
			if len(got) != len(want) {
				t.Fatalf("%d datagrams, Reader %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("datagram %d: %s, Reader %s", i, got[i], want[i])
				}
			}
		})
	}
	if _, err := NewDecoder().Decode(nil, 147, time.Time{}); !errors.Is(err, ErrLinkType) {
		t.Errorf("link type 147: %v", err)
	}
}

// TestRingRotation writes a corpus capture through a ring of small files
// and reads every file back: together the files kept hold the last frames,
// every file is a valid pcapng with the filter and comment, and no more
// than Files remain.
func TestRingRotation(t *testing.T) {
	dir := corpusDir(t)
	path := filepath.Join(dir, "pcaps", "heplify_rtp_rtcp_sip_ipv4_udp.pcap")
	frames, lt := rawFrames(t, path)
	out := filepath.Join(t.TempDir(), "cap.pcapng")
	ring, err := NewRing(RingOptions{
		Path: out, Files: 3, MaxSize: 4096,
		Writer: FrameWriterOptions{Comment: "voiplab capture test", Interface: "eth0", LinkType: lt, Filter: "udp"},
		Now:    func() time.Time { return frames[0].Time },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range frames {
		if err := ring.WriteFrame(&frames[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ring.WriteStats(LiveStats{Received: uint64(len(frames)), Dropped: 2}, frames[0].Time, frames[len(frames)-1].Time); err != nil {
		t.Fatal(err)
	}
	if err := ring.Close(); err != nil {
		t.Fatal(err)
	}
	kept := ring.Files()
	onDisk, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "cap_*.pcapng"))
	if len(kept) != 3 || len(onDisk) != 3 {
		t.Fatalf("kept %v, on disk %v; want 3 files", kept, onDisk)
	}
	base := filepath.Base(kept[0])
	if !strings.HasPrefix(base, "cap_0") || len(base) != len("cap_00001_20060102150405.pcapng") {
		t.Errorf("file name %q does not follow dumpcap's pattern", base)
	}
	total := 0
	for _, p := range kept {
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		fi := r.Info()
		if fi.Format != "pcapng" || fi.LinkType != "ether" || len(fi.Warnings) != 0 {
			t.Errorf("%s: %+v", p, fi)
		}
		total += fi.Packets
		r.Close()
		// The headers: comment in the SHB, interface name and filter in the IDB.
		f, _ := os.Open(p)
		ng, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ng.SectionInfo().Comment != "voiplab capture test" || ng.SectionInfo().Application != "voiplab" {
			t.Errorf("%s: section %+v", p, ng.SectionInfo())
		}
		ifc, _ := ng.Interface(0)
		if ifc.Name != "eth0" || ifc.Filter != "udp" || ifc.LinkType != layers.LinkTypeEthernet {
			t.Errorf("%s: interface %+v", p, ifc)
		}
		f.Close()
	}
	// The last file ends with the last frame.
	last, _ := rawFrames(t, kept[2])
	if !last[len(last)-1].Time.Equal(frames[len(frames)-1].Time) {
		t.Errorf("last frame time %v, want %v", last[len(last)-1].Time, frames[len(frames)-1].Time)
	}
	if total == 0 || total >= len(frames) {
		t.Errorf("%d frames in the kept files of %d: the oldest files should have been deleted", total, len(frames))
	}
	t.Logf("%d frames, %d in the last 3 files", len(frames), total)
}

// TestRingSingleFile: without rotation options the file is Path itself,
// and a frame of another link type is refused.
func TestRingSingleFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "one.pcapng")
	ring, err := NewRing(RingOptions{Path: out, Writer: FrameWriterOptions{LinkType: LinkTypeRaw, Interface: "any"}})
	if err != nil {
		t.Fatal(err)
	}
	// An IPv4/UDP packet, raw IP.
	pkt := []byte{0x45, 0, 0, 29, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, 0x13, 0xc4, 0x13, 0xc4, 0, 9, 0, 0, 'x'}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if err := ring.WriteFrame(&Frame{Data: pkt, Length: len(pkt), Time: now, LinkType: LinkTypeRaw}); err != nil {
		t.Fatal(err)
	}
	if err := ring.WriteFrame(&Frame{Data: pkt, Time: now, LinkType: LinkTypeEthernet}); !errors.Is(err, ErrLinkType) {
		t.Errorf("mixed link type: %v", err)
	}
	if err := ring.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if d.Src.String() != "127.0.0.1:5060" || string(d.Payload) != "x" || !d.Time.Equal(now) {
		t.Errorf("read back %+v", d)
	}
	// (Reader.Info().LinkType reads "ether" for this file: the Reader
	// takes the link type before pcapgo has read the interface block.)
	f, _ := os.Open(out)
	defer f.Close()
	ng, err := pcapgo.NewNgReader(f, pcapgo.NgReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ng.ReadPacketData(); err != nil {
		t.Fatal(err)
	}
	if ifc, _ := ng.Interface(0); ifc.LinkType != layers.LinkTypeRaw || ifc.Name != "any" {
		t.Errorf("interface %+v", ifc)
	}
}

// TestRingTick rotates a quiet capture by time.
func TestRingTick(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.Local)
	ring, err := NewRing(RingOptions{Path: filepath.Join(dir, "q.pcapng"), Files: 2, MaxDuration: time.Minute, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := ring.Tick(t0.Add(time.Duration(i) * 61 * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	ring.Close()
	files := ring.Files()
	want := []string{"q_00003_20261127120202.pcapng", "q_00004_20261127120303.pcapng"}
	if len(files) != 2 || filepath.Base(files[0]) != want[0] || filepath.Base(files[1]) != want[1] {
		t.Errorf("files %v, want %v", files, want)
	}
}

// TestOpenLiveErrors: a missing interface is named in the error, before any
// socket is opened (no privilege needed).
func TestOpenLiveErrors(t *testing.T) {
	_, err := OpenLive(LiveConfig{Interface: "nosuchif0"})
	if !errors.Is(err, ErrInterface) && !errors.Is(err, ErrLiveUnsupported) {
		t.Fatalf("got %v, want ErrInterface", err)
	}
	if err != nil && !strings.Contains(err.Error(), "nosuchif0") && !errors.Is(err, ErrLiveUnsupported) {
		t.Errorf("error %q does not name the interface", err)
	}
}
