package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"voiplab/capture"
	"voiplab/synth"
)

// newSynthCmd is the hidden generator of voiplab's own captures: the demo
// capture with planted faults and the benchmark capture.
func newSynthCmd(g *globals) *cobra.Command {
	var out string
	var calls int
	var talk time.Duration
	cmd := &cobra.Command{
		Use:    "synth demo|bench -o FILE.pcapng",
		Short:  "Generate a capture of synthetic calls (demo with planted faults, or benchmark load)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var sc synth.Scenario
			switch args[0] {
			case "demo":
				sc = synth.Demo()
			case "bench":
				sc = synth.Bench(calls, talk)
			default:
				return usageError{fmt.Errorf("synth %q: want demo or bench", args[0])}
			}
			if out == "" {
				return usageError{fmt.Errorf("synth: -o FILE is required")}
			}
			fh, err := os.Create(out)
			if err != nil {
				return err
			}
			defer fh.Close()
			w, err := capture.NewWriter(fh, capture.WriterOptions{Comment: "voiplab synth " + args[0]})
			if err != nil {
				return err
			}
			st, err := sc.Write(w)
			if err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if err := fh.Close(); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "wrote %s: %d packets (%d SIP, %d RTP, %d RTCP)\n", out, st.Packets, st.SIPMessages, st.RTPPackets, st.RTCPPackets)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "pcapng file to write")
	cmd.Flags().IntVar(&calls, "calls", 2000, "bench: number of calls")
	cmd.Flags().DurationVar(&talk, "talk", 5*time.Second, "bench: talk time per call")
	return cmd
}
