package capturetest

import (
	"testing"
	"time"
)

func TestFileRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	p := File(t,
		UDP("10.0.0.1:5060", "10.0.0.2:5060", t0, "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n"),
		TCP("[2001:db8::1]:5060", "[2001:db8::2]:5060", t0.Add(time.Second), "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
	)
	ds, info := ReadAll(t, p)
	if len(ds) != 2 || info.Packets != 2 {
		t.Fatalf("%d datagrams, %d packets", len(ds), info.Packets)
	}
	tests := []struct {
		name, src string
		frame     int
	}{{"udp", "10.0.0.1:5060", 1}, {"tcp", "[2001:db8::1]:5060", 2}}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ds[i].Src.String() != tc.src || ds[i].Frame != tc.frame {
				t.Errorf("got %s frame %d", ds[i].Src, ds[i].Frame)
			}
		})
	}
}
