package report_test

import (
	"io"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/report"
	"voiplab/synth"
)

// BenchmarkWriteJSON writes the Result of 200 benchmark calls (5 s of
// G.711 each, about 100,000 packets: a tenth of `make bench`'s capture)
// with the hand-written writer and with the encoding/json oracle it
// replaced; the ratio of the two is the speed-up.
func BenchmarkWriteJSON(b *testing.B) {
	r := synthResult(b, synth.Bench(200, 5*time.Second))
	for _, bc := range []struct {
		name  string
		write func(io.Writer, *analyze.Result) error
	}{
		{"hand", report.WriteJSON},
		{"encoding_json", oracleWriteJSON},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var n countingDiscard
			if err := bc.write(&n, r); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.write(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// countingDiscard counts what is written to it.
type countingDiscard int

func (c *countingDiscard) Write(p []byte) (int, error) {
	*c += countingDiscard(len(p))
	return len(p), nil
}
