// Package corpustest gives tests the shared corpus of public captures
// (../shared/corpus, or $VOIPLAB_CORPUS) and reads its UDP datagrams with
// gopacket, a reader independent of voiplab's own capture package, so that
// the leaf packages are checked against data that capture did not decode.
package corpustest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Dir is the corpus directory: $VOIPLAB_CORPUS, or shared/corpus beside the
// repository (found from the working directory of the test, which is its
// package's directory).
func Dir() string {
	if d := os.Getenv("VOIPLAB_CORPUS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "corpus")
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "corpus")
		}
		if filepath.Dir(dir) == dir {
			return filepath.Join("..", "shared", "corpus")
		}
	}
}

// Pcap returns the path of a capture of the corpus, and skips the test when
// the corpus is absent.
func Pcap(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(), "pcaps", name)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		tb.Skipf("corpus file %s absent (set VOIPLAB_CORPUS)", p)
	}
	return p
}

// UDP is one UDP datagram of a capture.
type UDP struct {
	Frame    int
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte
}

// ReadUDP returns the UDP datagrams of a corpus capture, skipping the test
// when the corpus is absent.
func ReadUDP(tb testing.TB, name string) []UDP {
	tb.Helper()
	raw, err := os.ReadFile(Pcap(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	var (
		next     func() ([]byte, gopacket.CaptureInfo, error)
		linkType layers.LinkType
	)
	if bytes.HasPrefix(raw, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bufio.NewReader(bytes.NewReader(raw)), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			tb.Fatal(err)
		}
		next, linkType = r.ReadPacketData, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			tb.Fatal(err)
		}
		next, linkType = r.ReadPacketData, r.LinkType()
	}
	var out []UDP
	for frame := 1; ; frame++ {
		data, ci, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("%s frame %d: %v", name, frame, err)
		}
		p := gopacket.NewPacket(data, linkType, gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			continue
		}
		var src, dst netip.Addr
		if n := p.NetworkLayer(); n != nil {
			src, _ = netip.AddrFromSlice(n.NetworkFlow().Src().Raw())
			dst, _ = netip.AddrFromSlice(n.NetworkFlow().Dst().Raw())
		}
		out = append(out, UDP{Frame: frame, Time: ci.Timestamp,
			Src: netip.AddrPortFrom(src.Unmap(), uint16(udp.SrcPort)), Dst: netip.AddrPortFrom(dst.Unmap(), uint16(udp.DstPort)),
			Payload: udp.Payload})
	}
	return out
}
