package analyze_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/synth"
)

// Analyse a capture and print each call with its diagnosis. The capture here
// is voiplab's demo: calls with planted faults.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "voiplab-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "demo.pcapng")
	fh, _ := os.Create(path)
	w, _ := capture.NewWriter(fh, capture.WriterOptions{})
	synth.Demo().Write(w)
	w.Flush()
	fh.Close()

	r, err := analyze.Run(context.Background(), []string{path}, analyze.DefaultOptions(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range r.Calls {
		fmt.Print(c.CallID, " ", c.State, " ", c.FinalStatus)
		for _, f := range c.Findings {
			fmt.Print(" ", f.Code)
		}
		fmt.Println()
	}
	// Output:
	// demo-clean completed 200
	// demo-busy rejected 486 call-rejected
	// demo-codec rejected 488 codec-mismatch
	// demo-nat completed 200 nat-private-address nat-private-address one-way-audio
	// demo-loss completed 200 packet-loss high-jitter low-mos
	// demo-cancel cancelled 487 call-cancelled
	// demo-noanswer failed 0 no-response
	// demo-dtmf completed 200 dtmf-not-negotiated
}
