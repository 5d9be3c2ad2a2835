package dtmf

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// rtpPacket is the part of an RTP header (RFC 3550 §5.1) the detector needs.
type rtpPacket struct {
	pt        uint8
	marker    bool
	timestamp uint32
	payload   []byte
}

// parseRTP reads a fixed RTP header without CSRCs or extension handling
// beyond skipping them; ok is false when b is not RTP version 2.
func parseRTP(b []byte) (rtpPacket, bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return rtpPacket{}, false
	}
	off := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return rtpPacket{}, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	if len(b) < off {
		return rtpPacket{}, false
	}
	return rtpPacket{pt: b[1] & 0x7f, marker: b[1]&0x80 != 0,
		timestamp: binary.BigEndian.Uint32(b[4:]), payload: b[off:]}, true
}

// TestCorpus runs the detector over the telephone-event packets of real
// captures. The expected digits, durations and volumes are those tshark 4.0
// decodes (tshark -r F -n -o rtp.heuristic_rtp:TRUE -Y rtpevent -T fields
// -e rtpevent.event_id -e rtpevent.end_of_event -e rtpevent.volume
// -e rtpevent.duration): the digit of every event, the duration of its end
// packets (960, 2240, 1600 timestamp units at 8000 Hz).
func TestCorpus(t *testing.T) {
	tests := []struct {
		file       string
		pt         uint8
		digits     string
		durationMs float64
		volume     int
		firstFrame int
	}{
		// SIP_DTMF2: PT 96 signalled in SDP; one end packet per event.
		{"rtp-pcap_SIP_DTMF2.pcap", 96, "6789123", 120, 7, 339},
		// SIPp: digit 1 with three end packets (frames 8, 9, 10).
		{"sipp_dtmf_2833_1.pcap", 101, "1", 280, 10, 1},
		// Asterisk testsuite: the digits are the file name's.
		{"asterisk-testsuite_ulaw-2013785496.pcap", 101, "2013785496", 200, 10, 292},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var d Detector
			var got []Digit
			for _, dg := range readUDP(t, tt.file) {
				p, ok := parseRTP(dg.payload)
				if !ok || p.pt != tt.pt {
					continue
				}
				if dig, ok := d.Add(dg.time, dg.frame, p.timestamp, p.marker, p.payload, 8000); ok {
					got = append(got, dig)
				}
			}
			if dig, ok := d.Flush(); ok {
				got = append(got, dig)
			}
			var s strings.Builder
			for _, g := range got {
				s.WriteString(g.Digit)
				if !g.Ended {
					t.Errorf("digit %q at frame %d not ended", g.Digit, g.Frame)
				}
				if g.DurationMs != tt.durationMs {
					t.Errorf("digit %q duration %v ms, want %v", g.Digit, g.DurationMs, tt.durationMs)
				}
				if g.Volume != tt.volume {
					t.Errorf("digit %q volume %d, want %d", g.Digit, g.Volume, tt.volume)
				}
			}
			if s.String() != tt.digits {
				t.Fatalf("digits %q, want %q", s.String(), tt.digits)
			}
			if got[0].Frame != tt.firstFrame {
				t.Errorf("first digit frame %d, want %d", got[0].Frame, tt.firstFrame)
			}
		})
	}
}

