package catalogue_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"voiplab/analyze"
	"voiplab/labs/catalogue"
)

// findingCodes are the codes the analysis emits: the keys of its message
// catalogue, without the ".variant" suffix.
func findingCodes() map[string]bool {
	out := map[string]bool{}
	for k := range analyze.Templates() {
		code, _, _ := strings.Cut(k, ".")
		out[code] = true
	}
	return out
}

func TestCatalogue(t *testing.T) {
	codes := findingCodes()
	all := catalogue.All()
	if len(all) < 8 {
		t.Fatalf("%d labs, the issue asks for at least 8", len(all))
	}
	for _, want := range []string{"basic-call", "codec-compare", "codec-mismatch", "media-path", "dtmf", "registration", "impaired-network", "one-way-audio"} {
		if _, err := catalogue.Lookup(want); err != nil {
			t.Errorf("lab %s: %v", want, err)
		}
	}
	seen := map[string]bool{}
	for _, l := range all {
		t.Run(l.Name, func(t *testing.T) {
			if seen[l.Name] {
				t.Fatalf("duplicate lab name")
			}
			seen[l.Name] = true
			both := func(what string, x catalogue.Text) {
				t.Helper()
				if strings.TrimSpace(x.EN) == "" || strings.TrimSpace(x.FR) == "" {
					t.Errorf("%s: missing a language: %+v", what, x)
				}
				if x.EN == x.FR {
					t.Errorf("%s: French is a copy of English: %q", what, x.EN)
				}
			}
			both("title", l.Title)
			both("goal", l.Goal)
			if len(l.Steps) == 0 || len(l.Objectives) == 0 || len(l.Questions) == 0 {
				t.Fatalf("steps %d, objectives %d, questions %d: want all", len(l.Steps), len(l.Objectives), len(l.Questions))
			}
			for i, s := range l.Steps {
				both("step", s)
				_ = i
			}
			for _, q := range l.Questions {
				both("question", q.Q)
				both("answer", q.A)
			}
			for _, o := range l.Objectives {
				both("objective", o.Text)
				both("where", o.Where)
				if !slices.Contains(catalogue.Kinds, o.Kind) {
					t.Errorf("objective %q: unknown kind %q", o.Text.EN, o.Kind)
				}
				if o.Variant != "" && !slices.Contains(l.Variants, o.Variant) {
					t.Errorf("objective %q: variant %q not declared", o.Text.EN, o.Variant)
				}
				switch o.Kind {
				case catalogue.KindFinding:
					if !codes[o.Code] {
						t.Errorf("objective %q: %q is not a finding code of the analysis", o.Text.EN, o.Code)
					}
				case catalogue.KindCodec, catalogue.KindClockRate:
					if !slices.Contains([]string{"PCMU", "PCMA", "G722", "G729", "telephone-event"}, o.Value) {
						t.Errorf("objective %q: codec %q", o.Text.EN, o.Value)
					}
				case catalogue.KindCallState:
					if !slices.Contains([]string{analyze.StateCompleted, analyze.StateRejected, analyze.StateCancelled, analyze.StateFailed, analyze.StateUnanswered, analyze.StateInProgress}, o.Value) {
						t.Errorf("objective %q: call state %q", o.Text.EN, o.Value)
					}
				case catalogue.KindRegistration:
					if !slices.Contains([]string{"registered", "unregistered", "failed", "challenged", "no-response"}, o.Value) {
						t.Errorf("objective %q: registration state %q", o.Text.EN, o.Value)
					}
				case catalogue.KindDTMF:
					if strings.Trim(o.Value, "0123456789*#ABCD") != "" || o.Value == "" {
						t.Errorf("objective %q: digits %q", o.Text.EN, o.Value)
					}
				case catalogue.KindMOS:
					if o.Min < 1 || o.Max > 5 || o.Min >= o.Max {
						t.Errorf("objective %q: MOS range [%v, %v]", o.Text.EN, o.Min, o.Max)
					}
				case catalogue.KindLoss:
					if o.Min < 0 || o.Max > 100 || o.Min >= o.Max {
						t.Errorf("objective %q: loss range [%v, %v]", o.Text.EN, o.Min, o.Max)
					}
				}
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := catalogue.Lookup("no-such-lab")
	if !errors.Is(err, catalogue.ErrUnknownLab) {
		t.Fatalf("err = %v, want ErrUnknownLab", err)
	}
}

func TestTextIn(t *testing.T) {
	x := catalogue.Text{EN: "call", FR: "appel"}
	for _, tc := range []struct{ lang, want string }{{"fr", "appel"}, {"en", "call"}, {"", "call"}, {"de", "call"}} {
		t.Run(tc.lang, func(t *testing.T) {
			if got := x.In(tc.lang); got != tc.want {
				t.Errorf("In(%q) = %q, want %q", tc.lang, got, tc.want)
			}
		})
	}
}
