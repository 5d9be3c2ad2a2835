package dtmf_test

import (
	"fmt"
	"time"

	"voiplab/analyze/dtmf"
)

// The packets of one key press: RFC 4733 telephone-events with one RTP
// timestamp, updates every 20 ms, and the end packet sent three times.
func ExampleDetector() {
	var d dtmf.Detector
	t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	packets := []struct {
		marker  bool
		payload []byte // event 5, volume 10, end bit, duration
	}{
		{true, []byte{5, 0x0a, 0x00, 0xa0}},  // duration 160
		{false, []byte{5, 0x0a, 0x01, 0x40}}, // 320
		{false, []byte{5, 0x8a, 0x01, 0xe0}}, // end, 480
		{false, []byte{5, 0x8a, 0x01, 0xe0}}, // end, repeated
		{false, []byte{5, 0x8a, 0x01, 0xe0}}, // end, repeated
	}
	for i, p := range packets {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		if dig, ok := d.Add(at, i+1, 8000, p.marker, p.payload, 8000); ok {
			fmt.Printf("digit %s, %v ms, -%d dBm0, frames %d-%d\n", dig.Digit, dig.DurationMs, dig.Volume, dig.Frame, dig.EndFrame)
		}
	}
	if _, ok := d.Flush(); !ok {
		fmt.Println("nothing left")
	}
	// Output:
	// digit 5, 60 ms, -10 dBm0, frames 1-3
	// nothing left
}