// ev builds a telephone-event payload (RFC 4733 §2.3).
func ev(code uint8, end bool, volume uint8, duration uint16) []byte {
	b := []byte{code, volume & 0x3f, byte(duration >> 8), byte(duration)}
	if end {
		b[1] |= 0x80
	}
	return b
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    Event
		wantErr bool
	}{
		// 0x01 0x8a 0x08 0xc0: event 1, E=1, R=0, volume 10, duration 2240
		// (the end packet of sipp_dtmf_2833_1.pcap).
		{"end", []byte{0x01, 0x8a, 0x08, 0xc0}, Event{Event: 1, End: true, Volume: 10, Duration: 2240}, false},
		// R bit set is ignored (§2.3.3); volume 63 is the 6-bit maximum.
		{"reserved bit", []byte{0x0b, 0x7f, 0x00, 0xa0}, Event{Event: 11, Volume: 63, Duration: 160}, false},
		{"flash with redundancy bytes", []byte{16, 0x00, 0xff, 0xff, 1, 2, 3, 4}, Event{Event: 16, Duration: 65535}, false},
		{"short", []byte{1, 2, 3}, Event{}, true},
		{"empty", nil, Event{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.payload)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := map[uint8]string{0: "0", 9: "9", 10: "*", 11: "#", 12: "A", 15: "D", 16: "event 16", 255: "event 255"}
	for code, want := range tests {
		t.Run(want, func(t *testing.T) {
			if got := Name(code); got != want {
				t.Fatalf("Name(%d) = %q, want %q", code, got, want)
			}
		})
	}
}

// pkt is one packet of a scripted stream.
type pkt struct {
	ts       uint32
	marker   bool
	code     uint8
	end      bool
	duration uint16
}

func TestDetectorScenarios(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		pkts  []pkt
		want  string // digits, "?" appended after a digit with Ended false
		flush string // digits returned by Flush
	}{
		{"three end packets make one digit", []pkt{
			{100, true, 5, false, 160}, {100, false, 5, false, 320},
			{100, false, 5, true, 480}, {100, false, 5, true, 480}, {100, false, 5, true, 480},
		}, "5", ""},
		{"retransmitted update after end", []pkt{
			{100, true, 5, false, 160}, {100, false, 5, true, 480}, {100, false, 5, false, 320},
		}, "5", ""},
		{"same digit twice is two events", []pkt{
			{100, true, 1, false, 160}, {100, false, 1, true, 800},
			{2000, true, 1, false, 160}, {2000, false, 1, true, 800},
		}, "11", ""},
		{"lost end packets reported by next event", []pkt{
			{100, true, 1, false, 160}, {100, false, 1, false, 320},
			{2000, true, 2, false, 160}, {2000, false, 2, true, 800},
		}, "1?2", ""},
		{"lost end packets of last event reported by flush", []pkt{
			{100, true, 3, false, 160}, {100, false, 3, true, 800},
			{2000, true, 4, false, 160},
		}, "3", "4?"},
		{"late packet of earlier event ignored", []pkt{
			{100, true, 1, false, 160}, {100, false, 1, true, 800},
			{2000, true, 2, false, 160}, {100, false, 1, true, 800}, {2000, false, 2, true, 800},
		}, "12", ""},
		{"marker with new code under a reused timestamp", []pkt{
			{100, true, 1, false, 160}, {100, false, 1, true, 800},
			{100, true, 2, false, 160}, {100, false, 2, true, 800},
		}, "12", ""},
		{"single end packet event", []pkt{{100, true, 7, true, 800}}, "7", ""},
		{"end packet of new event while previous unended", []pkt{
			{100, true, 1, false, 160},
			{2000, true, 2, true, 800}, {2000, false, 2, true, 800},
		}, "1?2", ""},
		{"flash", []pkt{{100, true, 16, false, 160}, {100, false, 16, true, 1600}}, "event 16", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Detector
			var got, flushed strings.Builder
			write := func(s *strings.Builder, dig Digit) {
				s.WriteString(dig.Digit)
				if !dig.Ended {
					s.WriteString("?")
				}
			}
			for i, p := range tt.pkts {
				if dig, ok := d.Add(t0.Add(time.Duration(i)*20*time.Millisecond), i+1, p.ts, p.marker, ev(p.code, p.end, 10, p.duration), 8000); ok {
					write(&got, dig)
				}
			}
			for {
				dig, ok := d.Flush()
				if !ok {
					break
				}
				write(&flushed, dig)
			}
			if got.String() != tt.want || flushed.String() != tt.flush {
				t.Fatalf("Add gave %q, Flush %q; want %q, %q", got.String(), flushed.String(), tt.want, tt.flush)
			}
		})
	}
}

// TestDigitFields checks each field of one digit by hand: an event at RTP
// timestamp 46720 whose end packet says 1600 units (200 ms at 8000 Hz).
func TestDigitFields(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	var d Detector
	d.Add(t0, 10, 46720, true, ev(2, false, 12, 160), 8000)
	d.Add(t0.Add(20*time.Millisecond), 11, 46720, false, ev(2, false, 12, 320), 8000)
	got, ok := d.Add(t0.Add(40*time.Millisecond), 12, 46720, false, ev(2, true, 12, 1600), 8000)
	if !ok {
		t.Fatal("no digit at the end packet")
	}
	want := Digit{Digit: "2", Event: 2, Start: t0, Timestamp: 46720, DurationMs: 200, Volume: 12,
		Frame: 10, EndFrame: 12, Packets: 3, Ended: true}
	if got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Wideband clock: 1600 units at 16000 Hz is 100 ms; no clock rate means 8000.
	var w Detector
	if got, _ := w.Add(t0, 1, 1, true, ev(1, true, 0, 1600), 16000); got.DurationMs != 100 {
		t.Errorf("16 kHz duration %v ms, want 100", got.DurationMs)
	}
	var z Detector
	if got, _ := z.Add(t0, 1, 1, true, ev(1, true, 0, 1600), 0); got.DurationMs != 200 {
		t.Errorf("default clock duration %v ms, want 200", got.DurationMs)
	}
}

func TestAddAllocs(t *testing.T) {
	var d Detector
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	payloads := [][]byte{ev(1, false, 10, 160), ev(1, true, 10, 800), ev(200, false, 10, 160)}
	ts := uint32(0)
	allocs := testing.AllocsPerRun(1000, func() {
		ts += 1000
		for _, p := range payloads[:2] {
			d.Add(t0, 1, ts, false, p, 8000)
		}
		d.Add(t0, 2, ts+500, true, payloads[2], 8000)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkAdd(b *testing.B) {
	var d Detector
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := ev(1, false, 10, 160)
	for i := 0; b.Loop(); i++ {
		d.Add(t0, i, uint32(i/8), i%8 == 0, p, 8000)
	}
}
