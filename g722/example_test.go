package g722_test

import (
	"fmt"
	"math"

	"voiplab/g722"
)

// Encode 20 ms of a 1 kHz tone into one RTP payload and decode it again.
func Example() {
	pcm := make([]int16, 320) // 20 ms at 16 kHz
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/g722.SampleRate))
	}
	payload := g722.NewEncoder().Encode(nil, pcm)
	out := g722.NewDecoder().Decode(nil, payload)
	fmt.Println(len(payload), "octets,", len(out), "samples, RTP timestamp step", len(payload)*g722.ClockRate/8000)
	// Output: 160 octets, 320 samples, RTP timestamp step 160
}
