package check

import (
	"fmt"
	"io"
	"strings"

	"voiplab/analyze"
	"voiplab/labs/catalogue"
)

// Item is one graded objective.
type Item struct {
	Objective catalogue.Objective `json:"objective"`
	Met       bool                `json:"met"`
	// Reason says what was found, in English and French.
	Reason catalogue.Text `json:"reason"`
}

// Grade is the grading of one capture.
type Grade struct {
	Lab     string `json:"lab"`
	Variant string `json:"variant,omitempty"`
	Items   []Item `json:"items"`
}

// Passed reports whether every objective is met.
func (g Grade) Passed() bool {
	for _, it := range g.Items {
		if !it.Met {
			return false
		}
	}
	return true
}

// Met counts the objectives met.
func (g Grade) Met() int {
	n := 0
	for _, it := range g.Items {
		if it.Met {
			n++
		}
	}
	return n
}

// Err returns nil when every objective is met, else an error wrapping
// ErrNotMet that counts the misses.
func (g Grade) Err() error {
	if g.Passed() {
		return nil
	}
	return fmt.Errorf("%w: %s: %d of %d", ErrNotMet, g.Lab, len(g.Items)-g.Met(), len(g.Items))
}

// Write prints one line per objective, ✓ or ✗, the reason, and where the
// report shows it, in lang.
func (g Grade) Write(w io.Writer, lang string) error {
	look := "look at:"
	if lang == catalogue.LangFR {
		look = "voir :" // French typography: a space before the colon
	}
	var b strings.Builder
	for _, it := range g.Items {
		mark := "✓"
		if !it.Met {
			mark = "✗"
		}
		fmt.Fprintf(&b, "%s %s — %s\n    %s %s\n", mark, it.Objective.Text.In(lang), it.Reason.In(lang), look, it.Objective.Where.In(lang))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Lab grades res against the objectives of one capture (variant "" is the
// lab's main capture).
func Lab(res *analyze.Result, lab catalogue.Lab, variant string) Grade {
	g := Grade{Lab: lab.Name, Variant: variant}
	for _, o := range lab.ObjectivesFor(variant) {
		met, why := Objective(res, o)
		g.Items = append(g.Items, Item{Objective: o, Met: met, Reason: why})
	}
	return g
}

func tx(en, fr string, args ...any) catalogue.Text {
	return catalogue.Text{EN: fmt.Sprintf(en, args...), FR: fmt.Sprintf(fr, args...)}
}

// Objective grades one objective.
func Objective(res *analyze.Result, o catalogue.Objective) (bool, catalogue.Text) {
	if res == nil {
		res = &analyze.Result{}
	}
	switch o.Kind {
	case catalogue.KindFinding:
		var frames []int
		n := 0
		for _, f := range allFindings(res) {
			if f.Code == o.Code {
				n++
				frames = append(frames, f.Frames...)
			}
		}
		switch {
		case o.Forbid && n == 0:
			return true, tx("no %s finding", "aucun constat %s", o.Code)
		case o.Forbid:
			return false, tx("%d %s finding(s), frames %v", "%d constat(s) %s, trames %v", n, o.Code, firstFrames(frames))
		case n > 0:
			return true, tx("%d %s finding(s), frames %v", "%d constat(s) %s, trames %v", n, o.Code, firstFrames(frames))
		}
		return false, tx("no %s finding", "aucun constat %s", o.Code)

	case catalogue.KindCallState:
		var seen []string
		for _, c := range res.Calls {
			if c.State == o.Value && (o.Status == 0 || c.FinalStatus == o.Status) {
				return true, tx("call %s: %s, %d", "appel %s : %s, %d", c.CallID, c.State, c.FinalStatus)
			}
			seen = append(seen, fmt.Sprintf("%s %d", c.State, c.FinalStatus))
		}
		return false, tx("calls seen: %s", "appels vus : %s", list(seen))

	case catalogue.KindCodec:
		var seen []string
		for _, c := range res.Calls {
			if len(c.SDP.Negotiated) == 0 {
				continue
			}
			name := c.SDP.Negotiated[0].Name
			if strings.EqualFold(name, o.Value) {
				return true, tx("call %s negotiated %s", "l'appel %s a négocié %s", c.CallID, name)
			}
			seen = append(seen, name)
		}
		return false, tx("negotiated codecs seen: %s", "codecs négociés vus : %s", list(seen))

	case catalogue.KindClockRate:
		var seen []string
		for _, s := range res.Streams {
			if !strings.EqualFold(s.Codec, o.Value) {
				continue
			}
			if s.ClockRate == int(o.Min) {
				return true, tx("stream %s: %s at %d Hz", "flux %s : %s à %d Hz", s.ID, s.Codec, s.ClockRate)
			}
			seen = append(seen, fmt.Sprint(s.ClockRate))
		}
		if len(seen) == 0 {
			return false, tx("no %s stream", "aucun flux %s", o.Value)
		}
		return false, tx("%s clock rates seen: %s", "horloges %s vues : %s", o.Value, list(seen))

	case catalogue.KindStreams:
		n := len(res.Streams)
		ok := float64(n) >= o.Min && (o.Max == 0 || float64(n) <= o.Max)
		return ok, tx("%d RTP stream(s)", "%d flux RTP", n)

	case catalogue.KindSIPOnly:
		n := len(res.Streams)
		return n == 0, tx("%d RTP stream(s)", "%d flux RTP", n)

	case catalogue.KindDTMF:
		var seen []string
		for _, c := range res.Calls {
			var b strings.Builder
			for _, d := range c.DTMF {
				b.WriteString(d.Digit)
			}
			if strings.Contains(b.String(), o.Value) {
				return true, tx("call %s: digits %s", "appel %s : chiffres %s", c.CallID, b.String())
			}
			if b.Len() > 0 {
				seen = append(seen, b.String())
			}
		}
		return false, tx("digits seen: %s", "chiffres vus : %s", list(seen))

	case catalogue.KindMOS:
		var seen []string
		for _, s := range res.Streams {
			if s.MOS == nil {
				continue
			}
			if *s.MOS >= o.Min && *s.MOS <= o.Max {
				return true, tx("stream %s: MOS %.2f", "flux %s : MOS %.2f", s.ID, *s.MOS)
			}
			seen = append(seen, fmt.Sprintf("%.2f", *s.MOS))
		}
		return false, tx("MOS seen: %s", "MOS vus : %s", list(seen))

	case catalogue.KindLoss:
		var seen []string
		for _, s := range res.Streams {
			if s.LostPct >= o.Min && s.LostPct <= o.Max {
				return true, tx("stream %s: %.1f %% lost (%d of %d)", "flux %s : %.1f %% perdus (%d sur %d)", s.ID, s.LostPct, s.Lost, s.Expected)
			}
			seen = append(seen, fmt.Sprintf("%.1f %%", s.LostPct))
		}
		return false, tx("loss seen: %s", "pertes vues : %s", list(seen))

	case catalogue.KindRegistration:
		var seen []string
		for _, r := range res.Registrations {
			if r.State == o.Value && (o.Status == 0 || r.FinalStatus == o.Status) {
				return true, tx("%s: %s after %d attempt(s), %d", "%s : %s après %d tentative(s), %d", r.AOR, r.State, r.Attempts, r.FinalStatus)
			}
			seen = append(seen, fmt.Sprintf("%s %s %d", r.AOR, r.State, r.FinalStatus))
		}
		return false, tx("registrations seen: %s", "enregistrements vus : %s", list(seen))

	case catalogue.KindRTCP:
		n := 0
		for _, s := range res.Streams {
			n += len(s.RTCP)
		}
		return float64(n) >= o.Min, tx("%d RTCP report(s)", "%d rapport(s) RTCP", n)
	}
	return false, tx("unknown objective kind %q", "type d'objectif inconnu %q", o.Kind)
}

// allFindings are the capture's findings: Result.Findings already holds
// those of every call.
func allFindings(res *analyze.Result) []analyze.Finding { return res.Findings }

func firstFrames(f []int) []int {
	if len(f) > 5 {
		return f[:5]
	}
	return f
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}
