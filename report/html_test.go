package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"voiplab/analyze"
	"voiplab/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// generated is the fixed generation time of golden reports.
var generated = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// corpusDir is ../../shared/corpus (from /work/main/report) unless
// VOIPLAB_CORPUS names another place.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	return dir
}

func corpusCaptures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir(t), "pcaps", "*.pcap*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".json") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Skip("no captures in the corpus")
	}
	return out
}

// goldenCaptures are the representative captures whose whole page is kept
// in testdata/golden (every capture gets the structural checks of
// TestHTMLCorpus): RTP with RTCP, DTMF and a rejected call, a G.722 call,
// SIP over TCP and WebSocket, IPv6, rejected and cancelled calls, a
// fax/T.38 call, RTP without signalling, and a capture without any call.
var goldenCaptures = []string{
	"heplify_rtp_rtcp_sip_ipv4_udp.pcap",
	"rtp-pcap_SIP_DTMF2.pcap",
	"rtp-pcap_sip-rtp-g722.pcap",
	"heplify_sip_tcp_websocket.pcap",
	"sngrep_aaa.pcap",
	"heplify_sip_ipv6_udp.pcap",
	"heplify_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap",
	"asterisk-testsuite_16_bit_48khz_60_fec_dropped.pcapng",
	"ndpi_sip_hello.pcapng",
}

func analyse(t testing.TB, paths ...string) *analyze.Result {
	t.Helper()
	r, err := analyze.Run(context.Background(), paths, analyze.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func render(t testing.TB, r *analyze.Result, lang string) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r, report.HTMLOptions{Lang: lang, Generated: generated}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// stripAssets replaces the embedded ECharts library (1 MB, checked by
// TestEChartsAsset) by a marker, so that golden files hold only our page.
func stripAssets(page string) string {
	lic := strings.Index(page, "* Licensed to the Apache Software Foundation")
	if lic < 0 {
		return page
	}
	i := strings.LastIndex(page[:lic], "<script>")
	j := strings.Index(page[lic:], "</script>")
	return page[:i] + "<script>/* echarts.min.js 5.6.0 */" + page[lic+j:]
}

// TestHTMLGolden compares the page of each representative capture, in
// English and French, with testdata/golden/<capture>.<lang>.html (rewrite
// with -update after a reviewed change).
func TestHTMLGolden(t *testing.T) {
	dir := corpusDir(t)
	for _, name := range goldenCaptures {
		for _, lang := range report.Languages() {
			t.Run(name+"/"+lang, func(t *testing.T) {
				path := filepath.Join(dir, "pcaps", name)
				page := render(t, analyse(t, path), lang)
				page = strings.ReplaceAll(stripAssets(page), filepath.Join(dir, "pcaps")+string(filepath.Separator), "")
				golden := filepath.Join("testdata", "golden", name+"."+lang+".html")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(page), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./report -run HTMLGolden -update)", err)
				}
				if page != string(want) {
					t.Errorf("page differs from %s; diff it after -update", golden)
				}
			})
		}
	}
}

// TestHTMLCorpus renders every corpus capture in both languages and checks
// the structure of the page: it parses, stays under 2 MiB, names no remote
// host, has one SVG arrow per SIP message of each call and one chart
// option per chart element, and no catalogue id leaked untranslated.
func TestHTMLCorpus(t *testing.T) {
	for _, path := range corpusCaptures(t) {
		r := analyse(t, path)
		for _, lang := range report.Languages() {
			t.Run(filepath.Base(path)+"/"+lang, func(t *testing.T) {
				page := render(t, r, lang)
				checkPage(t, r, page)
			})
		}
	}
}

// untranslated matches a catalogue id that T returned as is.
var untranslated = regexp.MustCompile(`\b(page|nav|summary|file|state|severity|call|ladder|role|msg|sdp|stream|rtcp|chart|findings|reg|other|howto|glossary|param|finding)\.[a-z_]+(\.[a-z0-9_-]+)*\b`)

