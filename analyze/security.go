package analyze

import (
	"net/netip"
	"slices"
	"strings"

	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

// scannerAgents are User-Agent fragments of well-known SIP scanners
// (SIPVicious svmap/svwar/svcrack send "friendly-scanner").
var scannerAgents = []string{"friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sipscan",
	"sundayddr", "iwar", "vaxsipuseragent", "pplsip", "voipbuster", "smap", "sipptk"}

// security gathers, per source address, what brute-force and scanner
// findings need. Tables are bounded.
type security struct {
	sources map[netip.Addr]*sourceStats
	pending map[txnKey]txnInfo // open requests: who asked for which user
	order   []netip.Addr
}

type sourceStats struct {
	agent      string
	agentFrame int
	failures   int
	failUsers  []string
	failFrames []int
	users      map[string]bool // To users requested → answered with success
	frames     []int
	methods    map[string]bool
}

type txnKey struct {
	callID string
	cseq   uint32
	method string
}

type txnInfo struct {
	src   netip.Addr
	user  string
	creds bool
}

const maxTracked = 100000

func newSecurity() security {
	return security{sources: map[netip.Addr]*sourceStats{}, pending: map[txnKey]txnInfo{}}
}

func (s *security) source(ip netip.Addr) *sourceStats {
	st := s.sources[ip]
	if st == nil {
		if len(s.sources) >= maxTracked {
			return nil
		}
		st = &sourceStats{users: map[string]bool{}, methods: map[string]bool{}}
		s.sources[ip] = st
		s.order = append(s.order, ip)
	}
	return st
}

func (s *security) observe(a *Analyzer, d *capture.Datagram, m *sipmsg.Message, retrans bool) {
	if retrans {
		return
	}
	if m.Request {
		switch m.Method {
		case "REGISTER", "INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE":
		default:
			return
		}
		st := s.source(d.Src.Addr())
		if st == nil {
			return
		}
		ua := strings.ToLower(m.UserAgent)
		if st.agent == "" {
			for _, k := range scannerAgents {
				if strings.Contains(ua, k) {
					st.agent, st.agentFrame = m.UserAgent, d.Frame
					break
				}
			}
		}
		user := m.To.User
		if _, ok := st.users[user]; !ok && len(st.users) < 10000 {
			st.users[user] = false
		}
		st.methods[m.Method] = true
		if len(st.frames) < 20 {
			st.frames = append(st.frames, d.Frame)
		}
		if len(s.pending) < maxTracked {
			s.pending[txnKey{m.CallID, m.CSeq, m.Method}] = txnInfo{src: d.Src.Addr(), user: user, creds: m.Authorization != nil}
		}
		return
	}
	if m.Status < 200 {
		return
	}
	k := txnKey{m.CallID, m.CSeq, m.CSeqMethod}
	t, ok := s.pending[k]
	if !ok {
		return
	}
	delete(s.pending, k)
	st := s.sources[t.src]
	if st == nil {
		return
	}
	if m.Status < 300 {
		st.users[t.user] = true
	}
	stale := m.Challenge != nil && m.Challenge.Stale
	if t.creds && ((m.Status == 401 || m.Status == 407) && !stale || m.Status == 403) {
		st.failures++
		if !slices.Contains(st.failUsers, t.user) && len(st.failUsers) < 20 {
			st.failUsers = append(st.failUsers, t.user)
		}
		if len(st.failFrames) < 20 {
			st.failFrames = append(st.failFrames, d.Frame)
		}
	}
}

// findings returns brute-force and scanner findings, per source address,
// and the sources found guessing passwords.
func (s *security) findings(th Thresholds) ([]Finding, map[netip.Addr]bool) {
	var out []Finding
	brute := map[netip.Addr]bool{}
	for _, ip := range s.order {
		st := s.sources[ip]
		if st.failures >= th.BruteForceFailures {
			brute[ip] = true
			out = append(out, newFinding(CodeBruteForce, "", st.failFrames, map[string]string{
				"src": ip.String(), "count": itoa(st.failures), "users": "users " + strings.Join(st.failUsers, ", "),
			}))
		}
		ok := 0
		for _, v := range st.users {
			if v {
				ok++
			}
		}
		probing := len(st.users) >= th.ScannerTargets && ok*5 < len(st.users)
		if st.agent != "" || probing {
			var detail []string
			if st.agent != "" {
				detail = append(detail, "with the scanner User-Agent \""+st.agent+"\"")
			}
			if len(st.users) > 1 {
				methods := make([]string, 0, len(st.methods))
				for m := range st.methods {
					methods = append(methods, m)
				}
				slices.Sort(methods)
				detail = append(detail, "for "+itoa(len(st.users))+" different extensions ("+strings.Join(methods, ", ")+"), "+itoa(ok)+" of them answered with success")
			}
			frames := st.frames
			if st.agentFrame != 0 {
				frames = append([]int{st.agentFrame}, frames...)
			}
			out = append(out, newFinding(CodeScanner, "", frames, map[string]string{
				"src": ip.String(), "detail": strings.Join(detail, " and "),
			}))
		}
	}
	return out, brute
}
