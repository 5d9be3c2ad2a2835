//go:build interop

package report_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"voiplab/analyze"
	"voiplab/report"
)

// browserCaptures are opened in a real browser: calls with RTP, RTCP and
// DTMF, rejected and cancelled calls, eight G.726 calls, and RTP without
// signalling.
var browserCaptures = []string{
	"rtp-pcap_SIP_DTMF2.pcap",
	"heplify_rtp_rtcp_sip_ipv4_udp.pcap",
	"sngrep_aaa.pcap",
	"rtp-pcap_sip-rtp-g726.pcap",
	"ndpi_stun_google_meet.pcapng",
}

// chromium is Debian's browser (apt-get install chromium); under the
// interop tag a missing browser is a failure, not a skip.
const chromium = "/usr/bin/chromium"

// TestHTMLInBrowser opens reports in headless chromium with the network
// cut off and checks: no console error or exception, no request other than
// the file itself, every chart canvas drawn, one SVG arrow per SIP message
// of each call, a click on an arrow shows that message, and the page's
// language. A screenshot of each report is saved in $VOIPLAB_ARTIFACTS (or
// a temporary directory).
func TestHTMLInBrowser(t *testing.T) {
	dir := corpusDir(t)
	artifacts := os.Getenv("VOIPLAB_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)

	for _, name := range browserCaptures {
		r := analyse(t, filepath.Join(dir, "pcaps", name))
		for _, lang := range report.Languages() {
			t.Run(name+"/"+lang, func(t *testing.T) {
				page := filepath.Join(t.TempDir(), "report.html")
				if err := os.WriteFile(page, []byte(render(t, r, lang)), 0o644); err != nil {
					t.Fatal(err)
				}
				url := "file://" + page
				var mu sync.Mutex
				var problems []string
				tab, cancelTab := chromedp.NewContext(browser, chromedp.WithListener(func(ev any) {
					mu.Lock()
					defer mu.Unlock()
					switch e := ev.(type) {
					case *runtime.EventConsoleAPICalled:
						if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert || e.Type == runtime.ConsoleAPICalledTypeWarning {
							problems = append(problems, fmt.Sprintf("console %s: %s", e.Type, args(e.Args)))
						}
					case *runtime.EventExceptionThrown:
						d := e.ExceptionDetails
						msg := d.Text
						if d.Exception != nil {
							msg += " " + d.Exception.Description
						}
						problems = append(problems, fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
					case *network.EventRequestWillBeSent:
						if e.Request.URL != url && !strings.HasPrefix(e.Request.URL, "data:") {
							problems = append(problems, "request: "+e.Request.URL)
						}
					}
				}))
				defer cancelTab()
				ctx, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
				defer cancelTimeout()
				if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
					t.Fatal(err)
				}

				htmlLang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
				if err != nil || htmlLang != lang {
					t.Errorf("html lang = %q (%v), want %q", htmlLang, err, lang)
				}
				heading := map[string]string{"en": "Findings", "fr": "Diagnostics"}[lang]
				if body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#findings h2").textContent`)); err != nil || body != heading {
					t.Errorf("findings heading = %q (%v), want %q", body, err, heading)
				}

				// while every call is still collapsed (its body not in the page yet):
				// a frame link of a finding opens its call and shows that message
				if link, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector("#findings a.frame"); return a ? a.getAttribute("href") + "|" + a.dataset.frame : ""; })()`)); link != "" {
					call, frame, _ := strings.Cut(link, "|")
					shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
						document.querySelectorAll(".msg").forEach(m => m.hidden = true);
						document.querySelector("#findings a.frame").click();
						const sel = document.querySelector("`+call+` .arrow.sel");
						return sel ? sel.dataset.frame : "";
					})()`))
					if err != nil || shown != frame {
						t.Errorf("frame link %s: selected arrow of frame %q (%v), want %s", link, shown, err, frame)
					}
				}

				// a link to a stream (the summary's worst streams) opens its call
				if link, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector('#summary a[href^="#stream-"]'); return a ? a.getAttribute("href") : ""; })()`)); link != "" {
					open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
						document.querySelector('#summary a[href="`+link+`"]').click();
						const s = document.querySelector("`+link+`");
						return s !== null && s.closest("details").open;
					})()`))
					if err != nil || !open {
						t.Errorf("link %s: stream not in an open call (%v)", link, err)
					}
				}

				// open every call and the unsignalled streams: charts are drawn then
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.call").forEach(d => d.open = true); 0`)); err != nil {
					t.Fatal(err)
				}
				// a chart is drawn when it comes near the screen: bring each there
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
					for (const el of document.querySelectorAll(".chart")) {
						el.scrollIntoView();
						await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
					}
					return 0;
				})()`, chromedp.EvalAwaitPromise)); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
				charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll(".chart")).map(el => {
					const c = el.querySelector("canvas");
					if (!c || !c.width || !c.height) { return 0; }
					const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
					let n = 0;
					for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) { n++; } }
					return n;
				})`))
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for _, s := range r.Streams {
					if len(s.Series) > 0 {
						want++
					}
				}
				if len(charts) != want {
					t.Errorf("%d charts on the page, want %d (one per stream with a series)", len(charts), want)
				}
				for i, n := range charts {
					if n < 1000 {
						t.Errorf("chart %d: only %d painted pixels", i, n)
					}
				}

				arrows, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.querySelectorAll("#calls details.call")).map(d => d.querySelectorAll("svg .arrow.sip").length)`))
				if err != nil {
					t.Fatal(err)
				}
				if len(arrows) != len(r.Calls) {
					t.Fatalf("%d calls on the page, want %d", len(arrows), len(r.Calls))
				}
				for i, c := range r.Calls {
					if arrows[i] != len(c.Messages) {
						t.Errorf("call %d: %d arrows, want %d SIP messages", i+1, arrows[i], len(c.Messages))
					}
				}

				// click the last arrow of the first call: its message appears
				if len(r.Calls) > 0 && len(r.Calls[0].Messages) > 0 {
					last := len(r.Calls[0].Messages) - 1
					// centred, so that the sticky navigation bar does not cover it
					if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.getElementById("c1-a%d").scrollIntoView({block: "center"}); 0`, last))); err != nil {
						t.Fatal(err)
					}
					// click the arrow's line (the group also holds the frame number far right)
					if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#c1-a%d .shaft", last)))); err != nil {
						t.Fatal(err)
					}
					shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#call-1 .msg")).filter(m => !m.hidden).map(m => m.id + "|" + m.textContent).join("\n")`))
					if err != nil {
						t.Fatal(err)
					}
					m := r.Calls[0].Messages[last]
					firstLine, _, _ := strings.Cut(m.Raw, "\r\n")
					if !strings.HasPrefix(shown, fmt.Sprintf("c1-m%d|", last)) || !strings.Contains(shown, firstLine) {
						t.Errorf("after the click the panel shows %q, want message %d (%q)", short(shown), last, firstLine)
					}
				}

				// a retransmission's text, written once on the page, is copied
				// into its panel when its arrow is clicked
				if n, j := retransmission(r); n > 0 {
					shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => {
						document.getElementById("c%[1]d-a%[2]d").dispatchEvent(new MouseEvent("click", { bubbles: true }));
						const m = document.getElementById("c%[1]d-m%[2]d");
						return m.hidden ? "" : m.textContent;
					})()`, n, j)))
					raw := strings.ReplaceAll(r.Calls[n-1].Messages[j].Raw, "\r\n", "\n")
					head, _, _ := strings.Cut(raw, "\n\n")
					if err != nil || !strings.Contains(shown, head) {
						t.Errorf("call %d message %d (a retransmission): panel shows %q (%v), want its text %q", n, j, short(shown), err, short(head))
					}
				}

				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(artifacts, strings.TrimSuffix(name, filepath.Ext(name))+"."+lang+".png")
				if err := os.WriteFile(file, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s", file)
				for _, part := range []string{"#summary", "#call-1", "#howto"} {
					if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+part+`") !== null`)); !ok {
						continue
					}
					shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(part)))
					if err != nil {
						t.Fatal(err)
					}
					file := filepath.Join(artifacts, strings.TrimSuffix(name, filepath.Ext(name))+"."+lang+"."+part[1:]+".png")
					if err := os.WriteFile(file, shot, 0o644); err != nil {
						t.Fatal(err)
					}
				}

				// print one call: the rest of the page is hidden in print media
				if len(r.Calls) > 0 {
					if _, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
						_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
						return chromedp.Void{}, err
					})); err != nil {
						t.Fatal(err)
					}
					shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
						window.print = () => {};  // headless: no dialog
						document.querySelector("#call-1 button.print-call").click();
						return ["#summary", "#call-1", "#call-2", "#findings", "nav.toc"]
							.filter(s => document.querySelector(s) && getComputedStyle(document.querySelector(s)).display !== "none");
					})()`))
					if err != nil {
						t.Fatal(err)
					}
					if strings.Join(shown, " ") != "#call-1" {
						t.Errorf("printing call 1 shows %v, want only #call-1", shown)
					}
				}

				mu.Lock()
				defer mu.Unlock()
				for _, p := range problems {
					t.Error(p)
				}
			})
		}
	}
}

// startBrowser starts headless chromium with the network cut off; it is
// stopped when the test ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("interop test needs %s (apt-get install chromium): %v", chromium, err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		// the network is cut: any name resolves to nothing and any
		// connection goes to a closed port
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.Flag("proxy-server", "127.0.0.1:9"),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // start the browser
		t.Fatal(err)
	}

	return browser
}

// retransmission is the first message (call number, message index) whose
// raw text repeats an earlier message of its call, or 0, 0.
func retransmission(r *analyze.Result) (int, int) {
	for i, c := range r.Calls {
		seen := map[string]bool{}
		for j, m := range c.Messages {
			if m.Raw != "" && seen[m.Raw] {
				return i + 1, j
			}
			seen[m.Raw] = true
		}
	}
	return 0, 0
}

func args(as []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range as {
		if a.Value != nil {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