func checkPage(t *testing.T, r *analyze.Result, page string) {
	t.Helper()
	if len(page) > 2<<20 {
		t.Errorf("page is %d bytes, over 2 MiB", len(page))
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("page does not parse: %v", err)
	}
	sipArrows := map[string]int{} // call anchor → arrows
	charts := map[string]bool{}
	options := map[string]json.RawMessage{}
	var walk func(n *html.Node, call string)
	walk = func(n *html.Node, call string) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q>: the page must not load anything", n.Data, a.Key, a.Val)
				}
				if a.Key == "id" && strings.HasPrefix(a.Val, "call-") && n.Data == "details" {
					call = a.Val
				}
				if a.Key == "class" && strings.HasPrefix(a.Val, "arrow sip") {
					sipArrows[call]++
				}
				if a.Key == "class" && a.Val == "chart" {
					charts[attr(n, "id")] = true
				}
				if a.Key == "class" && a.Val == "chart-option" {
					prev := n.PrevSibling
					if prev == nil || attr(prev, "class") != "chart" || n.FirstChild == nil {
						t.Errorf("a chart option not right after its chart")
						continue
					}
					var opt map[string]any
					if err := json.Unmarshal([]byte(n.FirstChild.Data), &opt); err != nil || opt["series"] == nil {
						t.Errorf("chart %s: option %v", attr(prev, "id"), err)
					}
					options[attr(prev, "id")] = json.RawMessage(n.FirstChild.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, call)
		}
		if n.Type == html.ElementNode && n.Data == "script" && attr(n, "class") == "lazybody" {
			body, err := lazyBody(n)
			if err != nil {
				t.Errorf("body of %s: %v", call, err)
			}
			for _, c := range body {
				walk(c, call)
			}
		}
	}
	walk(doc, "")
	for i, c := range r.Calls {
		if got := sipArrows["call-"+itoa(i+1)]; got != len(c.Messages) {
			t.Errorf("call %d (%s): %d SIP arrows, want %d messages", i+1, c.CallID, got, len(c.Messages))
		}
	}
	for id := range charts {
		if options[id] == nil {
			t.Errorf("chart %s has no option", id)
		}
	}
	if len(options) != len(charts) {
		t.Errorf("%d chart options for %d chart elements", len(options), len(charts))
	}
	if len(charts) > 0 {
		var base map[string]any
		if b := byID(doc, "chart-base"); b == nil || b.FirstChild == nil {
			t.Errorf("%d charts and no chart-base", len(charts))
		} else if err := json.Unmarshal([]byte(b.FirstChild.Data), &base); err != nil || base["series"] == nil || base["xAxis"] == nil {
			t.Errorf("chart-base %v: %.200s", err, b.FirstChild.Data)
		}
	}
	text := visibleText(doc)
	if m := untranslated.FindString(text); m != "" {
		t.Errorf("untranslated catalogue id %q on the page", m)
	}
}

// lazyBody parses the body of a collapsed call, which the page keeps as
// the text of a <script type="text/html" class="lazybody"> and inserts
// when the call is opened, undoing the escapes of "</script" and "<!--".
func lazyBody(n *html.Node) ([]*html.Node, error) {
	if attr(n, "type") != "text/html" || n.FirstChild == nil || n.Parent == nil || n.Parent.Data != "details" {
		return nil, errors.New("not a text/html script with text inside a details element")
	}
	text := lazyEscape.ReplaceAllString(n.FirstChild.Data, "<$1")
	return html.ParseFragment(strings.NewReader(text), n.Parent)
}

var lazyEscape = regexp.MustCompile(`(?i)<\\(/script|!--)`)

func byID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode && attr(n, "id") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := byID(c, id); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func visibleText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "script" && attr(n, "class") == "lazybody" {
			body, _ := lazyBody(n) // checkPage reports the error
			for _, c := range body {
				walk(c)
			}
			return
		}
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
