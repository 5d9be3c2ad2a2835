package relay

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestAddAllocs: scoring a packet allocates nothing once the chart series
// has stopped growing (rtpstats grows it a few times per stream).
func TestAddAllocs(t *testing.T) {
	var d direction
	d.init()
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	seq := uint16(0)
	now := time.Unix(0, 0)
	next := func() {
		seq++
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(seq)*160)
		now = now.Add(20 * time.Millisecond)
		d.add(pkt, now)
	}
	for range 100 {
		next()
	}
	if n := testing.AllocsPerRun(1000, next); n != 0 {
		t.Errorf("%v allocations per packet, want 0", n)
	}
}
