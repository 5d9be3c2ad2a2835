package report_test

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"time"

	"voiplab/analyze"
	"voiplab/report"
)

// ExampleWriteHTML writes the French report of a busy call; the page is one
// self-contained file, and its findings are rendered from their keys.
func ExampleWriteHTML() {
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	busy := analyze.Finding{Code: "call-rejected", Severity: analyze.SeverityInfo, CallID: "c1", Frames: []int{1, 2},
		Key: "call-rejected.486", Params: map[string]string{"to": "204"}}
	r := &analyze.Result{Schema: 1,
		Calls: []analyze.Call{{CallID: "c1", From: "sip:203@lab.local", To: "sip:204@lab.local",
			State: analyze.StateRejected, FinalStatus: 486, Reason: "Busy Here", Start: t0,
			Messages: []analyze.Message{
				{Frame: 1, Time: t0, Src: "10.0.0.3:5060", Dst: "10.0.0.1:5060", Method: "INVITE", SDP: "PCMU PCMA",
					Summary: "INVITE sip:204@lab.local", Raw: "INVITE sip:204@lab.local SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n"},
				{Frame: 2, Time: t0.Add(3 * time.Second), Src: "10.0.0.1:5060", Dst: "10.0.0.3:5060", Status: 486,
					Summary: "486 Busy Here", Raw: "SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\n\r\n"},
			},
			Findings: []analyze.Finding{busy}}},
		Findings: []analyze.Finding{busy}}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, r, report.HTMLOptions{Lang: "fr", Title: "Labo 2 : occupé", Generated: t0}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(regexp.MustCompile(`<title>.*</title>`).FindString(page.String()))
	fmt.Println(html.UnescapeString(regexp.MustCompile(`L&#39;appelé 204 [^<]*`).FindString(page.String())))
	fmt.Println(len(regexp.MustCompile(`class="arrow sip`).FindAllString(page.String(), -1)), "flèches SIP")
	fmt.Println(regexp.MustCompile(`class="arrow sip fail"[^>]*>`).FindString(page.String()))
	// Output:
	// <title>Labo 2 : occupé</title>
	// L'appelé 204 était occupé (486 Busy Here).
	// 2 flèches SIP
	// class="arrow sip fail" data-frame="2" id="c1-a1" data-msg="c1-m1" tabindex="0" role="button">
}
