package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// seedFrames returns up to n frames of a corpus capture with its link type.
func seedFrames(tb testing.TB, name string, n int) (frames [][]byte, linkType uint16) {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../shared/corpus"
	}
	f, err := os.Open(filepath.Join(dir, "pcaps", name))
	if err != nil {
		return nil, 0
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	for len(frames) < n {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		frames = append(frames, data)
	}
	return frames, uint16(r.LinkType())
}

// FuzzDecodeFrame feeds one frame of any link type to the decoder: it must
// not panic, and every datagram must point inside sane bounds.
func FuzzDecodeFrame(f *testing.F) {
	for _, name := range []string{"sngrep_ipip.pcap", "sngrep_ipv6frag.pcap", "heplify_sip_sctp.pcap",
		"pcapplusplus_sip_reqs.pcap", "rtp-pcap_h263-over-rtp.pcap", "heplify_sip_tcp_websocket.pcap"} {
		frames, lt := seedFrames(f, name, 12)
		for _, fr := range frames {
			f.Add(fr, lt)
		}
	}
	f.Add([]byte{0x45, 0, 0, 20}, uint16(linkRaw))
	f.Fuzz(func(t *testing.T, frame []byte, linkType uint16) {
		var d decoder
		d.init()
		ts := time.Unix(0, 0)
		// The same frame twice, then the end: exercises reassembly state.
		d.frame(frame, linkType, 1, ts)
		d.frame(frame, linkType, 2, ts.Add(time.Minute))
		d.flushAll()
		for _, dg := range d.out {
			if len(dg.Payload) > 1<<20 {
				t.Fatalf("payload of %d bytes", len(dg.Payload))
			}
		}
	})
}

// FuzzReader reads whole files: no panic, and the read ends.
func FuzzReader(f *testing.F) {
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../shared/corpus"
	}
	for _, name := range []string{"ndpi_gre.pcapng", "sngrep_ipip.pcap", "heplify_sip_sctp.pcap", "pkts_fragmented_udp_sip.pcap"} {
		if b, err := os.ReadFile(filepath.Join(dir, "pcaps", name)); err == nil {
			f.Add(b)
		}
	}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr, 0xa1b2c3d4)
	f.Add(hdr)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrLinkType) && !bytes.Contains([]byte(err.Error()), []byte("header")) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for i := 0; ; i++ {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if i > 1<<20 {
				t.Fatal("read does not end")
			}
		}
		_ = r.Info()
	})
}
