package dtmf

import (
	"testing"
	"time"

	"voiplab/internal/corpustest"
)

// corpusDir is the shared capture corpus: $VOIPLAB_CORPUS or ../shared/corpus.
func corpusDir() string { return corpustest.Dir() }

// udpDatagram is one UDP payload read from a capture.
type udpDatagram struct {
	frame            int
	time             time.Time
	srcPort, dstPort uint16
	payload          []byte
}

// readUDP returns the UDP payloads of a corpus capture, skipping the test
// when the corpus is absent.
func readUDP(t testing.TB, name string) []udpDatagram {
	t.Helper()
	var out []udpDatagram
	for _, d := range corpustest.ReadUDP(t, name) {
		out = append(out, udpDatagram{d.Frame, d.Time, d.Src.Port(), d.Dst.Port(), d.Payload})
	}
	return out
}
