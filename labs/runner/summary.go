package runner

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"voiplab/analyze"
)

// Summary is the part of an analysis that a seeded lab reproduces exactly
// (see the package doc): what "two runs give the same analysis" means.
type Summary struct {
	Calls         []string `json:"calls"`
	Registrations []string `json:"registrations"`
	Streams       []string `json:"streams"`
	Findings      []string `json:"findings"`
}

// Summarize reduces a Result to its Summary; every list is sorted, so that
// the order in which concurrent calls happened to start does not matter.
func Summarize(r *analyze.Result) Summary {
	var s Summary
	for _, c := range r.Calls {
		var codecs []string
		for _, k := range c.SDP.Negotiated {
			codecs = append(codecs, k.Name)
		}
		msgs := map[string]int{}
		for _, m := range c.Messages {
			if m.Retransmission {
				continue
			}
			k := m.Method
			if k == "" {
				k = fmt.Sprint(m.Status)
			}
			msgs[k]++
		}
		var ms []string
		for k, n := range msgs {
			ms = append(ms, fmt.Sprintf("%s×%d", k, n))
		}
		slices.Sort(ms)
		var digits strings.Builder
		for _, d := range c.DTMF {
			digits.WriteString(d.Digit)
		}
		s.Calls = append(s.Calls, fmt.Sprintf("%s → %s %s %d [%s] {%s} dtmf=%q",
			user(c.From), user(c.To), c.State, c.FinalStatus, strings.Join(codecs, " "), strings.Join(ms, " "), digits.String()))
	}
	for _, g := range r.Registrations {
		s.Registrations = append(s.Registrations, fmt.Sprintf("%s %s %d attempts=%d", user(g.AOR), g.State, g.FinalStatus, g.Attempts))
	}
	for _, st := range r.Streams {
		s.Streams = append(s.Streams, fmt.Sprintf("%s → %s %s pt=%d packets=%d lost=%d",
			host(st.Src), host(st.Dst), st.Codec, st.PayloadType, st.Packets, st.Lost))
	}
	for _, f := range r.Findings {
		s.Findings = append(s.Findings, f.Code)
	}
	slices.Sort(s.Calls)
	slices.Sort(s.Registrations)
	slices.Sort(s.Streams)
	slices.Sort(s.Findings)
	return s
}

// Diff lists the differences between two summaries, empty when equal.
func (s Summary) Diff(o Summary) []string {
	var out []string
	cmp := func(what string, a, b []string) {
		n := map[string]int{}
		for _, x := range a {
			n[x]++
		}
		for _, x := range b {
			n[x]--
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch d := n[k]; {
			case d > 0:
				out = append(out, fmt.Sprintf("%s %d more in the first: %s", what, d, k))
			case d < 0:
				out = append(out, fmt.Sprintf("%s %d more in the second: %s", what, -d, k))
			}
		}
	}
	cmp("call", s.Calls, o.Calls)
	cmp("registration", s.Registrations, o.Registrations)
	cmp("stream", s.Streams, o.Streams)
	cmp("finding", s.Findings, o.Findings)
	return out
}

// user is the user part of a SIP URI ("sip:200@lab.local" → "200").
func user(uri string) string {
	u := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	if i := strings.IndexAny(u, "@;>"); i >= 0 {
		return u[:i]
	}
	return u
}

// host drops the port, which the operating system or the relay chose, and
// the run's subnet (RunOptions.Subnet) of a loopback address.
func host(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr
	}
	a := ap.Addr()
	if a.Is4() && a.IsLoopback() {
		b := a.As4()
		b[1] = 0
		a = netip.AddrFrom4(b)
	}
	return a.String()
}
