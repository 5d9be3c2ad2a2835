// Package report renders an analysis Result for people and programs: aligned
// text tables and SIP ladder diagrams for the terminal, JSON, and one
// self-contained, offline HTML page (WriteHTML) in English or French.
//
// It imports only analyze's result types (DESIGN.md: capture → analyze →
// report), and capture to read the first packets of a stream again for the
// page's worked jitter example.
//
// # Ladder
//
// One ladder model (buildLadder: host columns with a guessed role, one row
// per SIP message or RTP stream) feeds two renderers: the text ladder of
// `voiplab analyze --ladder` and the inline SVG of the HTML page.
//
// # HTML
//
// The page holds a summary, every call (collapsed; its SVG ladder, where a
// click on an arrow shows the whole SIP message and its SDP; the SDP
// offer/answer table and why a negotiation failed; its streams with the
// Wireshark-named figures, the E-model MOS, DTMF digits, RTCP reports next
// to what was observed, and a go-echarts chart of jitter and delta over
// time with loss marked), the findings, how each figure is computed with a
// worked RFC 3550 jitter example, and a glossary.
//
// It makes no request to any host: ECharts 5.6.0 is embedded
// (assets/echarts.min.js, copied from the npm package pinned in
// package.json by `make assets`) and chart IDs derive from stream IDs.
//
// A capture of a thousand calls stays light: a collapsed call's body is the
// text of a <script type="text/html">, which the browser neither parses nor
// lays out, and is inserted when the call is first opened (or a link points
// into it); the charts share one base option and each keeps only its title
// and data; a retransmission's raw text is written once; a chart is drawn
// when it comes near the screen, and an open call far from it is not laid
// out (content-visibility). Measured in headless chromium on synth.Bench(1000,
// 2 s): 14.6 MB, DOMContentLoaded about 1.2 s, one call opened in about
// 0.25 s, all opened in about 1 s (TestHTMLLargeInBrowser). The page needs
// JavaScript to show a call's body. Print CSS prints the page, or one call.
//
// # Languages
//
// Every string of the page is in a message catalogue read by go-i18n
// (locales/en.json, locales/fr.json). Findings are rendered from their Key
// and Params: English from analyze.Templates, French from
// locales/fr_findings.json, both expanded by analyze.Expand; the English
// prose analyze puts into some parameters is translated too. A test fails
// when a message exists in one language only.
package report
