package codec

import "testing"

// TestStaticTable checks the static payload types against RFC 3551 §6,
// Table 4 (audio: encoding name, clock rate, channels) and Table 5 (video),
// typed in from the RFC.
func TestStaticTable(t *testing.T) {
	rfc3551 := []struct {
		pt       uint8
		name     string
		media    string
		clock    int
		channels int
	}{
		{0, "PCMU", "audio", 8000, 1},
		{3, "GSM", "audio", 8000, 1},
		{4, "G723", "audio", 8000, 1},
		{5, "DVI4", "audio", 8000, 1},
		{6, "DVI4", "audio", 16000, 1},
		{7, "LPC", "audio", 8000, 1},
		{8, "PCMA", "audio", 8000, 1},
		{9, "G722", "audio", 8000, 1},
		{10, "L16", "audio", 44100, 2},
		{11, "L16", "audio", 44100, 1},
		{12, "QCELP", "audio", 8000, 1},
		{13, "CN", "audio", 8000, 1},
		{14, "MPA", "audio", 90000, 1},
		{15, "G728", "audio", 8000, 1},
		{16, "DVI4", "audio", 11025, 1},
		{17, "DVI4", "audio", 22050, 1},
		{18, "G729", "audio", 8000, 1},
		{25, "CelB", "video", 90000, 0},
		{26, "JPEG", "video", 90000, 0},
		{28, "nv", "video", 90000, 0},
		{31, "H261", "video", 90000, 0},
		{32, "MPV", "video", 90000, 0},
		{33, "MP2T", "video", 90000, 0},
		{34, "H263", "video", 90000, 0},
	}
	for _, w := range rfc3551 {
		t.Run(w.name, func(t *testing.T) {
			c, ok := ByPayloadType(w.pt)
			if !ok {
				t.Fatalf("PT %d missing", w.pt)
			}
			if c.Name != w.name || c.Media != w.media || c.ClockRate != w.clock || c.Channels != w.channels || c.Historic {
				t.Errorf("PT %d = %+v, RFC 3551 says %s/%d/%d %s", w.pt, c, w.name, w.clock, w.channels, w.media)
			}
		})
	}
	// RFC 3551 leaves these unassigned or dynamic.
	for _, pt := range []uint8{20, 24, 27, 29, 30, 35, 72, 95, 96, 101, 127} {
		if c, ok := ByPayloadType(pt); ok {
			t.Errorf("PT %d = %+v, want none", pt, c)
		}
	}
}

// TestWiresharkClockRates: the clock rates of ui/tap-rtp-analysis.c's
// clock_map (Wireshark 4.0) for the static types, historic ones included,
// so that rtpstats gets Wireshark's jitter from this table.
func TestWiresharkClockRates(t *testing.T) {
	wireshark := map[uint8]int{
		0: 8000, 1: 8000, 2: 8000, 3: 8000, 4: 8000, 5: 8000, 6: 16000, 7: 8000, 8: 8000, 9: 8000,
		10: 44100, 11: 44100, 12: 8000, 13: 8000, 14: 90000, 15: 8000, 16: 11025, 17: 22050,
		18: 8000, 19: 8000, 25: 90000, 26: 90000, 28: 90000, 31: 90000, 32: 90000, 33: 90000, 34: 90000,
	}
	for pt := 0; pt < 96; pt++ {
		c, _ := ByPayloadType(uint8(pt))
		if c.ClockRate != wireshark[uint8(pt)] {
			t.Errorf("PT %d clock %d, Wireshark %d", pt, c.ClockRate, wireshark[uint8(pt)])
		}
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		name      string
		clock     int
		ok        bool
		wantName  string
		wantClock int
		event     bool
	}{
		{"PCMU", 0, true, "PCMU", 8000, false},
		{"pcma", 8000, true, "PCMA", 8000, false},
		{"telephone-event", 0, true, "telephone-event", 8000, true},
		{"TELEPHONE-EVENT", 48000, true, "telephone-event", 48000, true},
		{"opus", 0, true, "opus", 48000, false},
		{"speex", 16000, true, "speex", 16000, false},
		{"G726-32", 8000, true, "G726-32", 8000, false},
		{"AMR-WB", 0, true, "AMR-WB", 16000, false},
		{"t140", 0, true, "t140", 1000, false},
		{"X-unknown", 12345, false, "X-unknown", 12345, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := ByName(tt.name, tt.clock)
			if ok != tt.ok || c.Name != tt.wantName || c.ClockRate != tt.wantClock || c.Event != tt.event {
				t.Errorf("ByName(%q, %d) = %+v, %v", tt.name, tt.clock, c, ok)
			}
		})
	}
	// Aliases of static types are the same entries.
	for _, n := range []string{"PCMU", "PCMA", "G722", "G729", "GSM", "G723", "G728", "CN"} {
		c, _ := ByName(n, 0)
		found := false
		for _, s := range static {
			if s == c {
				found = true
			}
		}
		if !found {
			t.Errorf("%s by name differs from its static entry", n)
		}
	}
}

// TestEModelValues checks the G.113 Appendix I values voiplab relies on
// (Table I.1 Ie, Table I.3 Bpl, typed in from the Recommendation) and that
// every entry is in the ranges G.107 allows (Ie 0-95, Bpl 1-40).
func TestEModelValues(t *testing.T) {
	g113 := []struct {
		name    string
		ie, bpl float64
	}{
		{"PCMU", 0, 4.3}, {"PCMA", 0, 4.3}, {"G729", 11, 19}, {"G723", 15, 16.1}, {"GSM-EFR", 5, 10},
	}
	for _, w := range g113 {
		t.Run(w.name, func(t *testing.T) {
			c, _ := ByName(w.name, 0)
			if !c.HasEModel || c.EModelAssumed || c.Ie != w.ie || c.Bpl != w.bpl {
				t.Errorf("%s = Ie %v Bpl %v (has %v, assumed %v), G.113: %v/%v", w.name, c.Ie, c.Bpl, c.HasEModel, c.EModelAssumed, w.ie, w.bpl)
			}
		})
	}
	if c, _ := ByName("PCMU", 0); c.BplPLC != 25.1 {
		t.Errorf("G.711 with PLC Bpl = %v, G.113 Table I.3: 25.1", c.BplPLC)
	}
	all := map[string]Info{}
	for pt, c := range static {
		all[c.Name+"/"+string(rune('0'+pt))] = c
	}
	for n, c := range named {
		all[n] = c
	}
	for n, c := range all {
		if !c.HasEModel {
			if c.Ie != 0 || c.Bpl != 0 {
				t.Errorf("%s: Ie/Bpl set without HasEModel", n)
			}
			continue
		}
		if c.Ie < 0 || c.Ie > 95 || c.Bpl < 1 || c.Bpl > 40 {
			t.Errorf("%s: Ie %v Bpl %v out of G.107 range", n, c.Ie, c.Bpl)
		}
		if c.Event || c.ComfortNoise || c.Media != "audio" {
			t.Errorf("%s: E-model values on a non-speech codec", n)
		}
	}
}

func TestIsDynamic(t *testing.T) {
	for pt, want := range map[uint8]bool{0: false, 34: false, 95: false, 96: true, 101: true, 127: true, 128: false, 255: false} {
		if got := IsDynamic(pt); got != want {
			t.Errorf("IsDynamic(%d) = %v", pt, got)
		}
	}
}
