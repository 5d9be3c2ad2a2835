package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"voiplab/analyze"
)

// WriteText writes the calls, registrations, streams and findings of r as
// aligned tables, the way `voiplab analyze` prints them.
func WriteText(w io.Writer, r *analyze.Result) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Files {
		fmt.Fprintf(bw, "File %s: %s, %s, %d packets, %s to %s\n", f.Path, f.Format, f.LinkType, f.Packets,
			stamp(f.Start), stamp(f.End))
		for _, warn := range f.Warnings {
			fmt.Fprintf(bw, "  warning: %s\n", warn)
		}
	}
	fmt.Fprintln(bw)

	section(bw, "Calls", len(r.Calls))
	if len(r.Calls) > 0 {
		tw := table(bw)
		fmt.Fprintln(tw, "START\tCALL-ID\tFROM\tTO\tSTATE\tSTATUS\tSETUP\tDURATION\tCODEC\tSTREAMS")
		for _, c := range r.Calls {
			status := "-"
			if c.FinalStatus != 0 {
				status = fmt.Sprintf("%d %s", c.FinalStatus, c.Reason)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", clock(c.Start), short(c.CallID, 28),
				short(c.From, 30), short(c.To, 30), c.State, short(status, 24), msText(c.SetupMs),
				durText(c.DurationMs), codecsText(c.SDP.Negotiated), len(c.Streams))
		}
		tw.Flush()
	}
	fmt.Fprintln(bw)

	section(bw, "Registrations", len(r.Registrations))
	if len(r.Registrations) > 0 {
		tw := table(bw)
		fmt.Fprintln(tw, "START\tAOR\tSOURCE\tSTATE\tSTATUS\tATTEMPTS\tUSER-AGENT")
		for _, g := range r.Registrations {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", clock(g.Start), short(g.AOR, 36), g.Src, g.State,
				statusOrDash(g.FinalStatus), g.Attempts, short(g.UserAgent, 30))
		}
		tw.Flush()
	}
	fmt.Fprintln(bw)

	section(bw, "RTP streams", len(r.Streams))
	if len(r.Streams) > 0 {
		tw := table(bw)
		fmt.Fprintln(tw, "ID\tSOURCE\tDESTINATION\tSSRC\tCODEC\tPACKETS\tLOST\tMAX DELTA\tMEAN JITTER\tMAX JITTER\tMOS\tCALL")
		for _, s := range r.Streams {
			mos := "-"
			if s.MOS != nil {
				mos = fmt.Sprintf("%.2f", *s.MOS)
			}
			call := s.CallID
			if call == "" {
				call = "(unsignalled)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d (%.1f%%)\t%.3f ms\t%.3f ms\t%.3f ms\t%s\t%s\n", s.ID, s.Src, s.Dst,
				s.SSRC, s.Codec, s.Packets, s.Lost, s.LostPct, s.MaxDeltaMs, s.MeanJitterMs, s.MaxJitterMs, mos, short(call, 28))
		}
		tw.Flush()
		for _, s := range r.Streams {
			if len(s.DTMF) == 0 {
				continue
			}
			var digits strings.Builder
			for _, d := range s.DTMF {
				digits.WriteString(d.Digit)
			}
			fmt.Fprintf(bw, "DTMF in %s: %s\n", s.ID, digits.String())
		}
	}
	fmt.Fprintln(bw)

	if len(r.Other) > 0 {
		counts := map[string]int{}
		var order []string
		for _, m := range r.Other {
			k := m.Method
			if k == "" {
				k = fmt.Sprintf("%d (%s)", m.Status, strings.TrimPrefix(m.CSeq, strings.Fields(m.CSeq + " x")[0]+" "))
			}
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
		}
		section(bw, "Other SIP messages", len(r.Other))
		for _, k := range order {
			fmt.Fprintf(bw, "  %-28s %d\n", k, counts[k])
		}
		fmt.Fprintln(bw)
	}

	section(bw, "Findings", len(r.Findings))
	for _, f := range r.Findings {
		where := ""
		if f.CallID != "" {
			where = " call " + short(f.CallID, 40)
		}
		fmt.Fprintf(bw, "%-7s %s%s frames %s\n", strings.ToUpper(f.Severity), f.Code, where, framesText(f.Frames))
		fmt.Fprintf(bw, "        %s\n", f.Message)
		fmt.Fprintf(bw, "        hint: %s\n", f.Hint)
		fmt.Fprintf(bw, "        see: %s\n", f.Reference)
	}
	return bw.Flush()
}

func section(w io.Writer, title string, n int) {
	fmt.Fprintf(w, "== %s (%d) ==\n", title, n)
}

func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("15:04:05.000")
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func msText(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f ms", *v)
}

func durText(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f s", *v/1000)
}

func statusOrDash(s int) string {
	if s == 0 {
		return "-"
	}
	return fmt.Sprint(s)
}

func codecsText(cs []analyze.Codec) string {
	if len(cs) == 0 {
		return "-"
	}
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

func framesText(fs []int) string {
	if len(fs) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(fs))
	for i, f := range fs {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprint(f))
	}
	return strings.Join(parts, ",")
}
