package cdr_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"voiplab/internal/deptest"
	"voiplab/pbx/cdr"
)

func TestDeps(t *testing.T) { deptest.AllowOnly(t, "voiplab/pbx/cdr") }

func sample() []cdr.Record {
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ans := start.Add(2 * time.Second)
	return []cdr.Record{{CallID: "a@b", From: "200", To: "201", Start: start, Answer: &ans, End: ans.Add(10 * time.Second),
		Status: 200, Reason: "OK", DurationMs: 10000, Codec: "PCMA", Media: cdr.MediaRelay,
		RTP: []cdr.Direction{{Direction: "caller->callee", Packets: 500, Lost: 1, JitterMs: 0.5, MOS: 4.4}}},
		{CallID: "c@d", From: "200", To: "299", Start: start, End: start.Add(time.Second), Status: 404, Reason: "Not Found", Media: cdr.MediaDirect, RTP: []cdr.Direction{}}}
}

func TestJSONFields(t *testing.T) {
	var buf bytes.Buffer
	if err := cdr.WriteJSON(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"call_id", "from", "to", "start", "answer", "end", "status", "reason", "duration_ms", "codec", "media", "rtp"} {
		if _, ok := got[0][k]; !ok {
			t.Errorf("no %q field (DESIGN.md)", k)
		}
	}
	if got[1]["answer"] != nil {
		t.Errorf("unanswered call has answer %v", got[1]["answer"])
	}
	rtp := got[0]["rtp"].([]any)[0].(map[string]any)
	for _, k := range []string{"direction", "packets", "lost", "jitter_ms", "mos"} {
		if _, ok := rtp[k]; !ok {
			t.Errorf("rtp has no %q field", k)
		}
	}
	buf.Reset()
	if err := cdr.WriteJSON(&buf, nil); err != nil || buf.String() != "[]\n" {
		t.Errorf("no records: %q %v, want []", buf.String(), err)
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := cdr.WriteCSV(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "call_id" || rows[1][0] != "a@b" || rows[1][12] != "500" || rows[2][6] != "404" {
		t.Errorf("rows %q", rows)
	}
}
