package rtpstats

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func ms(f float64) time.Time { return t0.Add(time.Duration(f * float64(time.Millisecond))) }

// pcmu builds a PCMU packet (8 kHz) arriving at arrMs.
func pcmu(seq uint16, ts uint32, arrMs float64) Packet {
	return Packet{Arrival: ms(arrMs), Seq: seq, Timestamp: ts, PayloadType: 0, ClockRate: 8000, PayloadLen: 160}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestJitterByHand(t *testing.T) {
	// Four 20 ms PCMU packets (160 timestamp units at 8 kHz) arriving at
	// 0, 20, 45 and 60 ms. RFC 3550 §6.4.1, D(i−1,i) = (Rj − Ri) − (Sj − Si)
	// and J += (|D| − J)/16, by hand:
	//   #2: D = 20 − 20 = 0,            J = 0
	//   #3: D = 25 − 20 = 5,            J = 0 + (5 − 0)/16      = 0.3125
	//   #4: D = 15 − 20 = −5,           J = 0.3125 + (5 − 0.3125)/16 = 0.60546875
	// Wireshark's mean jitter is the running mean over packets #2..#4:
	//   (0 + 0.3125 + 0.60546875)/3 = 0.305989583...
	// Deltas 20, 25, 15: min 15, mean 20, max 25.
	var s Stream
	for i, arr := range []float64{0, 20, 45, 60} {
		s.Add(pcmu(uint16(100+i), uint32(1000+160*i), arr))
	}
	st := s.Stats()
	checks := []struct {
		name      string
		got, want float64
	}{
		{"max jitter", st.MaxJitterMs, 0.60546875},
		{"min jitter", st.MinJitterMs, 0},
		{"mean jitter", st.MeanJitterMs, (0 + 0.3125 + 0.60546875) / 3},
		{"min delta", st.MinDeltaMs, 15},
		{"mean delta", st.MeanDeltaMs, 20},
		{"max delta", st.MaxDeltaMs, 25},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !near(c.got, c.want) {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	if st.Packets != 4 || st.Expected != 4 || st.Lost != 0 || st.SeqErrors != 0 || st.Problem {
		t.Errorf("counts = %+v", st)
	}
}

func TestSequence(t *testing.T) {
	tests := []struct {
		name                                string
		seqs                                []uint16
		packets, expected, lost, errs, dups int
		bursts                              int
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 4, 0, 0, 0, 0},
		{"wrap-around", []uint16{65534, 65535, 0, 1}, 4, 4, 0, 0, 0, 0},
		{"start at 0 after wrap", []uint16{65535, 0, 1}, 3, 3, 0, 0, 0, 0},
		// expected = 2 + 65536·1 − 65534 + 1 = 5; 2 packets lost in one gap.
		{"loss across wrap", []uint16{65534, 65535, 2}, 3, 5, 2, 1, 0, 1},
		{"one gap of two", []uint16{1, 2, 5, 6}, 4, 6, 2, 1, 0, 1},
		{"two gaps", []uint16{1, 3, 5}, 3, 5, 2, 2, 0, 2},
		// 4 jumps ahead (error), 3 is late (error), 5 follows 4: no loss.
		{"reordering", []uint16{1, 2, 4, 3, 5}, 5, 5, 0, 2, 0, 1},
		// Wireshark counts lost = expected − received, so a duplicate makes
		// it negative.
		{"duplicate", []uint16{1, 2, 2, 3}, 4, 3, -1, 1, 1, 0},
		// RFC 4733 end packets repeated three times at the end of a stream:
		// expected ends at the last one.
		{"repeated end packets", []uint16{7, 8, 9, 9, 9}, 5, 3, -2, 2, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stream
			for i, q := range tt.seqs {
				s.Add(pcmu(q, uint32(160*i), float64(20*i)))
			}
			st := s.Stats()
			if st.Packets != tt.packets || st.Expected != tt.expected || st.Lost != tt.lost ||
				st.SeqErrors != tt.errs || st.Duplicates != tt.dups || st.BurstLosses != tt.bursts {
				t.Errorf("packets/expected/lost/errors/dups/bursts = %d/%d/%d/%d/%d/%d, want %d/%d/%d/%d/%d/%d",
					st.Packets, st.Expected, st.Lost, st.SeqErrors, st.Duplicates, st.BurstLosses,
					tt.packets, tt.expected, tt.lost, tt.errs, tt.dups, tt.bursts)
			}
			if want := tt.errs > 0; st.Problem != want {
				t.Errorf("problem = %v, want %v", st.Problem, want)
			}
		})
	}
}

func TestDuplicateAfterManyCycles(t *testing.T) {
	// Three full cycles of sequence numbers: numbers of earlier cycles must
	// not be taken for duplicates.
	var s Stream
	for i := 0; i < 3*65536; i++ {
		s.Add(pcmu(uint16(i), uint32(160*i), float64(20*i)))
	}
	st := s.Stats()
	if st.Duplicates != 0 || st.Lost != 0 || st.Expected != 3*65536 {
		t.Errorf("dups/lost/expected = %d/%d/%d", st.Duplicates, st.Lost, st.Expected)
	}
}

func TestRegularPackets(t *testing.T) {
	t.Run("marker excluded from delta", func(t *testing.T) {
		var s Stream
		s.Add(pcmu(1, 0, 0))
		s.Add(pcmu(2, 160, 20))
		p := pcmu(3, 8000, 500) // talk spurt after silence, marker set
		p.Marker = true
		s.Add(p)
		s.Add(pcmu(4, 8160, 520))
		st := s.Stats()
		if st.MaxDeltaMs != 20 {
			t.Errorf("max delta = %v, want 20 (marker packet's 480 ms excluded)", st.MaxDeltaMs)
		}
	})
	t.Run("telephone-event gets no jitter", func(t *testing.T) {
		var s Stream
		for i := 0; i < 5; i++ {
			s.Add(Packet{Arrival: ms(float64(50 * i)), Seq: uint16(i), Timestamp: 8000, PayloadType: 101,
				ClockRate: 8000, Event: true})
		}
		st := s.Stats()
		if st.HasJitter || st.MinJitterMs != -1 || st.MaxJitterMs != 0 || st.MeanJitterMs != 0 {
			t.Errorf("jitter = %v/%v/%v has=%v, want none", st.MinJitterMs, st.MeanJitterMs, st.MaxJitterMs, st.HasJitter)
		}
		if st.MaxDeltaMs != 50 || !st.HasDelta {
			t.Errorf("max delta = %v, want 50", st.MaxDeltaMs)
		}
	})
	t.Run("unknown clock rate", func(t *testing.T) {
		var s Stream
		s.Add(Packet{Arrival: ms(0), Seq: 1, PayloadType: 111})
		s.Add(Packet{Arrival: ms(20), Seq: 2, Timestamp: 960, PayloadType: 111})
		st := s.Stats()
		if st.HasJitter || st.MinJitterMs != -1 {
			t.Errorf("min jitter = %v, want -1", st.MinJitterMs)
		}
	})
	t.Run("one packet", func(t *testing.T) {
		var s Stream
		s.Add(pcmu(1, 0, 0))
		st := s.Stats()
		if st.MinDeltaMs != -1 || st.MaxDeltaMs != 0 || st.HasDelta || st.Packets != 1 || st.Lost != 0 {
			t.Errorf("stats = %+v", st)
		}
	})
	t.Run("payload types in order", func(t *testing.T) {
		var s Stream
		for i, pt := range []uint8{8, 8, 101, 8, 13, 8} {
			s.Add(Packet{Arrival: ms(float64(20 * i)), Seq: uint16(i), Timestamp: uint32(160 * i), PayloadType: pt, ClockRate: 8000})
		}
		got := s.Stats().PayloadTypes
		if len(got) != 3 || got[0] != 8 || got[1] != 101 || got[2] != 13 {
			t.Errorf("payload types = %v, want [8 101 13]", got)
		}
	})
	t.Run("zero stream", func(t *testing.T) {
		var s Stream
		st := s.Stats()
		if st.Packets != 0 || st.Lost != 0 || st.LossBurstRatio != 1 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestSeriesBounded(t *testing.T) {
	// One hour of 20 ms packets with one lost packet every 1000 (the last
	// one, at the very end, cannot be seen: 179 lost).
	var s Stream
	total := 0
	for i := 0; i < 180000; i++ {
		if i%1000 == 999 {
			continue
		}
		s.Add(pcmu(uint16(i), uint32(160*i), float64(20*i)))
		total++
	}
	st := s.Stats()
	if len(st.Series) > MaxSeriesPoints {
		t.Fatalf("series has %d points", len(st.Series))
	}
	if len(st.Series) < MaxSeriesPoints/2 {
		t.Errorf("series has only %d points", len(st.Series))
	}
	pk, lost := 0, 0
	for i, p := range st.Series {
		pk += p.Packets
		lost += p.Lost
		if p.Offset != time.Duration(i)*st.SeriesWidth {
			t.Fatalf("point %d offset %v, width %v", i, p.Offset, st.SeriesWidth)
		}
	}
	if pk != total || lost != st.Lost || lost != 179 {
		t.Errorf("series packets/lost = %d/%d, stream %d/%d", pk, lost, total, st.Lost)
	}
	if st.SeriesWidth != 6400*time.Millisecond {
		// 3600 s needs buckets of at least 6 s for 600 points: 100 ms
		// doubled 6 times is 6.4 s (563 points).
		t.Errorf("width = %v, want 6.4s", st.SeriesWidth)
	}
}

func TestBurstRatio(t *testing.T) {
	tests := []struct {
		name                   string
		bursts, lost, received int
		want                   float64
	}{
		{"no loss", 0, 0, 100, 1},
		// 10 single losses among 990 received: p = 10/990, q = 1 → 1/(1.0101) ≈ 0.99.
		{"random", 10, 10, 990, 1 / (10.0/990 + 1)},
		// 2 bursts of 5: p = 2/990, q = 2/10 → 1/(0.00202+0.2) ≈ 4.95.
		{"bursty", 2, 10, 990, 1 / (2.0/990 + 0.2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := burstRatio(tt.bursts, tt.lost, tt.received); !near(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddDoesNotAllocate(t *testing.T) {
	var s Stream
	i := 0
	allocs := testing.AllocsPerRun(10000, func() {
		s.Add(pcmu(uint16(i), uint32(160*i), float64(20*i)))
		i++
	})
	if allocs != 0 {
		t.Errorf("Add allocates %v times per packet", allocs)
	}
}

func BenchmarkStreamAdd(b *testing.B) {
	var s Stream
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(pcmu(uint16(i), uint32(160*i), float64(20*i)))
	}
}

func TestClockRate(t *testing.T) {
	tests := []struct {
		name   string
		pt     uint8
		rtpmap string
		rate   int
		clock  int
		event  bool
	}{
		{"PCMU", 0, "", 0, 8000, false},
		{"static wins over SDP", 8, "opus", 48000, 8000, false},
		{"G722 8 kHz clock", 9, "", 0, 8000, false},
		{"L16 stereo", 10, "", 0, 44100, false},
		{"historic CN 19", 19, "", 0, 8000, false},
		{"unassigned static", 50, "", 0, 0, false},
		{"opus rtpmap", 111, "opus", 48000, 48000, false},
		{"rtpmap without rate", 99, "AMR-WB", 0, 16000, false},
		{"telephone-event", 101, "telephone-event", 8000, 0, true},
		{"telephone-event any case", 101, "Telephone-Event", 48000, 0, true},
		{"dynamic without SDP", 101, "", 0, 0, false},
		{"unknown name with rate", 120, "X-foo", 32000, 32000, false},
		{"unknown name without rate", 120, "X-foo", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, e := ClockRate(tt.pt, tt.rtpmap, tt.rate)
			if c != tt.clock || e != tt.event {
				t.Errorf("ClockRate = %d, %v; want %d, %v", c, e, tt.clock, tt.event)
			}
		})
	}
}

func BenchmarkParseHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseHeader(pcmaPacket)
	}
}

func TestTimestamps(t *testing.T) {
	t.Run("timestamp wrap-around", func(t *testing.T) {
		// First timestamp 2^32 − 160: the next, 0, is 160 units (20 ms) later.
		var s Stream
		for i := 0; i < 4; i++ {
			s.Add(pcmu(uint16(i), uint32(0xFFFFFF60+160*uint32(i)), float64(20*i)))
		}
		st := s.Stats()
		if st.MaxJitterMs != 0 || st.Problem || st.MaxDeltaMs != 20 {
			t.Errorf("max jitter %v, max delta %v, problem %v", st.MaxJitterMs, st.MaxDeltaMs, st.Problem)
		}
	})
	t.Run("timestamp older than the first", func(t *testing.T) {
		// Wireshark flags a packet whose timestamp is before the first
		// packet's (STAT_FLAG_WRONG_TIMESTAMP): a problem, not a regular
		// packet (its 100 ms delta is not counted), no sequence error.
		var s Stream
		s.Add(pcmu(1, 1600, 0))
		s.Add(pcmu(2, 1760, 20))
		s.Add(pcmu(3, 0, 120))
		st := s.Stats()
		if !st.Problem || st.SeqErrors != 0 || st.MaxDeltaMs != 20 {
			t.Errorf("problem %v, seq errors %d, max delta %v", st.Problem, st.SeqErrors, st.MaxDeltaMs)
		}
	})
	t.Run("comfort noise and the packet after it", func(t *testing.T) {
		var s Stream
		s.Add(pcmu(1, 0, 0))
		s.Add(pcmu(2, 160, 20))
		cn := pcmu(3, 320, 300) // CN after a silence
		cn.PayloadType = 13
		s.Add(cn)
		s.Add(pcmu(4, 8000, 1000)) // speech again, 700 ms later
		s.Add(pcmu(5, 8160, 1020))
		st := s.Stats()
		if st.MaxDeltaMs != 20 {
			t.Errorf("max delta %v, want 20 (CN and its follower excluded)", st.MaxDeltaMs)
		}
	})
}

func TestSequenceJumpCost(t *testing.T) {
	// Alternating far-apart sequence numbers must not make Add slow.
	var s Stream
	start := time.Now()
	for i := 0; i < 100000; i++ {
		s.Add(pcmu(uint16(i&1)*32000+uint16(i), uint32(160*i), float64(20*i)))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("100000 jumps took %v", d)
	}
}
