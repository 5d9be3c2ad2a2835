package synth

import (
	"bytes"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"

	"voiplab/capture"
)

func oneCall(c Call) Scenario {
	if c.Caller.User == "" {
		c.Caller = ep("192.0.2.1:5060", "201", "a")
	}
	if c.Callee.User == "" {
		c.Callee = ep("192.0.2.2:5060", "202", "b")
	}
	if c.CallID == "" {
		c.CallID = "one"
	}
	return Scenario{Seed: 7, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Calls: []Call{c}}
}

func write(t *testing.T, s Scenario) (*memWriter, Stats) {
	t.Helper()
	w := &memWriter{}
	st, err := s.Write(w)
	if err != nil {
		t.Fatal(err)
	}
	return w, st
}

func TestDeterminism(t *testing.T) {
	digest := func(s Scenario) string {
		w := newHashWriter()
		if _, err := s.Write(w); err != nil {
			t.Fatal(err)
		}
		return string(w.h.Sum(nil))
	}
	a, b := digest(Demo()), digest(Demo())
	if a != b {
		t.Fatal("Demo() twice gave different bytes")
	}
	other := Demo()
	other.Seed++
	if digest(other) == a {
		t.Fatal("another seed gave the same bytes")
	}
	if digest(allFeatures()) != digest(allFeatures()) {
		t.Fatal("allFeatures twice gave different bytes")
	}
}

func TestTimeOrderAndStats(t *testing.T) {
	w, st := write(t, allFeatures())
	var sipN, rtpN, rtcpN int
	for i, r := range w.recs {
		if r.Frame != i+1 {
			t.Fatalf("frame %d numbered %d", i+1, r.Frame)
		}
		if i > 0 && r.Time.Before(w.recs[i-1].Time) {
			t.Fatalf("frame %d goes back in time", r.Frame)
		}
		switch {
		case isRTP(r):
			rtpN++
		case isRTCP(r):
			rtcpN++
		default:
			sipN++
		}
	}
	want := Stats{Packets: len(w.recs), SIPMessages: sipN, RTPPackets: rtpN, RTCPPackets: rtcpN}
	if st != want {
		t.Errorf("Stats %+v, counted %+v", st, want)
	}
	if rtcpN == 0 || rtpN == 0 || sipN == 0 {
		t.Errorf("a kind is missing: %+v", want)
	}
}

// TestRTPHeaders checks RFC 3550 §5.1 headers on a clean PCMU call:
// version 2, +1 sequence numbers, timestamp step = ptime × 8000, marker on
// the first packet only, 160-byte payloads of µ-law tone.
func TestRTPHeaders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codec string
		ptime time.Duration
		size  int
		step  uint32
		pt    uint8
	}{
		{"pcmu-20", "PCMU", 20 * time.Millisecond, 160, 160, 0},
		{"pcma-30", "PCMA", 30 * time.Millisecond, 240, 240, 8},
		{"g729-20", "G729", 20 * time.Millisecond, 20, 160, 18},
		{"g722-20", "G722", 20 * time.Millisecond, 160, 160, 9}, // RFC 3551 §4.5.2: 8000 clock
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := write(t, oneCall(Call{Offer: []string{tc.codec}, Ptime: tc.ptime, Talk: 4 * time.Second}))
			ss := streams(t, w.recs)
			if len(ss) != 2 {
				t.Fatalf("%d RTP streams, want 2", len(ss))
			}
			ssrcs := map[uint32]bool{}
			for f, pk := range ss {
				if want := int((4*time.Second + tc.ptime - 1) / tc.ptime); len(pk) != want {
					t.Errorf("%v: %d packets, want %d", f, len(pk), want)
				}
				ssrcs[pk[0].h.SSRC] = true
				for i, p := range pk {
					h := p.h
					if h.Version != 2 || h.PayloadType != tc.pt || len(p.payload) != tc.size || h.SSRC != pk[0].h.SSRC {
						t.Fatalf("%v #%d: v%d pt %d size %d ssrc %x", f, i, h.Version, h.PayloadType, len(p.payload), h.SSRC)
					}
					if h.Marker != (i == 0) {
						t.Errorf("%v #%d: marker %v", f, i, h.Marker)
					}
					if i > 0 {
						if h.SequenceNumber != pk[i-1].h.SequenceNumber+1 {
							t.Fatalf("%v #%d: seq %d after %d", f, i, h.SequenceNumber, pk[i-1].h.SequenceNumber)
						}
						if h.Timestamp-pk[i-1].h.Timestamp != tc.step {
							t.Fatalf("%v #%d: timestamp step %d, want %d", f, i, h.Timestamp-pk[i-1].h.Timestamp, tc.step)
						}
						if d := p.at.Sub(pk[i-1].at); d != tc.ptime {
							t.Fatalf("%v #%d: arrival delta %v without jitter", f, i, d)
						}
					}
				}
				if tc.codec == "PCMU" || tc.codec == "PCMA" {
					checkTone(t, tc.codec, pk)
				}
			}
			if len(ssrcs) != 2 {
				t.Error("both directions share an SSRC")
			}
		})
	}
}

