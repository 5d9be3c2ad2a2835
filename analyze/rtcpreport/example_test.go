package rtcpreport_test

import (
	"fmt"

	"voiplab/analyze/rtcpreport"
)

// A receiver report about one PCMU stream: 1/4 of the packets lost since
// the previous report, a jitter of 160 timestamp units.
func ExampleDecode() {
	b := []byte{
		0x81, 0xc9, 0x00, 0x07, // V=2, RC=1, PT=201 RR, length 7
		0x00, 0x00, 0x00, 0x01, // sender SSRC
		0x00, 0x00, 0x00, 0x02, // block: source SSRC
		0x40, 0x00, 0x00, 0x05, // fraction lost 64/256, cumulative lost 5
		0x00, 0x00, 0x01, 0x00, // extended highest sequence 256
		0x00, 0x00, 0x00, 0xa0, // jitter 160
		0x00, 0x00, 0x00, 0x00, // LSR
		0x00, 0x00, 0x00, 0x00, // DLSR
	}
	if !rtcpreport.LooksLikeRTCP(b) {
		return
	}
	pkts, err := rtcpreport.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pkts {
		for _, blk := range p.Blocks {
			fmt.Printf("%s from %#x about %#x: lost %.0f%% (%d total), jitter %.0f ms\n",
				p.Type, p.SSRC, blk.SSRC, blk.Fraction()*100, blk.CumulativeLost, blk.JitterMs(8000))
		}
	}
	// Output:
	// RR from 0x1 about 0x2: lost 25% (5 total), jitter 20 ms
}
