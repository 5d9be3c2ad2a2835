package rtcpreport

import (
	"testing"
	"time"
)

// TestXRVoIPMetrics decodes a byte-literal XR packet with one VoIP Metrics
// Report Block (RFC 3611 §4.7). The expected values are read off the field
// layout of §4.7 by hand.
func TestXRVoIPMetrics(t *testing.T) {
	b := unhex(t, `
		80cf 000a            // V=2, PT=207 XR, length 10 words (44 octets)
		0000 0abc            // SSRC of the reporter
		07 00 0008           // BT=7 VoIP metrics, reserved, block length 8 words
		1122 3344            // SSRC of source
		0d 05 40 02          // loss rate 13/256, discard rate 5/256, burst density 64/256, gap density 2/256
		00f0 1388            // burst duration 240 ms, gap duration 5000 ms
		0096 0050            // round trip delay 150 ms, end system delay 80 ms
		ec ba 7f 10          // signal level -20 dBm0, noise level -70 dBm0, RERL 127 (unavailable), Gmin 16
		50 7f 29 7f          // R factor 80, ext. R factor 127 (unavailable), MOS-LQ 4.1, MOS-CQ 127 (unavailable)
		b0 00 0028           // RX config (PLC enhanced, adaptive JB), reserved, JB nominal 40 ms
		0050 00c8            // JB maximum 80 ms, JB abs max 200 ms`)
	pkts, err := Decode(b)
	if err != nil || len(pkts) != 1 {
		t.Fatalf("%d packets, %v", len(pkts), err)
	}
	p := pkts[0]
	if p.Type != "XR" || p.SSRC != 0xabc || len(p.XR) != 1 {
		t.Fatalf("packet %+v", p)
	}
	want := XRBlock{
		Type: "voip-metrics", BT: 7, SSRC: 0x11223344,
		LossRate: 13.0 / 256, DiscardRate: 5.0 / 256, BurstDensity: 0.25, GapDensity: 2.0 / 256,
		BurstDurationMs: 240, GapDurationMs: 5000,
		RoundTripDelayMs: 150, EndSystemDelayMs: 80,
		SignalLevel: -20, NoiseLevel: -70, RERL: 127, Gmin: 16,
		RFactor: 80, ExtRFactor: 127, MOSLQ: 4.1, MOSCQ: 0,
		RXConfig: 0xb0, JBNominal: 40, JBMax: 80, JBAbsMax: 200,
	}
	if p.XR[0] != want {
		t.Fatalf("block\n got %+v\nwant %+v", p.XR[0], want)
	}
}

// TestXROtherBlocks decodes RRT (§4.4), DLRR with two sub-blocks (§4.5) and
// an unknown block type.
func TestXROtherBlocks(t *testing.T) {
	b := unhex(t, `
		80cf 000d            // XR, 13 words (56 octets)
		0000 0001            // reporter SSRC
		04 00 0002           // BT=4 RRT, 2 words
		dcd5 2d00 8000 0000  // NTP 0xdcd52d00.8 (2017-05-28 11:03:28.5 UTC)
		05 00 0006           // BT=5 DLRR, 6 words
		0000 0002 b705 2030 0005 4000   // SSRC 2, LRR, DLRR 5.25 s
		0000 0003 0000 0000 0000 0000   // SSRC 3, no RR yet
		2a 00 0001           // BT=42 (unknown), 1 word
		dead beef`)
	pkts, err := Decode(b)
	if err != nil || len(pkts) != 1 {
		t.Fatalf("%d packets, %v", len(pkts), err)
	}
	xr := pkts[0].XR
	if len(xr) != 4 {
		t.Fatalf("%d blocks: %+v", len(xr), xr)
	}
	// 0xdcd52d00 = 3704958208 s since 1900 = 1495969408 s since 1970.
	if want := time.Date(2017, 5, 28, 11, 3, 28, 500_000_000, time.UTC); xr[0].Type != "rrt" || !xr[0].NTPTime.Equal(want) {
		t.Errorf("rrt %+v, want time %v", xr[0], want)
	}
	if d := xr[1]; d.Type != "dlrr" || d.SSRC != 2 || d.LastRR != 0xb7052030 || d.DLRR != 0x00054000 {
		t.Errorf("dlrr %+v", d)
	}
	if d := xr[2]; d.Type != "dlrr" || d.SSRC != 3 {
		t.Errorf("dlrr %+v", d)
	}
	if d := xr[3]; d.Type != "bt-42" || d.BT != 42 {
		t.Errorf("unknown %+v", d)
	}
}

