package capture

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// TestNgWriterReadByPcapgo writes frames, options and statistics with the
// hand-written pcapng writer and reads them back with gopacket's pcapgo
// reader, which checks every block length, option and the byte order.
func TestNgWriterReadByPcapgo(t *testing.T) {
	var out bytes.Buffer
	fw, err := NewFrameWriter(&out, FrameWriterOptions{Comment: "voiplab test", Interface: "lo",
		LinkType: LinkTypeEthernet, Filter: "udp port 5060", Snaplen: 262144})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 27, 21, 0, 0, 123456789, time.UTC)
	frames := [][]byte{bytes.Repeat([]byte{0xab}, 60), bytes.Repeat([]byte{0xcd}, 61), {1, 2, 3}}
	for i, f := range frames {
		if err := fw.WriteFrame(&Frame{Time: t0.Add(time.Duration(i) * time.Millisecond), Data: f, Length: len(f) + i, LinkType: LinkTypeEthernet}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.WriteStats(LiveStats{Received: 7, Dropped: 2}, t0, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.Len()%4 != 0 {
		t.Fatalf("file of %d bytes: pcapng blocks are 32-bit aligned", out.Len())
	}
	r, err := pcapgo.NewNgReader(bytes.NewReader(out.Bytes()), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	sec := r.SectionInfo()
	if sec.Comment != "voiplab test" || sec.Application != "voiplab" || sec.OS == "" || sec.Hardware == "" {
		t.Errorf("section %+v", sec)
	}
	for i, want := range frames {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(data, want) || !ci.Timestamp.Equal(t0.Add(time.Duration(i)*time.Millisecond)) ||
			ci.CaptureLength != len(want) || ci.Length != len(want)+i {
			t.Errorf("frame %d: %x at %v, %d/%d bytes", i, data, ci.Timestamp, ci.CaptureLength, ci.Length)
		}
	}
	if _, _, err := r.ReadPacketData(); err == nil {
		t.Fatal("a fourth frame")
	}
	ifc, err := r.Interface(0)
	if err != nil {
		t.Fatal(err)
	}
	if ifc.Name != "lo" || ifc.Filter != "udp port 5060" || ifc.SnapLength != 262144 || uint16(ifc.LinkType) != LinkTypeEthernet ||
		ifc.TimestampResolution != 9 {
		t.Errorf("interface %+v", ifc)
	}
	st := ifc.Statistics
	if st.PacketsReceived != 7 || st.PacketsDropped != 2 || !st.StartTime.Equal(t0) || !st.EndTime.Equal(t0.Add(time.Second)) {
		t.Errorf("statistics %+v", st)
	}
	// and our own reader gives the same frames
	cr, err := NewReader(bytes.NewReader(out.Bytes()), "w.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := cr.Next(); err != nil {
			break
		}
	}
	if info := cr.Info(); info.Packets != len(frames) || len(info.Warnings) != 0 {
		t.Errorf("capture.Reader: %d packets, warnings %q", info.Packets, info.Warnings)
	}
}
