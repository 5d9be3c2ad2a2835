package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"voiplab/analyze"
	"voiplab/report"
)

// eventPrinter prints one line per event of a live analysis, and counts
// them for the summary. It keeps counters only: the calls themselves leave
// memory once printed.
type eventPrinter struct {
	w        io.Writer
	calls    map[string]int // by final state
	answered int
	regs     map[string]int // by state
	streams  int
	findings map[string]int // by code
	// MOS figures: count, sum and minimum (not the list: a capture of
	// days has many streams).
	mosN           int
	mosSum, mosMin float64
	// clamp, when set, is the last packet time: events of the final
	// FlushAll carry a time past the end of the capture.
	clamp time.Time
}

func newEventPrinter(w io.Writer) *eventPrinter {
	return &eventPrinter{w: w, calls: map[string]int{}, regs: map[string]int{}, findings: map[string]int{}}
}

// shortID shortens a Call-ID to its first 8 characters.
func shortID(id string) string {
	if r := []rune(id); len(r) > 9 {
		return string(r[:8]) + "…"
	}
	return id
}

// user returns the user part of a SIP URI or name-addr ("200" from
// `"Reception" <sip:200@lab.local>;tag=x`), or the text itself.
func user(s string) string {
	if i := strings.Index(s, "<"); i >= 0 {
		s = s[i+1:]
		if j := strings.Index(s, ">"); j >= 0 {
			s = s[:j]
		}
	}
	for _, scheme := range []string{"sip:", "sips:", "tel:"} {
		if rest, ok := strings.CutPrefix(s, scheme); ok {
			s = rest
			break
		}
	}
	if i := strings.IndexAny(s, "@;"); i > 0 {
		s = s[:i]
	}
	return s
}

func (p *eventPrinter) event(e analyze.Event) {
	t := e.Time
	switch {
	case e.Kind == analyze.EventCallEnded && !e.Call.End.IsZero():
		t = e.Call.End
	case e.Kind == analyze.EventStreamEnded && len(e.Streams) > 0 && !e.Streams[0].End.IsZero():
		t = e.Streams[0].End
	}
	if !p.clamp.IsZero() && t.After(p.clamp) {
		t = p.clamp
	}
	at := t.Local().Format("15:04:05")
	switch e.Kind {
	case analyze.EventCallNew:
		c := e.Call
		fmt.Fprintf(p.w, "%s call %s %s→%s new\n", at, shortID(c.CallID), user(c.From), user(c.To))
	case analyze.EventCallAnswered:
		c := e.Call
		setup := ""
		if c.SetupMs != nil {
			setup = fmt.Sprintf(" (setup %.0f ms)", *c.SetupMs)
		}
		p.answered++
		fmt.Fprintf(p.w, "%s call %s %s→%s answered%s\n", at, shortID(c.CallID), user(c.From), user(c.To), setup)
	case analyze.EventCallEnded:
		p.callEnded(at, e)
	case analyze.EventRegistration:
		r := e.Registration
		p.regs[r.State]++
		fmt.Fprintf(p.w, "%s register %s from %s %s (%d)\n", at, user(r.AOR), r.Src, r.State, r.FinalStatus)
	case analyze.EventStreamEnded:
		for _, s := range e.Streams {
			p.streams++
			fmt.Fprintf(p.w, "%s stream %s→%s %s, %d packets, lost %.1f %%%s (no call)\n",
				at, s.Src, s.Dst, s.Codec, s.Packets, s.LostPct, mosText(s.MOS))
		}
	case analyze.EventFinding:
		f := e.Finding
		p.findings[f.Code]++
		fmt.Fprintf(p.w, "%s %s %s: %s\n", at, f.Severity, f.Code, f.Message)
	}
}

func (p *eventPrinter) addMOS(m float64) {
	if p.mosN == 0 || m < p.mosMin {
		p.mosMin = m
	}
	p.mosN++
	p.mosSum += m
}

func mosText(m *float64) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf(", MOS %.1f", *m)
}

func (p *eventPrinter) callEnded(at string, e analyze.Event) {
	c := e.Call
	p.calls[c.State]++
	var b strings.Builder
	fmt.Fprintf(&b, "%s call %s %s→%s %s", at, shortID(c.CallID), user(c.From), user(c.To), c.State)
	switch {
	case c.State == analyze.StateCompleted && c.DurationMs != nil:
		fmt.Fprintf(&b, " after %.1f s", *c.DurationMs/1000)
	case c.FinalStatus >= 300:
		fmt.Fprintf(&b, " %d %s", c.FinalStatus, c.Reason)
	}
	var mos []string
	for _, s := range e.Streams {
		p.streams++
		if s.MOS != nil {
			mos = append(mos, fmt.Sprintf("%.1f", *s.MOS))
			p.addMOS(*s.MOS)
		}
	}
	if len(mos) > 0 {
		fmt.Fprintf(&b, ", MOS %s", strings.Join(mos, "/"))
	} else if len(e.Streams) == 0 && c.State == analyze.StateCompleted {
		b.WriteString(", no RTP")
	}
	var codes []string
	for _, f := range c.Findings {
		p.findings[f.Code]++
		if !slices.Contains(codes, f.Code) {
			codes = append(codes, f.Code)
		}
	}
	if len(codes) > 0 {
		fmt.Fprintf(&b, ", findings: %s", strings.Join(codes, ", "))
	}
	fmt.Fprintln(p.w, b.String())
}

// summary prints the counts at the end of the capture; r is what the
// analyser still held (normally nothing after FlushAll).
func (p *eventPrinter) summary(r *analyze.Result) {
	for _, c := range r.Calls { // not finished as events: count them too
		p.calls[c.State]++
	}
	total := 0
	var states []string
	for _, s := range sortedKeys(p.calls) {
		total += p.calls[s]
		states = append(states, fmt.Sprintf("%d %s", p.calls[s], s))
	}
	fmt.Fprintf(p.w, "== %d calls", total)
	if len(states) > 0 {
		fmt.Fprintf(p.w, " (%s)", strings.Join(states, ", "))
	}
	regs := 0
	for _, n := range p.regs {
		regs += n
	}
	fmt.Fprintf(p.w, ", %d registrations, %d streams", regs, p.streams)
	if p.mosN > 0 {
		fmt.Fprintf(p.w, ", MOS mean %.1f min %.1f", p.mosSum/float64(p.mosN), p.mosMin)
	}
	fmt.Fprintln(p.w)
	if len(p.findings) > 0 {
		var fs []string
		for _, code := range sortedKeys(p.findings) {
			fs = append(fs, fmt.Sprintf("%s ×%d", code, p.findings[code]))
		}
		fmt.Fprintf(p.w, "== findings: %s\n", strings.Join(fs, ", "))
	}
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// writeCaptureReport analyses the written files again (not live, so that
// every call is in the Result) and writes the HTML report.
func writeCaptureReport(ctx context.Context, g *globals, o *captureOptions, files []string, log *slog.Logger) error {
	opts := analyze.DefaultOptions()
	opts.Logger = log
	// The capture may have ended on SIGINT: the report is still wanted.
	res, err := analyze.Run(context.WithoutCancel(ctx), files, opts, nil)
	if err != nil {
		return err
	}
	fh, err := os.Create(o.report)
	if err != nil {
		return err
	}
	defer fh.Close()
	title := fmt.Sprintf("Capture on %s, %s", o.iface, time.Now().Format("2006-01-02 15:04"))
	if err := report.WriteHTML(fh, res, report.HTMLOptions{Lang: o.lang, Title: title, Logger: log}); err != nil {
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "voiplab: report written to %s\n", o.report)
	return nil
}
