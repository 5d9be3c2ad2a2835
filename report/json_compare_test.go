package report_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/report"
	"voiplab/synth"
)

// sameJSON writes r with WriteJSON and with the encoding/json oracle and
// fails at the first byte where they differ.
func sameJSON(t *testing.T, r *analyze.Result) {
	t.Helper()
	var got, want bytes.Buffer
	gerr := report.WriteJSON(&got, r)
	werr := oracleWriteJSON(&want, r)
	if gerr != nil || werr != nil {
		if gerr == nil || werr == nil || gerr.Error() != werr.Error() {
			t.Fatalf("error %v, oracle's %v", gerr, werr)
		}
		return // the output before an error is not part of the contract
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("WriteJSON differs from encoding/json %s", diffAt(want.Bytes(), got.Bytes()))
	}
}

// diffAt describes where got first differs from want, with context.
func diffAt(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-200)
	return "at byte " + itoa(i) + " (of " + itoa(len(want)) + " and " + itoa(len(got)) + "):\nwant …" +
		string(want[from:min(len(want), i+80)]) + "\ngot  …" + string(got[from:min(len(got), i+80)])
}

// TestWriteJSONCorpus: every corpus capture, analysed with the raw SIP
// text kept, is written byte for byte as encoding/json writes it.
func TestWriteJSONCorpus(t *testing.T) {
	for _, path := range corpusCaptures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sameJSON(t, analyse(t, path))
		})
	}
}

// synthResult analyses a synthesized scenario without writing it to disk.
func synthResult(t testing.TB, sc synth.Scenario) *analyze.Result {
	t.Helper()
	a := analyze.New(analyze.DefaultOptions())
	a.AddFile(capture.FileInfo{Path: "synth.pcapng", Format: "pcapng"})
	if _, err := sc.Write(synth.DatagramWriterFunc(func(d *capture.Datagram) error {
		a.Datagram(d)
		return nil
	})); err != nil {
		t.Fatalf("synth: %v", err)
	}
	return a.Result()
}

// TestWriteJSONSynth: the demo capture (every planted fault: DTMF, RTCP,
// XR, re-INVITEs, registrations, scans) and a small benchmark capture.
func TestWriteJSONSynth(t *testing.T) {
	for _, tc := range []struct {
		name string
		sc   synth.Scenario
	}{
		{"demo", synth.Demo()},
		{"bench 20 calls", synth.Bench(20, 2*time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameJSON(t, synthResult(t, tc.sc))
		})
	}
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteJSONWriteError: an error of the destination comes back wrapped,
// at the start of the document and after a first flush.
func TestWriteJSONWriteError(t *testing.T) {
	r := synthResult(t, synth.Bench(20, 2*time.Second))
	for _, n := range []int{0, 100 << 10} {
		t.Run("after "+itoa(n)+" bytes", func(t *testing.T) {
			err := report.WriteJSON(&failWriter{n: n}, r)
			if !errors.Is(err, errDiskFull) || err.Error() != "report: json: disk full" {
				t.Fatalf("error %v, want report: json: disk full", err)
			}
		})
	}
}

// countWriter records the size of each Write.
type countWriter struct{ writes []int }

func (w *countWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return len(p), nil
}

// TestWriteJSONChunks: the document goes out in chunks of at least 64 KiB
// (but the last), and no chunk is much larger, even for one call of 5,000
// messages (2.5 MB): memory stays bounded.
func TestWriteJSONChunks(t *testing.T) {
	big := &analyze.Result{Calls: []analyze.Call{{CallID: "big"}}}
	for i := range 5000 {
		big.Calls[0].Messages = append(big.Calls[0].Messages, analyze.Message{Frame: i + 1, Method: "OPTIONS",
			Raw: strings.Repeat("OPTIONS sip:lab.local SIP/2.0\r\n", 10)})
	}
	for _, tc := range []struct {
		name string
		r    *analyze.Result
	}{
		{"bench 100 calls", synthResult(t, synth.Bench(100, 2*time.Second))},
		{"one call of 5000 messages", big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w countWriter
			if err := report.WriteJSON(&w, tc.r); err != nil {
				t.Fatal(err)
			}
			if len(w.writes) < 3 {
				t.Fatalf("%d writes, want the document in several chunks", len(w.writes))
			}
			for i, n := range w.writes {
				if (n < 64<<10 && i < len(w.writes)-1) || n > 80<<10 {
					t.Errorf("write %d of %d bytes, want 64-80 KiB", i, n)
				}
			}
		})
	}
}