// checkTone decodes the G.711 payloads with an independent decoder: a
// sine of peak about 7000 at 440 or 350 Hz, found by counting zero
// crossings over one second.
func checkTone(t *testing.T, law string, pk []rtpRec) {
	t.Helper()
	var pcm []int
	for _, p := range pk[:50] {
		for _, b := range p.payload {
			if law == "PCMU" {
				pcm = append(pcm, ulawDecode(b))
			} else {
				pcm = append(pcm, alawDecode(b))
			}
		}
	}
	peak, cross := 0, 0
	for i, s := range pcm[:8000] {
		peak = max(peak, s)
		if i > 0 && (pcm[i-1] < 0) != (s < 0) {
			cross++
		}
	}
	freq := float64(cross) / 2
	if peak < 6500 || peak > 7500 || (math.Abs(freq-440) > 3 && math.Abs(freq-350) > 3) {
		t.Errorf("%s payload decodes to peak %d at %.0f Hz, want ~7000 at 440 or 350 Hz", law, peak, freq)
	}
}

func TestG711Encoders(t *testing.T) {
	// ITU-T G.711: zero is 0xFF in µ-law and 0xD5 in A-law.
	if linearToULaw(0) != 0xff || linearToALaw(0) != 0xd5 {
		t.Fatalf("zero: µ %#x A %#x, want 0xff 0xd5", linearToULaw(0), linearToALaw(0))
	}
	for _, s := range []int{-32768, -20000, -1000, -100, -5, 0, 5, 100, 1000, 20000, 32767} {
		u := ulawDecode(linearToULaw(int16(s)))
		a := alawDecode(linearToALaw(int16(s)))
		tol := max(16, int(math.Abs(float64(s))/16)) // half a step of the segment
		if math.Abs(float64(u-s)) > float64(tol)+1 && !(s < -32635 || s > 32635) {
			t.Errorf("µ-law %d -> %d", s, u)
		}
		if math.Abs(float64(a-s)) > float64(tol)+16 {
			t.Errorf("A-law %d -> %d", s, a)
		}
	}
}

// TestDTMF checks RFC 4733 events: one timestamp per event, marker on its
// first packet, volume 10, three end packets with the E bit and the final
// duration.
func TestDTMF(t *testing.T) {
	for _, negotiated := range []bool{true, false} {
		t.Run(map[bool]string{true: "negotiated", false: "not-negotiated"}[negotiated], func(t *testing.T) {
			w, _ := write(t, oneCall(Call{DTMF: "12#", DTMFNegotiated: negotiated, Talk: 5 * time.Second}))
			var invite []byte
			for _, r := range sipRecords(w.recs) {
				if bytes.HasPrefix(r.Payload, []byte("INVITE")) {
					invite = r.Payload
				}
			}
			if got := bytes.Contains(invite, []byte("telephone-event/8000")); got != negotiated {
				t.Errorf("telephone-event in offer = %v, want %v", got, negotiated)
			}
			var digits []byte
			ends := 0
			for _, pk := range streams(t, w.recs) {
				var evTS uint32
				for _, p := range pk {
					if p.h.PayloadType != 101 {
						continue
					}
					ev, flags := p.payload[0], p.payload[1]
					if flags&0x3f != 10 {
						t.Errorf("volume %d, want 10", flags&0x3f)
					}
					if p.h.Marker {
						evTS = p.h.Timestamp
						digits = append(digits, "0123456789*#"[ev])
					} else if p.h.Timestamp != evTS {
						t.Errorf("event packet timestamp %d, event started at %d", p.h.Timestamp, evTS)
					}
					if flags&0x80 != 0 {
						ends++
						if dur := int(p.payload[2])<<8 | int(p.payload[3]); dur != 6*160 {
							t.Errorf("end duration %d, want %d", dur, 6*160)
						}
					}
				}
			}
			if string(digits) != "12#" || ends != 9 {
				t.Errorf("digits %q with %d end packets, want \"12#\" and 9", digits, ends)
			}
		})
	}
}

