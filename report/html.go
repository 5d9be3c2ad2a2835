package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"voiplab/analyze"
)

// HTMLOptions configure WriteHTML.
type HTMLOptions struct {
	// Lang is the page's language: "en" (the default when empty) or "fr".
	Lang string
	// Title heads the page; empty means the catalogue's "VoIP capture report".
	Title string
	// Generated is the time printed as the generation time; the zero time
	// prints none (golden files inject a fixed one).
	Generated time.Time
	// Logger receives debug information; nil discards it.
	Logger *slog.Logger
}

// echartsJS is Apache ECharts 5.6.0 (Apache-2.0, licence header kept),
// copied from the npm package pinned in package.json by `make assets`; a
// test checks it equals node_modules/echarts/dist/echarts.min.js. Embedding
// it keeps the report offline: go-echarts would load it from a remote host.
//
//go:embed assets/echarts.min.js
var echartsJS string

//go:embed html_page.tmpl
var pageTemplate string

// WriteHTML writes one self-contained HTML page about r: a summary, every
// call with its SVG ladder (click an arrow to read the message), its SDP
// negotiation, its streams with ECharts charts, the findings, how each
// figure is computed (with a worked example read again from the first
// stream's capture file when it is there) and a glossary. The page makes no
// request to any host. A call's body enters the page when the call is
// opened and its charts are drawn when they come near the screen, so a
// capture of a thousand calls opens fast (see the package doc).
func WriteHTML(w io.Writer, r *analyze.Result, opt HTMLOptions) error {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "report")
	tr, err := newTranslator(opt.Lang)
	if err != nil {
		return err
	}
	p, err := buildPage(r, opt, tr, log)
	if err != nil {
		return err
	}
	tpl, err := template.New("page").Funcs(template.FuncMap{
		"T": func(id string, kv ...any) string {
			var data map[string]any
			if len(kv) > 0 {
				data = map[string]any{}
				for i := 0; i+1 < len(kv); i += 2 {
					data[fmt.Sprint(kv[i])] = kv[i+1]
				}
			}
			return tr.T(id, data)
		},
		"N":     tr.N,
		"state": tr.state,
		"ms":    msText,
		"dur":   durText,
		"stamp": stamp,
		"f3":    func(v float64) string { return fmt.Sprintf("%.3f", v) },
		"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"f4":    func(v float64) string { return fmt.Sprintf("%.4f", v) },
		"id":    htmlID,
		"add1":  func(i int) int { return i + 1 },
		"upper": strings.ToUpper,
		"pct":   func(v float64) string { return fmt.Sprintf("%.1f %%", v*100) },
	}).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("report: html template: %w", err)
	}
	var body strings.Builder
	for i := range p.Calls {
		body.Reset()
		if err := tpl.ExecuteTemplate(&body, "callbody", &p.Calls[i]); err != nil {
			return fmt.Errorf("report: html: call %d: %w", p.Calls[i].N, err)
		}
		p.Calls[i].Body = bodyScript(body.String())
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := tpl.Execute(bw, p); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

// bodyScript wraps the HTML of a call's body in a <script
// type="text/html">: the browser keeps a script's text as one string,
// without parsing it into elements or laying it out, so the thousand
// collapsed calls of a large capture cost almost nothing until one is
// opened (the page's script then inserts it). Script text ends at the
// first "</script" and "<!--" changes how it is read (HTML Living
// Standard §4.12.1.3), so both are escaped as "<\/script" and "<\!--",
// which the page's fill undoes. Every text of the body went through
// html/template, which escapes '<' in data, so only our own markup (the
// chart options' script elements) holds them.
func bodyScript(html string) template.HTML {
	html = scriptEnd.ReplaceAllString(html, `<\$1`)
	return template.HTML(`<script type="text/html" class="lazybody">` + html + `</script>`)
}

var scriptEnd = regexp.MustCompile(`(?i)<(/script|!--)`)

// page is what the template renders.
type page struct {
	Lang, Title, Generated string
	R                      *analyze.Result
	States                 []stateCount
	Severities             []stateCount
	Worst                  []streamView
	Calls                  []callView
	Orphans                []streamView
	Findings               []findingView
	Other                  []otherCount
	Registrations          []analyze.Registration
	MoreRegistrations      int
	Example                *jitterExample
	Glossary               []string
	EChartsJS              template.JS
	ChartBase              template.JS // what every chart's option shares (JSON), see splitOption
}

type stateCount struct {
	Name  string
	Count int
	Link  string
}

type otherCount struct {
	What  string
	Count int
}

type callView struct {
	N        int
	Anchor   string
	Call     analyze.Call
	Status   string
	Codecs   string
	Ladder   template.HTML
	Messages []messageView
	SDP      []negotiationView
	Why      []string
	Failed   bool // rejected or failed: Why explains the failure
	Streams  []streamView
	Findings []findingView
	Worst    string        // the worst finding severity, for the summary line
	Headline *findingView  // the first finding of that severity
	Body     template.HTML // the rendered body, as bodyScript wraps it
}

type messageView struct {
	ID, Title, Head, SDP string
	Raw                  bool
	// Same is the ID of an earlier message of the call with the same raw
	// text (a retransmission), SameFrame its frame: the page writes the
	// text once and copies it when this message is shown.
	Same      string
	SameFrame int
}

type negotiationView struct {
	Kind                    string
	OfferFrame, AnswerFrame int
	OfferConn, AnswerConn   string
	OfferText, AnswerText   string
	Common, Negotiated      string
	Problems                []string
}

type streamView struct {
	Anchor   string
	S        analyze.Stream
	CallN    int
	MOS      string
	DTMF     string
	Chart    *streamChart
	RTCP     []analyze.RTCP
	MoreRTCP int
}

type findingView struct {
	F                        analyze.Finding
	Message, Hint, Reference string
	CallAnchor               string
	Frames                   []int
	MoreFrames               int
}

// maxRTCPRows and maxFrameLinks keep the page readable on long captures.
const (
	maxRTCPRows   = 40
	maxFrameLinks = 12
	maxWorst      = 5
	// maxRegistrationRows bounds the registrations table: a scanner or a
	// brute-force attack makes thousands.
	maxRegistrationRows = 500
)

func buildPage(r *analyze.Result, opt HTMLOptions, tr *translator, log *slog.Logger) (*page, error) {
	p := &page{Lang: tr.lang, Title: opt.Title, R: r, EChartsJS: template.JS(echartsJS)}
	if p.Title == "" {
		p.Title = tr.T("page.title", nil)
	}
	if !opt.Generated.IsZero() {
		p.Generated = opt.Generated.UTC().Format(" (2006-01-02 15:04 UTC)")
	}
	streams := streamIndex(r)
	callOf := map[string]int{} // Call-ID → call number
	view := func(s analyze.Stream, callN int) (streamView, error) {
		v := streamView{Anchor: "stream-" + htmlID(s.ID), S: s, CallN: callN}
		if s.MOS != nil && s.RFactor != nil {
			v.MOS = fmt.Sprintf("%.2f (R = %.1f)", *s.MOS, *s.RFactor)
		} else {
			v.MOS = tr.T("stream.no_mos", nil)
		}
		var digits strings.Builder
		for _, d := range s.DTMF {
			digits.WriteString(d.Digit)
		}
		v.DTMF = digits.String()
		v.RTCP = s.RTCP
		if len(v.RTCP) > maxRTCPRows {
			v.MoreRTCP = len(v.RTCP) - maxRTCPRows
			v.RTCP = v.RTCP[:maxRTCPRows]
		}
		c, err := buildStreamChart(s, tr)
		if err != nil {
			return v, err
		}
		if c != nil {
			switch {
			case p.ChartBase == "":
				p.ChartBase = template.JS(c.base)
			case string(p.ChartBase) != c.base:
				// not seen so far (every chart of a page has the same
				// options), but then this chart needs them all: merged over
				// the page's base, the whole option still draws this chart
				c.Option = c.full
			}
		}
		v.Chart = c
		return v, nil
	}

	counts := map[string]int{}
	for i, c := range r.Calls {
		n := i + 1
		callOf[c.CallID] = n
		counts[c.State]++
		cv := callView{N: n, Anchor: fmt.Sprintf("call-%d", n), Call: c, Codecs: codecsText(c.SDP.Negotiated)}
		if c.FinalStatus != 0 {
			cv.Status = fmt.Sprintf("%d %s", c.FinalStatus, c.Reason)
		}
		prefix := fmt.Sprintf("c%d", n)
		var svg strings.Builder
		writeSVGLadder(&svg, buildLadder(c, streams, true), prefix, tr)
		cv.Ladder = template.HTML(svg.String()) // built with html.EscapeString on every text
		first := map[string]int{}               // raw text → index of its first message
		for j, m := range c.Messages {
			mv := messageView{ID: fmt.Sprintf("%s-m%d", prefix, j),
				Title: tr.T("msg.title", map[string]any{"Frame": m.Frame}) + " · " + m.Src + " → " + m.Dst + " · " + m.Transport}
			if k, ok := first[m.Raw]; ok && m.Raw != "" {
				mv.Raw, mv.Same, mv.SameFrame = true, cv.Messages[k].ID, c.Messages[k].Frame
			} else if m.Raw != "" {
				first[m.Raw] = j
				mv.Raw = true
				head, body, _ := strings.Cut(strings.ReplaceAll(m.Raw, "\r\n", "\n"), "\n\n")
				mv.Head, mv.SDP = head, strings.TrimRight(body, "\n")
			}
			cv.Messages = append(cv.Messages, mv)
		}
		cv.SDP = negotiations(c, tr)
		cv.Failed = c.State == analyze.StateRejected || c.State == analyze.StateFailed
		for _, f := range c.Findings {
			if f.Code == analyze.CodeCodecMismatch || f.Code == analyze.CodeAnswerNotInOffer || f.Code == analyze.CodeSDPProblem {
				msg, _, _ := tr.Finding(f)
				cv.Why = append(cv.Why, msg)
			}
		}
		for _, id := range c.Streams {
			if s, ok := streams[id]; ok {
				v, err := view(s, n)
				if err != nil {
					return nil, err
				}
				cv.Streams = append(cv.Streams, v)
			}
		}
		p.Calls = append(p.Calls, cv)
	}
	for _, st := range []string{analyze.StateCompleted, analyze.StateRejected, analyze.StateCancelled, analyze.StateFailed,
		analyze.StateUnanswered, analyze.StateInProgress} {
		if counts[st] > 0 {
			first := slices.IndexFunc(r.Calls, func(c analyze.Call) bool { return c.State == st })
			p.States = append(p.States, stateCount{Name: st, Count: counts[st], Link: fmt.Sprintf("#call-%d", first+1)})
		}
	}
	for _, s := range r.Streams {
		if _, ok := callOf[s.CallID]; !ok || s.CallID == "" {
			v, err := view(s, 0)
			if err != nil {
				return nil, err
			}
			p.Orphans = append(p.Orphans, v)
		}
	}
	p.Worst = worstStreams(r.Streams, callOf)

	sev := map[string]int{}
	for _, f := range r.Findings {
		sev[f.Severity]++
		fv := findingView{F: f, Frames: f.Frames}
		fv.Message, fv.Hint, fv.Reference = tr.Finding(f)
		if n, ok := callOf[f.CallID]; ok && f.CallID != "" {
			fv.CallAnchor = fmt.Sprintf("call-%d", n)
		}
		if len(fv.Frames) > maxFrameLinks {
			fv.MoreFrames = len(fv.Frames) - maxFrameLinks
			fv.Frames = fv.Frames[:maxFrameLinks]
		}
		p.Findings = append(p.Findings, fv)
		if n, ok := callOf[f.CallID]; ok && f.CallID != "" {
			cv := &p.Calls[n-1]
			cv.Findings = append(cv.Findings, fv)
			if cv.Worst == "" || !analyze.SeverityAtLeast(cv.Worst, f.Severity) {
				cv.Worst = f.Severity
				headline := fv
				cv.Headline = &headline
			}
		}
	}
	for _, s := range []string{analyze.SeverityError, analyze.SeverityWarning, analyze.SeverityInfo} {
		if sev[s] > 0 {
			first := slices.IndexFunc(p.Findings, func(f findingView) bool { return f.F.Severity == s })
			p.Severities = append(p.Severities, stateCount{Name: s, Count: sev[s], Link: fmt.Sprintf("#finding-%d", first+1)})
		}
	}
	p.Other = otherCounts(r.Other)
	p.Registrations = r.Registrations
	if len(p.Registrations) > maxRegistrationRows {
		p.MoreRegistrations = len(p.Registrations) - maxRegistrationRows
		p.Registrations = p.Registrations[:maxRegistrationRows]
	}

	ex, err := findJitterExample(r)
	if err != nil {
		log.Debug("no worked example", "err", err)
	}
	p.Example = ex
	p.Glossary = []string{"sip", "sdp", "rtp", "rtcp", "codec", "ptime", "jitter", "mos", "dtmf", "nat"}
	return p, nil
}

// worstStreams ranks the streams by E-model MOS, then loss, then jitter.
func worstStreams(all []analyze.Stream, callOf map[string]int) []streamView {
	ss := slices.Clone(all)
	score := func(s analyze.Stream) float64 {
		if s.MOS != nil {
			return *s.MOS
		}
		return 5
	}
	slices.SortStableFunc(ss, func(a, b analyze.Stream) int {
		switch {
		case score(a) != score(b):
			return cmpFloat(score(a), score(b))
		case a.LostPct != b.LostPct:
			return cmpFloat(b.LostPct, a.LostPct)
		default:
			return cmpFloat(b.MeanJitterMs, a.MeanJitterMs)
		}
	})
	var out []streamView
	for _, s := range ss {
		if len(out) == maxWorst {
			break
		}
		if s.Lost <= 0 && s.MeanJitterMs < 10 && (s.MOS == nil || *s.MOS >= 4) {
			continue // a healthy stream is not "worst"
		}
		v := streamView{Anchor: "stream-" + htmlID(s.ID), S: s, CallN: callOf[s.CallID]}
		if s.MOS != nil {
			v.MOS = fmt.Sprintf("%.2f", *s.MOS)
		}
		out = append(out, v)
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func negotiations(c analyze.Call, tr *translator) []negotiationView {
	ns := c.Negotiations
	if len(ns) == 0 && c.SDP.Offer != nil {
		ns = []analyze.Negotiation{{Kind: "initial", Offer: c.SDP.Offer, Answer: c.SDP.Answer, Negotiated: c.SDP.Negotiated}}
	}
	if len(ns) == 0 {
		return offerOnly(c, tr)
	}
	var out []negotiationView
	for _, n := range ns {
		v := negotiationView{Kind: tr.T("sdp.kind."+n.Kind, nil), Problems: n.Problems}
		if strings.HasPrefix(v.Kind, "sdp.kind.") {
			v.Kind = n.Kind
		}
		if n.Offer != nil {
			v.OfferFrame, v.OfferConn, v.OfferText = n.Offer.Frame, n.Offer.Connection, sdpText(n.Offer)
		}
		v.AnswerText = tr.T("sdp.noanswer", nil)
		if n.Answer != nil {
			v.AnswerFrame, v.AnswerConn, v.AnswerText = n.Answer.Frame, n.Answer.Connection, sdpText(n.Answer)
		}
		v.Common = tr.T("sdp.nothing", nil)
		if common := commonCodecs(n.Offer, n.Answer); common != "" {
			v.Common = common
		}
		v.Negotiated = tr.T("sdp.nothing", nil)
		if len(n.Negotiated) > 0 {
			v.Negotiated = codecsText(n.Negotiated)
		}
		out = append(out, v)
	}
	return out
}

// offerOnly describes an offer that got no SDP answer (the callee refused
// it, or the call failed first): the analysis keeps no negotiation then,
// but the messages still say which codecs were offered and how the other
// side answered.
func offerOnly(c analyze.Call, tr *translator) []negotiationView {
	for i, m := range c.Messages {
		if m.SDP == "" || m.Retransmission {
			continue
		}
		v := negotiationView{Kind: tr.T("sdp.kind.initial", nil), OfferFrame: m.Frame, OfferText: m.SDP,
			AnswerText: tr.T("sdp.noanswer", nil), Common: tr.T("sdp.nothing", nil), Negotiated: tr.T("sdp.nothing", nil)}
		for _, a := range c.Messages[i+1:] {
			if a.Status >= 200 && a.Src == m.Dst {
				v.AnswerFrame, v.AnswerText = a.Frame, a.Summary
				if a.SDP != "" {
					v.AnswerText += "\n" + a.SDP
				}
				break
			}
		}
		return []negotiationView{v}
	}
	return nil
}

// sdpText lists the m= lines of an SDP: "audio 49170 RTP/AVP sendrecv
// ptime 20: 0 PCMU/8000, 8 PCMA/8000".
func sdpText(s *analyze.SDP) string {
	if s == nil {
		return ""
	}
	var lines []string
	for _, m := range s.Media {
		var cs []string
		for _, c := range m.Codecs {
			cs = append(cs, fmt.Sprintf("%d %s/%d", c.PT, c.Name, c.ClockRate))
		}
		line := fmt.Sprintf("%s %d %s %s", m.Type, m.Port, m.Protocol, m.Direction)
		if m.Ptime > 0 {
			line += fmt.Sprintf(" ptime %d", m.Ptime)
		}
		lines = append(lines, line+": "+strings.Join(cs, ", "))
	}
	return strings.Join(lines, "\n")
}

// commonCodecs are the codecs (name and clock rate, RFC 3264 §6.1: the
// payload type number may differ) that both the offer and the answer list.
// Without an answer it is empty.
func commonCodecs(offer, answer *analyze.SDP) string {
	if offer == nil || answer == nil {
		return ""
	}
	type key struct {
		name string
		rate int
	}
	in := map[key]bool{}
	for _, m := range answer.Media {
		if m.Port == 0 {
			continue // a rejected stream (RFC 3264 §6)
		}
		for _, c := range m.Codecs {
			in[key{strings.ToLower(c.Name), c.ClockRate}] = true
		}
	}
	var names []string
	seen := map[key]bool{}
	for _, m := range offer.Media {
		for _, c := range m.Codecs {
			k := key{strings.ToLower(c.Name), c.ClockRate}
			if in[k] && !seen[k] {
				seen[k] = true
				names = append(names, c.Name)
			}
		}
	}
	return strings.Join(names, ", ")
}

func otherCounts(ms []analyze.Message) []otherCount {
	var out []otherCount
	idx := map[string]int{}
	for _, m := range ms {
		k := m.Method
		if k == "" {
			k = fmt.Sprintf("%d (%s)", m.Status, m.CSeq)
		}
		if i, ok := idx[k]; ok {
			out[i].Count++
			continue
		}
		idx[k] = len(out)
		out = append(out, otherCount{What: k, Count: 1})
	}
	return out
}
