//go:build interop

package hep_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture/hep"
)

// TestAnalyzeFromSngrep is `voiplab capture --hep-listen` without the
// command: sngrep sends the SIP of corpus captures as HEP, a Listener feeds
// the analyser, and the calls and registrations found must be those that
// analyze.Run finds in the capture file itself (same Call-IDs, states, final
// statuses and message counts; the media is not sent over HEP).
func TestAnalyzeFromSngrep(t *testing.T) {
	if _, err := exec.LookPath("sngrep"); err != nil {
		t.Fatalf("sngrep is not installed (run ../shared/peers/install.sh): %v", err)
	}
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = "../../../shared/corpus"
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	for _, name := range []string{"pkts_sipp.pcap", "sngrep_aaa.pcap", "rtp-pcap_SIP_DTMF2.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "pcaps", name)
			ref, err := analyze.Run(context.Background(), []string{path}, analyze.DefaultOptions(), nil)
			if err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			l, err := hep.Listen(ctx, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if out, err := exec.CommandContext(ctx, "sngrep", "-N", "-q", "-I", path,
				"-H", fmt.Sprintf("udp:%s", l.Addr())).CombinedOutput(); err != nil {
				t.Fatalf("sngrep: %v: %s", err, out)
			}
			a := analyze.New(analyze.DefaultOptions())
			for {
				wait, cancelWait := context.WithTimeout(ctx, 2*time.Second)
				d, err := l.Next(wait)
				cancelWait()
				if errors.Is(err, context.DeadlineExceeded) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				a.Datagram(d)
			}
			got := a.Result()

			if len(got.Calls) != len(ref.Calls) {
				t.Fatalf("%d calls over HEP, %d in the file", len(got.Calls), len(ref.Calls))
			}
			for i, c := range got.Calls {
				r := ref.Calls[i]
				if c.CallID != r.CallID || c.State != r.State || c.FinalStatus != r.FinalStatus || len(c.Messages) != len(r.Messages) {
					t.Errorf("call %d over HEP: %s %s %d (%d messages); in the file: %s %s %d (%d messages)",
						i, c.CallID, c.State, c.FinalStatus, len(c.Messages), r.CallID, r.State, r.FinalStatus, len(r.Messages))
				}
			}
			if len(got.Registrations) != len(ref.Registrations) {
				t.Errorf("%d registrations over HEP, %d in the file", len(got.Registrations), len(ref.Registrations))
			}
			for i := range min(len(got.Registrations), len(ref.Registrations)) {
				g, r := got.Registrations[i], ref.Registrations[i]
				if g.AOR != r.AOR || g.State != r.State || g.FinalStatus != r.FinalStatus {
					t.Errorf("registration %d over HEP %+v, in the file %+v", i, g, r)
				}
			}
			t.Logf("%d calls, %d registrations, listener %+v", len(got.Calls), len(got.Registrations), l.Stats())
		})
	}
}