func TestLoss(t *testing.T) {
	for _, tc := range []struct {
		name string
		imp  Impairment
		talk time.Duration
	}{
		{"random-5", Impairment{LossPct: 5}, 30 * time.Second},              // 1,500 packets
		{"random-1", Impairment{LossPct: 1}, 60 * time.Second},              // 3,000 packets
		{"burst-5", Impairment{LossPct: 5, BurstLen: 3}, 200 * time.Second}, // bursts need more packets
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := write(t, oneCall(Call{Talk: tc.talk, Media: MediaFaults{CallerToCallee: tc.imp}}))
			for f, pk := range streams(t, w.recs) {
				got := lossPct(pk)
				if f.src.Addr() == netip.MustParseAddr("192.0.2.2") {
					if got != 0 {
						t.Errorf("clean direction lost %.2f %%", got)
					}
					continue
				}
				if math.Abs(got-tc.imp.LossPct) > 2 {
					t.Errorf("loss %.2f %%, asked %.1f %% ± 2", got, tc.imp.LossPct)
				}
				runs, lost := 0, 0
				for i := 1; i < len(pk); i++ {
					if gap := int(pk[i].h.SequenceNumber - pk[i-1].h.SequenceNumber - 1); gap > 0 {
						runs++
						lost += gap
					}
				}
				mean := float64(lost) / float64(runs)
				if tc.imp.BurstLen > 1 && math.Abs(mean-tc.imp.BurstLen) > 1 {
					t.Errorf("mean burst %.2f, asked %.1f", mean, tc.imp.BurstLen)
				}
				if tc.imp.BurstLen == 0 && mean > 1.3 {
					t.Errorf("random loss has mean burst %.2f", mean)
				}
			}
		})
	}
}

// TestJitter computes the RFC 3550 §6.4.1 jitter from the arrival times
// (as Wireshark does) and compares its mean with what was asked.
func TestJitter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		imp     Impairment
		reorder bool
	}{
		{"5ms", Impairment{JitterMs: 5}, false},
		{"20ms", Impairment{JitterMs: 20}, false},
		{"30ms", Impairment{JitterMs: 30}, false},
		{"40ms-reorder", Impairment{JitterMs: 40, Reorder: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := write(t, oneCall(Call{Talk: 60 * time.Second, Media: MediaFaults{CalleeToCaller: tc.imp}}))
			for f, pk := range streams(t, w.recs) {
				_, mean := jitterMs(pk, 8000)
				reordered := false
				for i := 1; i < len(pk); i++ {
					if int16(pk[i].h.SequenceNumber-pk[i-1].h.SequenceNumber) < 0 {
						reordered = true
					}
				}
				if f.src.Addr() == netip.MustParseAddr("192.0.2.1") {
					if mean > 0.001 || reordered {
						t.Errorf("clean direction: jitter %.2f ms, reordered %v", mean, reordered)
					}
					continue
				}
				if math.Abs(mean-tc.imp.JitterMs) > 0.2*tc.imp.JitterMs {
					t.Errorf("mean jitter %.1f ms, asked %.0f ± 20 %%", mean, tc.imp.JitterMs)
				}
				if reordered != tc.reorder {
					t.Errorf("reordered = %v, want %v", reordered, tc.reorder)
				}
			}
		})
	}
}