// TestRoundTrip uses the example of RFC 3550 §6.4.1 Figure 2: an SR sent at
// 10 Nov 1995 11:33:25.125 UTC (NTP 0xb44db705.20000000, LSR 0xb705:2000 =
// 46853.125 s), held 5.250 s (DLSR 0x0005:4000) by the receiver, the RR
// arriving at 11:33:36.5 UTC (A = 0xb710:8000 = 46864.500 s): the round-trip
// delay is 0x0006:2000, 6.125 s.
func TestRoundTrip(t *testing.T) {
	arrival := time.Date(1995, 11, 10, 11, 33, 36, 500_000_000, time.UTC)
	if got := NTPMiddle(TimeToNTP(arrival)); got != 0xb7108000 {
		t.Fatalf("middle NTP %#x, want 0xb7108000", got)
	}
	tests := []struct {
		name      string
		arrival   time.Time
		lsr, dlsr uint32
		want      time.Duration
		ok        bool
	}{
		{"rfc 3550 figure 2", arrival, 0xb7052000, 0x00054000, 6125 * time.Millisecond, true},
		{"no sr yet", arrival, 0, 0x00054000, 0, false},
		{"negative", arrival, 0xb7108000, 0x00010000, 0, false},
		// Seconds field wrapping: A = 0x0000:8000, LSR = 0xffff:8000,
		// DLSR 0: 1 s.
		{"wrap", time.Unix(int64(59510)*65536-ntpUnixOffset, 500_000_000), 0xffff8000, 0, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := RoundTrip(tt.arrival, tt.lsr, tt.dlsr)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			// The 16.16 format resolves 1/65536 s (15.3 µs).
			if d := got - tt.want; d < -16*time.Microsecond || d > 16*time.Microsecond {
				t.Fatalf("rtt %v, want %v", got, tt.want)
			}
		})
	}
}

// TestJitterMs converts jitter in timestamp units by hand: 160 units at
// 8000 Hz are 20 ms, 480 at 48000 Hz 10 ms (RFC 3550 §6.4.1).
func TestJitterMs(t *testing.T) {
	tests := []struct {
		name   string
		jitter uint32
		clock  int
		want   float64
	}{
		{"pcmu 160", 160, 8000, 20},
		{"pcmu 1", 1, 8000, 0.125},
		{"opus 480", 480, 48000, 10},
		{"no clock", 160, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Block{Jitter: tt.jitter}).JitterMs(tt.clock); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNTP checks NTPToTime and TimeToNTP against known instants.
func TestNTP(t *testing.T) {
	tests := []struct {
		name string
		ntp  uint64
		want time.Time
	}{
		{"unix epoch", uint64(ntpUnixOffset) << 32, time.Unix(0, 0).UTC()},
		{"half second", uint64(ntpUnixOffset)<<32 | 1<<31, time.Unix(0, 500_000_000).UTC()},
		// Era 1 (RFC 4330 §3): seconds 0 is 2036-02-07 06:28:16 UTC.
		{"era 1", 1, time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)},
		{"zero", 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NTPToTime(tt.ntp); !got.Equal(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	at := time.Date(2024, 3, 1, 12, 0, 0, 250_000_000, time.UTC)
	if got := NTPToTime(TimeToNTP(at)); !got.Equal(at) {
		t.Fatalf("round trip %v, want %v", got, at)
	}
}
