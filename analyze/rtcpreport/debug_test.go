package rtcpreport

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugList(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	for _, dg := range readUDP(t, f) {
		if LooksLikeRTCP(dg.payload) {
			pk, err := Decode(dg.payload)
			s := ""
			for _, p := range pk {
				s += fmt.Sprintf("%s/%d ", p.Type, p.Count)
			}
			fmt.Printf("%d %d>%d len=%d %s %v %x\n", dg.frame, dg.srcPort, dg.dstPort, len(dg.payload), s, err, dg.payload[:min(16, len(dg.payload))])
		}
	}
}
