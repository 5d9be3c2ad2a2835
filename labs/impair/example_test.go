package impair_test

import (
	"fmt"
	"time"

	"voiplab/labs/impair"
)

// Decide the fate of 20 ms RTP packets under 5 % loss in bursts of 3 packets
// on average, with 40 ms ± 20 ms of delay.
func Example() {
	ge := impair.Gilbert(0.05, 3)
	imp, err := impair.New(impair.Config{Burst: &ge, DelayMs: 40, JitterMs: 20, Seed: 1})
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		imp.Decide(start.Add(time.Duration(i) * 20 * time.Millisecond))
	}
	s := imp.Stats()
	fmt.Printf("loss model %.0f %%, mean burst %.0f packets; decided %d packets\n", 100*ge.LossRate(), ge.MeanBurst(), s.Packets)
	// Output: loss model 5 %, mean burst 3 packets; decided 1000 packets
}
