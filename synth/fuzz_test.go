package synth

import (
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"voiplab/capture"
)

// FuzzCall builds one call from fuzzed parameters: whatever they are,
// Write must not panic, must keep time order, and everything it writes must
// be SIP that sipgo parses or RTP/RTCP version 2.
func FuzzCall(f *testing.F) {
	// Seeds: the demo's calls, reduced to their parameters.
	for i, c := range Demo().Calls {
		f.Add(int64(i), uint8(c.Outcome), uint16(c.RejectStatus), c.Media.CallerToCallee.LossPct, c.Media.CallerToCallee.BurstLen,
			c.Media.CallerToCallee.JitterMs, uint8(c.Ptime/time.Millisecond), uint16(c.Talk/time.Millisecond), uint16(0), c.DTMF)
	}
	f.Add(int64(99), uint8(0), uint16(0), 50.0, 10.0, 100.0, uint8(7), uint16(333), uint16(0xffff), "0123456789*#ABCD")
	f.Fuzz(func(t *testing.T, seed int64, outcome uint8, status uint16, loss, burst, jitter float64, ptimeMs uint8, talkMs uint16, flags uint16, dtmf string) {
		if loss != loss || burst != burst || jitter != jitter || jitter > 1000 || jitter < 0 || burst > 1000 {
			t.Skip() // NaN or absurd
		}
		c := Call{
			CallID: "fuzz", Outcome: Outcome(outcome % 6), RejectStatus: 400 + int(status%200),
			Caller: ep("192.0.2.1:5060", "201", "a"), Callee: ep("192.0.2.2:5060", "202", "b"),
			Ptime: time.Duration(ptimeMs%60+5) * time.Millisecond, Talk: time.Duration(talkMs) * time.Millisecond,
			Media: MediaFaults{CallerToCallee: Impairment{LossPct: loss, BurstLen: burst, JitterMs: jitter, Reorder: flags&1 != 0, WrongPT: flags&2 != 0},
				CalleeToCaller: Impairment{Silent: flags&4 != 0}, NoRTP: flags&8 != 0},
			RTCP: flags&16 != 0, AuthChallenge: flags&32 != 0, ReInviteHold: flags&64 != 0,
			DTMF: dtmf, DTMFNegotiated: flags&128 != 0, AnswerNotInOffer: flags&256 != 0,
		}
		if flags&512 != 0 {
			c.Transport = "TCP"
		}
		if flags&1024 != 0 {
			c.Proxy = &Endpoint{Addr: netip.MustParseAddrPort("192.0.2.10:5060"), User: "pbx"}
		}
		if flags&2048 != 0 {
			c.Offer, c.Answer = []string{"G722"}, []string{"G729", "PCMA"}
		}
		p := sip.NewParser()
		var last time.Time
		_, err := (Scenario{Seed: seed, Calls: []Call{c}}).Write(DatagramWriterFunc(func(d *capture.Datagram) error {
			if d.Time.Before(last) {
				t.Fatalf("frame %d goes back in time", d.Frame)
			}
			last = d.Time
			if d.Src.Port() >= 10000 {
				if len(d.Payload) < 8 || d.Payload[0]>>6 != 2 {
					t.Fatalf("frame %d: media without version 2", d.Frame)
				}
				if d.Src.Port()%2 == 0 {
					var h rtp.Header
					if _, err := h.Unmarshal(d.Payload); err != nil {
						t.Fatalf("frame %d: %v", d.Frame, err)
					}
				}
				return nil
			}
			if _, err := p.ParseSIP(d.Payload); err != nil {
				t.Fatalf("frame %d: %v\n%s", d.Frame, err, d.Payload)
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
	})
}
