package report_test

import (
	"os"
	"path/filepath"
	"strings"
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

// TestHTMLLarge renders the 1,000-call report and bounds what the browser
// must parse when it opens the page: everything but the collapsed calls'
// bodies (kept as script text until a call is opened) stays under 2 MiB,
// ECharts included, and the whole file under 16 MB (14.6 MB when written).
// The browser's timings are in TestHTMLLargeInBrowser (interop).
func TestHTMLLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 1,000 calls")
	}
	r := largeResult(t, 1000)
	page := render(t, r, "en")
	const open, end = `<script type="text/html" class="lazybody">`, `</script>`
	eager, rest, bodies := 0, page, 0
	for {
		i := strings.Index(rest, open)
		if i < 0 {
			eager += len(rest)
			break
		}
		j := strings.Index(rest[i:], end)
		if j < 0 {
			t.Fatal("unterminated call body")
		}
		eager += i + len(open) + len(end)
		bodies++
		rest = rest[i+j+len(end):]
	}
	t.Logf("page %d bytes, %d parsed on opening, %d call bodies", len(page), eager, bodies)
	if bodies != len(r.Calls) {
		t.Errorf("%d call bodies, want %d", bodies, len(r.Calls))
	}
	if eager > 2<<20 {
		t.Errorf("%d bytes parsed when the page opens, want under 2 MiB", eager)
	}
	if len(page) > 16e6 {
		t.Errorf("page of %d bytes, want under 16 MB", len(page))
	}
}