// TestDemoNAT: the NAT call advertises a private address in SDP, Contact
// and Via while its packets come from the public one; the callee's
// audio never comes back (one-way audio).
func TestDemoNAT(t *testing.T) {
	w, _ := write(t, Demo())
	public := netip.MustParseAddr("192.0.2.50")
	private := netip.MustParseAddr("192.168.1.50")
	var invite sip.Message
	p := sip.NewParser()
	for _, r := range sipRecords(w.recs) {
		m, err := p.ParseSIP(r.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if req, ok := m.(*sip.Request); ok && req.Method == sip.INVITE && m.CallID().Value() == "demo-nat" {
			invite = m
			if r.Src.Addr() != public {
				t.Errorf("INVITE from %s, want the public %s", r.Src, public)
			}
			break
		}
	}
	if invite == nil {
		t.Fatal("no demo-nat INVITE")
	}
	// RFC 3261 §18.2.1 / RFC 3581: the callee notes where the request came from.
	for _, m := range sipOf(t, w.recs, "demo-nat") {
		if r, ok := m.(*sip.Response); ok {
			if got, _ := r.Via().Params.Get("received"); got != public.String() {
				t.Errorf("%d response Via received=%q, want %s", r.StatusCode, got, public)
			}
		}
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(invite.Body())); err != nil {
		t.Fatal(err)
	}
	if sd.ConnectionInformation.Address.Address != private.String() {
		t.Errorf("SDP c= %s, want %s", sd.ConnectionInformation.Address.Address, private)
	}
	if c := invite.(*sip.Request).Contact(); c == nil || c.Address.Host != private.String() {
		t.Errorf("Contact %v, want host %s", c, private)
	}
	var fromNAT, toNAT int
	for _, r := range w.recs {
		if !isRTP(r) {
			continue
		}
		if r.Src.Addr() == public {
			fromNAT++
		}
		if r.Dst.Addr() == public || r.Dst.Addr() == private {
			toNAT++
		}
	}
	if fromNAT == 0 || toNAT != 0 {
		t.Errorf("RTP from the NAT phone %d (want > 0), towards it %d (want 0: one-way)", fromNAT, toNAT)
	}
}

func TestMediaFaults(t *testing.T) {
	divert := netip.MustParseAddrPort("192.0.2.99:40000")
	w, _ := write(t, oneCall(Call{Offer: []string{"PCMU"}, Talk: 2 * time.Second,
		Media: MediaFaults{CallerToCallee: Impairment{WrongPT: true}, CalleeToCaller: Impairment{SendTo: divert}}}))
	ss := streams(t, w.recs)
	for f, pk := range ss {
		switch f.src.Addr().String() {
		case "192.0.2.1":
			if pk[0].h.PayloadType == 0 {
				t.Errorf("WrongPT sent PT 0, which the SDP has")
			}
		case "192.0.2.2":
			if f.dst != divert {
				t.Errorf("SendTo: RTP to %s, want %s", f.dst, divert)
			}
		}
	}
	w, _ = write(t, oneCall(Call{Media: MediaFaults{NoRTP: true}, RTCP: true}))
	if n := len(streams(t, w.recs)); n != 0 {
		t.Errorf("NoRTP produced %d streams", n)
	}
	w, _ = write(t, oneCall(Call{Media: MediaFaults{CalleeToCaller: Impairment{Silent: true}}}))
	if n := len(streams(t, w.recs)); n != 1 {
		t.Errorf("one-way produced %d streams, want 1", n)
	}
}

// TestAnswerNotInOffer: the 200's SDP carries a codec the offer lacks.
func TestAnswerNotInOffer(t *testing.T) {
	w, _ := write(t, oneCall(Call{Offer: []string{"PCMU"}, Answer: []string{"PCMA"}, AnswerNotInOffer: true, Talk: time.Second}))
	for _, m := range sipOf(t, w.recs, "one") {
		if r, ok := m.(*sip.Response); ok && r.StatusCode == 200 && len(m.Body()) > 0 {
			if !strings.Contains(string(m.Body()), "m=audio ") || !strings.Contains(string(m.Body()), "a=rtpmap:8 PCMA/8000") {
				t.Errorf("answer lacks PCMA:\n%s", m.Body())
			}
		}
	}
	for _, pk := range streams(t, w.recs) {
		if pk[0].h.PayloadType != 8 {
			t.Errorf("media on PT %d, want the answer's 8", pk[0].h.PayloadType)
		}
	}
}

// TestRTCP parses the reports with pion/rtcp and checks their figures
// against the RTP actually written.
func TestRTCP(t *testing.T) {
	w, st := write(t, oneCall(Call{Talk: 30 * time.Second, RTCP: true,
		Media: MediaFaults{CallerToCallee: Impairment{LossPct: 5, JitterMs: 10}}}))
	if st.RTCPPackets < 10 {
		t.Fatalf("%d RTCP packets for 30 s, want about 12", st.RTCPPackets)
	}
	ss := streams(t, w.recs)
	var lossy []rtpRec
	for f, pk := range ss {
		if f.src.Addr() == netip.MustParseAddr("192.0.2.1") {
			lossy = pk
		}
	}
	byes, checked, lsrs := 0, 0, 0
	callerSR := map[uint32]time.Time{} // middle 32 bits of NTP -> capture time
	for _, r := range w.recs {
		if !isRTCP(r) {
			continue
		}
		pkts, err := rtcp.Unmarshal(r.Payload)
		if err != nil {
			t.Fatalf("frame %d: %v", r.Frame, err)
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.Goodbye:
				byes++
			case *rtcp.SenderReport:
				ntpTime := time.Unix(int64(p.NTPTime>>32)-2208988800, int64((p.NTPTime&0xffffffff)*1e9>>32))
				if d := r.Time.Sub(ntpTime); d < 0 || d > 50*time.Millisecond {
					t.Errorf("frame %d: SR NTP time %v, captured %v", r.Frame, ntpTime, r.Time)
				}
				if r.Src.Addr() == netip.MustParseAddr("192.0.2.1") {
					callerSR[uint32(p.NTPTime>>16)] = r.Time
				}
				if r.Src.Addr() != netip.MustParseAddr("192.0.2.2") || len(p.Reports) == 0 {
					continue
				}
				// RFC 3550 §6.4.1 LSR/DLSR: the last caller SR received, and
				// the time since (in 1/65536 s).
				if lsr := p.Reports[0].LastSenderReport; lsr != 0 {
					lsrs++
					at, ok := callerSR[lsr]
					dlsr := time.Duration(p.Reports[0].Delay) * time.Second / 65536
					if !ok {
						t.Errorf("LSR %08x matches no caller SR", lsr)
					} else if d := r.Time.Sub(at) - dlsr; d < 0 || d > 100*time.Millisecond {
						t.Errorf("DLSR %v, but the SR was captured %v before this report", dlsr, r.Time.Sub(at))
					}
				}
				// The callee reports on the lossy stream: recompute from the
				// packets that arrived before this report was sent.
				rep := p.Reports[0]
				var got []rtpRec
				for _, q := range lossy {
					if !q.at.After(r.Time) {
						got = append(got, q)
					}
				}
				if rep.SSRC != lossy[0].h.SSRC {
					t.Errorf("report block SSRC %x, stream %x", rep.SSRC, lossy[0].h.SSRC)
				}
				if last := uint16(rep.LastSequenceNumber); last != got[len(got)-1].h.SequenceNumber {
					// the report is built at its send time, a hop before r.Time
					if int16(got[len(got)-1].h.SequenceNumber-last) > 5 || int16(got[len(got)-1].h.SequenceNumber-last) < 0 {
						t.Errorf("highest seq %d, captured %d", last, got[len(got)-1].h.SequenceNumber)
					}
				}
				lost := float64(rep.TotalLost) / float64(rep.LastSequenceNumber-uint32(lossy[0].h.SequenceNumber)+1) * 100
				if math.Abs(lost-5) > 3 {
					t.Errorf("cumulative loss %.1f %%, asked 5", lost)
				}
				if j := float64(rep.Jitter) / 8; j < 5 || j > 15 {
					t.Errorf("RTCP jitter %.1f ms, asked 10", j)
				}
				checked++
			}
		}
	}
	if byes != 2 || checked < 4 || lsrs < 3 {
		t.Errorf("%d RTCP BYE (want 2), %d reports checked, %d with LSR", byes, checked, lsrs)
	}
}

func TestErrors(t *testing.T) {
	if _, err := (Scenario{Calls: []Call{{CallID: "bad"}}}).Write(&memWriter{}); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("call without endpoints: %v, want ErrInvalidScenario", err)
	}
	if _, err := oneCall(Call{Offer: []string{"NOPE"}}).Write(&memWriter{}); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("unknown codec: %v, want ErrInvalidScenario", err)
	}
	if _, err := oneCall(Call{Ptime: time.Microsecond}).Write(&memWriter{}); !errors.Is(err, ErrInvalidScenario) {
		t.Errorf("1 µs ptime: %v, want ErrInvalidScenario", err)
	}
	boom := errors.New("disk full")
	_, err := oneCall(Call{}).Write(DatagramWriterFunc(func(*capture.Datagram) error { return boom }))
	if !errors.Is(err, ErrWrite) || !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "synth: ") {
		t.Errorf("writer failure: %v", err)
	}
}
