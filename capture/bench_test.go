package capture

import (
	"bytes"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// udpPcap builds a classic pcap of n Ethernet/IPv4/UDP frames with 172-byte
// RTP-sized payloads (G.711, 20 ms), using the Writer's frame builder.
func udpPcap(tb testing.TB, n int) []byte {
	var out bytes.Buffer
	pw := pcapgo.NewWriter(&out)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	var fw Writer
	src, dst := netip.MustParseAddrPort("192.0.2.1:10000"), netip.MustParseAddrPort("192.0.2.2:20000")
	var frame bytes.Buffer
	fw.ng, _ = newNgWriter(&frame, ngSection{}, ngInterface{linkType: LinkTypeEthernet}) // unused sink for packet()
	payload := make([]byte, 172)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range n {
		d := &Datagram{Src: src, Dst: dst, Time: t0.Add(time.Duration(i) * 20 * time.Millisecond), Transport: UDP}
		if err := fw.packet(d, src.Addr(), dst.Addr(), 17, payload, 0, 0); err != nil {
			tb.Fatal(err)
		}
		b := fw.buf[:14+20+8+len(payload)]
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: d.Time, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			tb.Fatal(err)
		}
	}
	return out.Bytes()
}

// BenchmarkReader measures Ethernet/IPv4/UDP datagrams per second.
func BenchmarkReader(b *testing.B) {
	const n = 100_000
	file := udpPcap(b, n)
	b.SetBytes(int64(len(file) / n))
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		r, err := NewReader(bytes.NewReader(file), "bench.pcap")
		if err != nil {
			b.Fatal(err)
		}
		for read < b.N {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			read++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// TestReaderNoAllocs checks that the UDP path allocates nothing per packet.
func TestReaderNoAllocs(t *testing.T) {
	file := udpPcap(t, 2000)
	r, err := NewReader(bytes.NewReader(file), "allocs.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for range 10 { // warm up buffers
		r.Next()
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per UDP datagram, want 0", allocs)
	}
}

// BenchmarkReaderPcapng is BenchmarkReader on the pcapng the Writer makes.
func BenchmarkReaderPcapng(b *testing.B) {
	const n = 100_000
	var file bytes.Buffer
	w, err := NewWriter(&file, WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("192.0.2.1:10000"), netip.MustParseAddrPort("192.0.2.2:20000")
	payload := make([]byte, 172)
	for i := range n {
		w.WriteDatagram(&Datagram{Src: src, Dst: dst, Transport: UDP, Payload: payload, Time: time.Unix(int64(i), 0)})
	}
	w.Flush()
	data := file.Bytes()
	b.ReportAllocs()
	b.ResetTimer()
	read := 0
	for read < b.N {
		r, err := NewReader(bytes.NewReader(data), "bench.pcapng")
		if err != nil {
			b.Fatal(err)
		}
		for read < b.N {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			read++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}
