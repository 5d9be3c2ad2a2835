package report

import (
	"strings"
	"testing"
	"time"

	"voiplab/analyze"
)

// TestLadderModel: columns, roles, failing and retransmitted messages, and
// where the media goes, for a phone → PBX → phone call that the callee
// rejects.
func TestLadderModel(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msg := func(ms int, src, dst, method string, status int, ua string, retrans bool) analyze.Message {
		return analyze.Message{Frame: ms, Time: t0.Add(time.Duration(ms) * time.Millisecond), Src: src, Dst: dst,
			Method: method, Status: status, Summary: map[int]string{0: method, 100: "100 Trying", 486: "486 Busy Here"}[status],
			UserAgent: ua, Retransmission: retrans}
	}
	a, pbx, b := "10.0.0.2:5060", "10.0.0.1:5060", "10.0.0.3:5060"
	c := analyze.Call{Start: t0, Streams: []string{"s1"}, Messages: []analyze.Message{
		msg(1, a, pbx, "INVITE", 0, "Yealink SIP-T46U", false),
		msg(2, pbx, a, "", 100, "", false),
		msg(3, pbx, b, "INVITE", 0, "", false),
		msg(503, pbx, b, "INVITE", 0, "", true),
		msg(600, b, pbx, "", 486, "Linphone/5.2", false),
	}}
	streams := map[string]analyze.Stream{"s1": {ID: "s1", Src: "10.0.0.2:40000", Dst: "10.0.0.3:50000", Start: t0}}

	l := buildLadder(c, streams, true)
	var roles []string
	for _, h := range l.hosts {
		roles = append(roles, h.addr+"="+h.role)
	}
	if got, want := strings.Join(roles, " "), a+"=phone "+pbx+"=pbx "+b+"=phone"; got != want {
		t.Errorf("merged hosts %s, want %s", got, want)
	}
	if len(l.rows) != 6 {
		t.Fatalf("%d rows, want 5 messages and 1 stream", len(l.rows))
	}
	for _, tc := range []struct {
		name      string
		row       ladderRow
		fail, ret bool
		from, to  int
	}{
		{"invite", l.rows[0], false, false, 0, 1},
		{"retransmitted invite", l.rows[3], false, true, 1, 2},
		{"busy is the failing message", l.rows[4], true, false, 2, 1},
		{"rtp from phone to phone", l.rows[5], false, false, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.row.fail != tc.fail || tc.row.retrans != tc.ret || tc.row.from != tc.from || tc.row.to != tc.to {
				t.Errorf("row %+v: want fail %v retrans %v %d→%d", tc.row, tc.fail, tc.ret, tc.from, tc.to)
			}
		})
	}
	if l := buildLadder(c, streams, false); len(l.hosts) != 5 || l.hosts[3].role != "media" {
		t.Errorf("unmerged: %d hosts (%+v), want 5 with media columns", len(l.hosts), l.hosts)
	}

	tr, err := newTranslator("en")
	if err != nil {
		t.Fatal(err)
	}
	var svg strings.Builder
	writeSVGLadder(&svg, l, "c1", tr)
	out := svg.String()
	for _, want := range []string{`class="arrow sip fail"`, `class="arrow sip retrans"`, `class="arrow rtp"`, `data-msg="c1-m4"`, "PBX / proxy", "Yealink SIP-T46U"} {
		if !strings.Contains(out, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	if n := strings.Count(out, `class="arrow sip`); n != len(c.Messages) {
		t.Errorf("%d SIP arrows, want %d", n, len(c.Messages))
	}
}
