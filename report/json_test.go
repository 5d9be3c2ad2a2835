package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"voiplab/analyze"
)

// TestWriteJSONMatchesEncodingJSON: the streamed JSON is the same document
// as encoding/json's, with <, > and & left readable.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	r := &analyze.Result{Schema: 1, Files: []analyze.File{{Path: "a.pcap", Warnings: []string{}}},
		Calls: []analyze.Call{{CallID: "x", From: "<sip:200@lab.local>", Messages: []analyze.Message{{Summary: "A & B", Raw: "a\\\"b\u0001"}},
			Start: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}},
		Registrations: []analyze.Registration{}, Streams: []analyze.Stream{}, Findings: []analyze.Finding{}}
	var got bytes.Buffer
	if err := WriteJSON(&got, r); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got.Bytes(), []byte(`\u003c`)) || !bytes.Contains(got.Bytes(), []byte("<sip:200@lab.local>")) {
		t.Errorf("HTML escapes left in:\n%s", got.String())
	}
	var a, b any
	if err := json.Unmarshal(got.Bytes(), &a); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got.String())
	}
	want, _ := json.Marshal(r)
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	wa, _ := json.Marshal(a)
	wb, _ := json.Marshal(b)
	if !bytes.Equal(wa, wb) {
		t.Errorf("streamed JSON differs:\n%s\nwant\n%s", wa, wb)
	}
}
