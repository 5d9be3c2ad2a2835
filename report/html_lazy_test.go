package report

import (
	"regexp"
	"strings"
	"testing"
)

// TestBodyScript: a call's body wrapped in a script element holds no
// "</script" nor "<!--" (either would end or change the script's text,
// HTML Living Standard §4.12.1.3), and the page's unescape gives the body
// back exactly.
func TestBodyScript(t *testing.T) {
	unescape := regexp.MustCompile(`(?i)<\\(/script|!--)`) // the page's fill
	for _, tc := range []struct{ name, body string }{
		{"chart option", `<div class="chart" id="chart-s1"></div><script type="application/json" class="chart-option">{"series":[]}</script>`},
		{"upper case", `<SCRIPT>x</SCRIPT ></Script>`},
		{"comment", `<p>a</p><!-- b --><p>c</p>`},
		{"plain", `<pre class="sip">INVITE sip:a@b SIP/2.0
From: &lt;sip:a@b&gt;</pre>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(bodyScript(tc.body))
			const open, end = `<script type="text/html" class="lazybody">`, `</script>`
			if !strings.HasPrefix(got, open) || !strings.HasSuffix(got, end) {
				t.Fatalf("not wrapped: %q", got)
			}
			inner := strings.TrimSuffix(strings.TrimPrefix(got, open), end)
			if l := strings.ToLower(inner); strings.Contains(l, "</script") || strings.Contains(l, "<!--") {
				t.Errorf("inner text %q ends or changes the script", inner)
			}
			if back := unescape.ReplaceAllString(inner, "<$1"); back != tc.body {
				t.Errorf("unescaped %q, want %q", back, tc.body)
			}
		})
	}
}
