package report_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/synth"
)

// largeResult analyses synth.Bench(calls, 2 s) written as a pcapng in a
// temporary directory: the 1,000-call report of the large-capture tests.
func largeResult(t testing.TB, calls int) *analyze.Result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.pcapng")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(fh, capture.WriterOptions{Comment: "voiplab report large"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Bench(calls, 2*time.Second).Write(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	r := analyse(t, path)
	if len(r.Calls) != calls {
		t.Fatalf("%d calls analysed, want %d", len(r.Calls), calls)
	}
	return r
}
