package synth

import (
	"runtime"

	"testing"
	"time"
	"voiplab/capture"
)

func TestBenchScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("large scenario")
	}
	w := newHashWriter()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	st, err := Bench(2000, 5*time.Second).Write(w)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("%+v in %v (%.0f pkt/s), total alloc %d MiB, heap %d MiB", st, el, float64(st.Packets)/el.Seconds(),
		(after.TotalAlloc-before.TotalAlloc)>>20, after.HeapInuse>>20)
	if st.Packets < 1_000_000 {
		t.Errorf("Bench(2000, 5s) wrote %d packets, want >= 1,000,000", st.Packets)
	}
	if st.RTPPackets != 2000*2*250 {
		t.Errorf("RTP packets = %d, want %d (2000 calls x 2 directions x 250)", st.RTPPackets, 2000*2*250)
	}
	if st.SIPMessages != 2000*7 { // INVITE 100 180 200 ACK BYE 200
		t.Errorf("SIP messages = %d, want %d", st.SIPMessages, 2000*7)
	}
	if w.bad != 0 {
		t.Errorf("%d datagrams out of time order", w.bad)
	}
	if after.HeapInuse > 200<<20 {
		t.Errorf("heap in use %d MiB: the merge should stream", after.HeapInuse>>20)
	}
}

func BenchmarkBench200(b *testing.B) {
	for b.Loop() {
		if _, err := Bench(200, 5*time.Second).Write(DatagramWriterFunc(func(*capture.Datagram) error { return nil })); err != nil {
			b.Fatal(err)
		}
	}
}
