package analyze_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/synth"
)

// writeBenchCapture writes synth.Bench(calls) to a pcapng in dir.
func writeBenchCapture(b testing.TB, dir string, calls int) (string, int) {
	b.Helper()
	path := filepath.Join(dir, "bench.pcapng")
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := capture.NewWriter(fh, capture.WriterOptions{Comment: "voiplab bench"})
	if err != nil {
		b.Fatal(err)
	}
	st, err := synth.Bench(calls, 5*time.Second).Write(w)
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		b.Fatal(err)
	}
	return path, st.Packets
}

// BenchmarkRun analyses a capture of 200 G.711 calls (about 100,000
// packets) from disk, as `voiplab analyze --json` does; make bench compares
// the whole binary with tshark on 2,000 calls.
func BenchmarkRun(b *testing.B) {
	path, packets, calls := os.Getenv("VOIPLAB_BENCH_FILE"), 0, 0 // a capture made by `voiplab synth bench`
	if path == "" {
		calls = 200
		path, packets = writeBenchCapture(b, b.TempDir(), calls)
	}
	opts := analyze.DefaultOptions()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := analyze.Run(context.Background(), []string{path}, opts, nil)
		if err != nil {
			b.Fatal(err)
		}
		if calls > 0 && len(r.Calls) != calls {
			b.Fatalf("%d calls, want %d", len(r.Calls), calls)
		}
		if packets == 0 {
			packets = r.Files[0].Packets
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
