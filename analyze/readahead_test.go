package analyze_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
)

// loopAnalysis analyses path the plain way, one Datagram call per datagram
// on this goroutine, without the read-ahead goroutine of Run.
func loopAnalysis(t *testing.T, path string, opts analyze.Options) *analyze.Result {
	t.Helper()
	r, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := analyze.New(opts)
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		a.Datagram(d)
	}
	a.AddFile(r.Info())
	return a.Result()
}

// TestRunEqualsDatagramLoop checks that Run, which reads ahead and parses
// SIP on another goroutine, gives exactly the Result of Datagram called in
// a loop, on every corpus capture and on a bench capture whose batches are
// many.
func TestRunEqualsDatagramLoop(t *testing.T) {
	paths := corpusCaptures(t)
	big, _ := writeBenchCapture(t, t.TempDir(), 40)
	paths = append(paths, big)
	opts := analyze.DefaultOptions()
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			got, err := analyze.Run(context.Background(), []string{path}, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := loopAnalysis(t, path, opts)
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Fatalf("Run differs from the Datagram loop: %s", firstDiff(wj, gj))
			}
		})
	}
}

// TestRunOneCPU checks the path Run takes on one CPU (no read-ahead) gives
// the same Result as with it.
func TestRunOneCPU(t *testing.T) {
	path, _ := writeBenchCapture(t, t.TempDir(), 40)
	opts := analyze.DefaultOptions()
	ahead, err := analyze.Run(context.Background(), []string{path}, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	direct, err := analyze.Run(context.Background(), []string{path}, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	aj, _ := json.Marshal(ahead)
	dj, _ := json.Marshal(direct)
	if string(aj) != string(dj) {
		t.Fatalf("one CPU differs from read-ahead: %s", firstDiff(aj, dj))
	}
}

// TestRunCancelled checks that a cancelled analysis stops with the
// context's error and leaves no goroutine behind.
func TestRunCancelled(t *testing.T) {
	path, _ := writeBenchCapture(t, t.TempDir(), 40)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := analyze.Run(ctx, []string{path}, analyze.DefaultOptions(), func(done, total int64) {
		if done < total {
			cancel() // at the first report, long before the end
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after the cancelled run, %d before", n, before)
	}
}

// TestRunDamagedFile checks that a file cut in the middle of a record is
// analysed up to the damage through the read-ahead, with the warning.
func TestRunDamagedFile(t *testing.T) {
	path, _ := writeBenchCapture(t, t.TempDir(), 20)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	if err := os.WriteFile(cut, b[:len(b)*2/3+5], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(context.Background(), []string{cut}, analyze.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := loopAnalysis(t, cut, analyze.DefaultOptions())
	if res.Files[0].Packets != want.Files[0].Packets || len(res.Calls) != len(want.Calls) || len(res.Streams) != len(want.Streams) {
		t.Fatalf("read-ahead: %d packets %d calls %d streams; loop: %d, %d, %d",
			res.Files[0].Packets, len(res.Calls), len(res.Streams), want.Files[0].Packets, len(want.Calls), len(want.Streams))
	}
	w := res.Files[0].Warnings
	if len(w) == 0 || res.Files[0].Packets == 0 {
		t.Fatalf("packets %d, warnings %q: want the packets before the damage and a warning", res.Files[0].Packets, w)
	}
}
