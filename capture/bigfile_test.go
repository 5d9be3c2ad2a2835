package capture

import (
	"io"
	"os"
	"testing"
	"time"
)

// TestBigFile reads the capture named by $VOIPLAB_BIGFILE (e.g. one made by
// `voiplab synth bench`) and logs the read speed and peak heap.
func TestBigFile(t *testing.T) {
	path := os.Getenv("VOIPLAB_BIGFILE")
	if path == "" {
		t.Skip("VOIPLAB_BIGFILE not set")
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	n := 0
	for {
		if _, err := r.Next(); err == io.EOF {
			break
		}
		n++
	}
	el := time.Since(start)
	info := r.Info()
	t.Logf("%d frames, %d datagrams in %v: %.2f M frames/s; warnings %q", info.Packets, n, el, float64(info.Packets)/el.Seconds()/1e6, info.Warnings)
}
