package synth

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// TestRegistrations checks each registration outcome's ladder (RFC 3261
// §10.2 with §22.2 digest) and that the 200 OK follows a correct digest.
func TestRegistrations(t *testing.T) {
	a := ep("192.0.2.1:5060", "201", "phone")
	reg := netip.MustParseAddrPort("192.0.2.10:5060")
	for _, tc := range []struct {
		name string
		o    RegOutcome
		want string
	}{
		{"ok", RegOK, "REGISTER,401 REGISTER,REGISTER,200 REGISTER"},
		{"wrong-password", RegWrongPassword, "REGISTER,401 REGISTER,REGISTER,403 REGISTER"},
		{"challenge-loop", RegChallengeLoop, "REGISTER,401 REGISTER,REGISTER,401 REGISTER,REGISTER,401 REGISTER"},
		{"unknown", RegUnknown, "REGISTER,404 REGISTER"},
		// Timer E: 0, .5, 1.5, 3.5, 7.5, then every T2 = 4 s until Timer F (32 s).
		{"no-response", RegNoResponse, strings.Repeat("REGISTER,", 10) + "REGISTER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := write(t, Scenario{Seed: 5, Registrations: []Registration{{Endpoint: a, Registrar: reg, Outcome: tc.o, Expires: 600}}})
			var ms []sip.Message
			p := sip.NewParser()
			for _, r := range w.recs {
				m, err := p.ParseSIP(r.Payload)
				if err != nil {
					t.Fatal(err)
				}
				ms = append(ms, m)
			}
			if got := strings.Join(ladder(ms), ","); got != tc.want {
				t.Fatalf("ladder\n got %s\nwant %s", got, tc.want)
			}
			callID := ms[0].CallID().Value()
			for i, m := range ms {
				if m.CallID().Value() != callID {
					t.Errorf("message %d changes Call-ID", i)
				}
				if req, ok := m.(*sip.Request); ok {
					if e := req.GetHeader("Expires"); e == nil || e.Value() != "600" {
						t.Errorf("message %d: Expires %v", i, e)
					}
					if tc.o != RegNoResponse && int(req.CSeq().SeqNo) != i/2+1 {
						t.Errorf("message %d: CSeq %d, want %d", i, req.CSeq().SeqNo, i/2+1)
					}
				}
			}
			if tc.o == RegOK {
				// Recompute the digest of the second REGISTER (RFC 2617 §3.2.2).
				auth := ms[2].(*sip.Request).GetHeader("Authorization").Value()
				chal := ms[1].(*sip.Response).GetHeader("WWW-Authenticate").Value()
				nonce := param(chal, "nonce")
				want := digestAuthorization("201", password, realm, nonce, "REGISTER", "sip:192.0.2.10", param(auth, "cnonce"), 1)
				if param(auth, "response") != param(want, "response") {
					t.Errorf("Authorization %s\nwant response %s", auth, param(want, "response"))
				}
			}
		})
	}
}

// param returns a quoted or bare parameter of a digest header value.
func param(v, name string) string {
	i := strings.Index(v, name+"=")
	if i < 0 {
		return ""
	}
	rest := v[i+len(name)+1:]
	if strings.HasPrefix(rest, `"`) {
		rest = rest[1:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	if j := strings.IndexByte(rest, ','); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestScans(t *testing.T) {
	scanner := ep("192.0.2.200:5070", "", "friendly-scanner")
	target := netip.MustParseAddrPort("192.0.2.10:5060")
	for _, tc := range []struct {
		name string
		scan Scan
		reqs int
		want map[int]int // status -> count
	}{
		{"options", Scan{Method: "OPTIONS", Extensions: []string{"100", "200", "300"}}, 3, map[int]int{200: 3}},
		{"register", Scan{Method: "REGISTER", Extensions: []string{"100", "200", "300"}}, 3, map[int]int{401: 1, 404: 2}},
		{"invite", Scan{Method: "INVITE", Extensions: []string{"100", "200"}}, 4, map[int]int{407: 1, 404: 1}},
		{"brute-force", Scan{Extensions: []string{"200"}, Attempts: 25}, 50, map[int]int{401: 25, 403: 25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.scan.From, tc.scan.Target, tc.scan.At = scanner, target, time.Second
			w, st := write(t, Scenario{Seed: 9, Scans: []Scan{tc.scan}})
			reqs, got := 0, map[int]int{}
			p := sip.NewParser()
			for _, r := range w.recs {
				m, err := p.ParseSIP(r.Payload)
				if err != nil {
					t.Fatal(err)
				}
				switch m := m.(type) {
				case *sip.Request:
					reqs++
					if ua := m.GetHeader("User-Agent"); ua == nil || ua.Value() != "friendly-scanner" || r.Src != scanner.Addr {
						t.Errorf("probe from %s with User-Agent %v", r.Src, ua)
					}
				case *sip.Response:
					got[m.StatusCode]++
				}
			}
			if reqs != tc.reqs || st.SIPMessages != len(w.recs) {
				t.Errorf("%d requests (want %d), %d messages, Stats %+v", reqs, tc.reqs, len(w.recs), st)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("responses %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}
