package dtmf

import (
	"testing"
	"time"
)

// FuzzDetector feeds arbitrary packets to a detector: it must not panic, and
// every digit it reports must carry a name and sane counters.
func FuzzDetector(f *testing.F) {
	// Seeds: the end packet of sipp_dtmf_2833_1.pcap (event 1, volume 10,
	// duration 2240) and an update of asterisk-testsuite_ulaw (event 2, 160).
	f.Add(uint32(13280), true, []byte{0x01, 0x8a, 0x08, 0xc0}, uint32(13280), []byte{0x01, 0x0a, 0x01, 0x40})
	f.Add(uint32(46720), true, []byte{0x02, 0x0a, 0x00, 0xa0}, uint32(52960), []byte{0x00, 0x8a, 0x06, 0x40})
	f.Add(uint32(0), false, []byte{}, uint32(1), []byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, ts1 uint32, marker bool, p1 []byte, ts2 uint32, p2 []byte) {
		var d Detector
		t0 := time.Unix(0, 0)
		check := func(dig Digit, ok bool) {
			if ok && (dig.Digit == "" || dig.Packets < 1 || dig.DurationMs < 0) {
				t.Fatalf("bad digit %+v", dig)
			}
		}
		check(d.Add(t0, 1, ts1, marker, p1, 8000))
		check(d.Add(t0, 2, ts2, !marker, p2, 0))
		check(d.Add(t0, 3, ts1, marker, p2, -1))
		check(d.Add(t0, 4, ts2, false, p1, 48000))
		check(d.Flush())
		if _, ok := d.Flush(); ok {
			t.Fatal("second Flush returned a digit")
		}
		_, _ = Decode(p1)
	})
}
