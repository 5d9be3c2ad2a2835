package rtcpreport

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// corpusDir is the shared capture corpus: $VOIPLAB_CORPUS, or the default
// relative to this package (/work/main/analyze/rtcpreport → /work/shared/corpus).
func corpusDir() string {
	if d := os.Getenv("VOIPLAB_CORPUS"); d != "" {
		return d
	}
	return "../../../shared/corpus"
}

// udpDatagram is one UDP payload read from a capture.
type udpDatagram struct {
	frame            int
	time             time.Time
	srcPort, dstPort uint16
	payload          []byte
}

// readUDP returns the UDP payloads of a pcap or pcapng file of the corpus,
// skipping the test when the corpus is absent.
func readUDP(t testing.TB, name string) []udpDatagram {
	t.Helper()
	path := filepath.Join(corpusDir(), "pcaps", name)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("corpus file %s absent (set VOIPLAB_CORPUS)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var (
		next     func() ([]byte, gopacket.CaptureInfo, error)
		linkType layers.LinkType
	)
	if bytes.HasPrefix(raw, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bufio.NewReader(bytes.NewReader(raw)), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		next, linkType = r.ReadPacketData, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		next, linkType = r.ReadPacketData, r.LinkType()
	}
	var out []udpDatagram
	for frame := 1; ; frame++ {
		data, ci, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s frame %d: %v", name, frame, err)
		}
		p := gopacket.NewPacket(data, linkType, gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			continue
		}
		out = append(out, udpDatagram{frame, ci.Timestamp, uint16(udp.SrcPort), uint16(udp.DstPort), udp.Payload})
	}
	return out
}
