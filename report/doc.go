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
// package.json by `make assets`), chart IDs derive from stream IDs, and a
// chart is drawn only when its call is opened, so that a capture of a
// thousand calls still opens. Print CSS prints the page, or one call.
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
