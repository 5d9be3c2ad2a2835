package analyze_test

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
)

// TestTorture feeds every RFC 4475 torture message to the analyser as a UDP
// datagram: a valid one is analysed without a malformed-sip finding, an
// invalid one is kept and explained by a malformed-sip finding that names its
// frame, and none stops the analysis.
func TestTorture(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "sip-torture")
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Messages []struct {
			File    string `json:"file"`
			Section string `json:"rfc4475_section"`
			Verdict string `json:"verdict"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Messages) != 49 {
		t.Fatalf("%d torture messages, want the 49 of RFC 4475", len(index.Messages))
	}
	for _, m := range index.Messages {
		t.Run(m.Section+"_"+filepath.Base(m.File), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, m.File))
			if err != nil {
				t.Fatal(err)
			}
			a := analyze.New(analyze.DefaultOptions())
			a.Datagram(&capture.Datagram{Frame: 7, Time: time.Unix(1e9, 0), Transport: capture.UDP,
				Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"), Payload: b})
			r := a.Result()
			var malformed *analyze.Finding
			for i, f := range r.Findings {
				if f.Code == analyze.CodeMalformedSIP {
					malformed = &r.Findings[i]
				}
			}
			seen := len(r.Calls) + len(r.Registrations) + len(r.Other)
			if seen == 0 {
				t.Fatalf("the message vanished from the analysis")
			}
			switch m.Verdict {
			case "valid":
				if malformed != nil {
					t.Errorf("valid message got %s", malformed.Message)
				}
			case "invalid":
				if malformed == nil {
					t.Fatalf("invalid message got no malformed-sip finding")
				}
				if len(malformed.Frames) != 1 || malformed.Frames[0] != 7 {
					t.Errorf("finding frames %v, want [7]", malformed.Frames)
				}
			}
		})
	}
}

// TestTruncatedSIP: a SIP message that the capture cut short is kept, and
// explained once by truncated-packet (not also as malformed SIP).
func TestTruncatedSIP(t *testing.T) {
	msg := "INVITE sip:201@lab.local SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n" +
		"From: <sip:200@lab.local>;tag=a\r\nTo: <sip:201@lab.local>\r\nCall-ID: cut@x\r\nCSeq: 1 INVITE\r\nContent-Le"
	a := analyze.New(analyze.DefaultOptions())
	a.Datagram(&capture.Datagram{Frame: 3, Time: time.Unix(1e9, 0), Transport: capture.UDP, Truncated: true,
		Src: netip.MustParseAddrPort("192.0.2.1:5060"), Dst: netip.MustParseAddrPort("192.0.2.2:5060"), Payload: []byte(msg)})
	r := a.Result()
	if len(r.Calls) != 1 || r.Calls[0].CallID != "cut@x" {
		t.Fatalf("the cut INVITE is not kept as a call: %+v", r.Calls)
	}
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Code)
	}
	if len(r.Findings) == 0 || r.Findings[0].Code != analyze.CodeTruncatedPacket || r.Findings[0].Frames[0] != 3 {
		t.Errorf("findings %v, want truncated-packet on frame 3 first", got)
	}
	for _, f := range r.Findings {
		if f.Code == analyze.CodeMalformedSIP {
			t.Errorf("also reported as malformed: %s", f.Message)
		}
	}
}
