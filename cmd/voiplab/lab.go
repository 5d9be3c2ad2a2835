package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"voiplab/analyze"
	"voiplab/labs/catalogue"
	"voiplab/labs/check"
	"voiplab/labs/runner"
)

// labOptions are the flags and arguments of `voiplab lab ...`.
type labOptions struct {
	name    string
	file    string
	dir     string
	lang    string
	variant string
	answers bool
	seed    uint64
}

// newLabCmd is `voiplab lab list|show|run|check` (issue 6).
func newLabCmd(g *globals) *cobra.Command {
	o := &labOptions{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Labs: scripted calls on loopback with their capture, analysis, report and grading",
		Long: `Each lab starts, in this process and without root, the PBX (127.0.0.10) and simulated
phones (127.0.0.11, 127.0.0.12, ...), runs a scenario that shows one concept of the course,
records everything, and writes the capture, its analysis and its report. "lab check" grades a
capture you made yourself against a lab's objectives.`,
		Example: `  voiplab lab list
  voiplab lab show codec-mismatch --lang fr
  voiplab lab run basic-call -o out/
  voiplab lab check one-way-audio my-capture.pcapng`,
	}
	lang := func(c *cobra.Command) {
		c.Flags().StringVar(&o.lang, "lang", "en", "language: en or fr")
	}
	checkLang := func() error {
		if o.lang != catalogue.LangEN && o.lang != catalogue.LangFR {
			return usageError{fmt.Errorf("--lang %q: want en or fr", o.lang)}
		}
		return nil
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List the labs with their goal",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLang(); err != nil {
				return err
			}
			return labList(g.stdout, o)
		},
	}
	lang(list)

	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a lab sheet: goal, what happens, objectives, questions (--answers for instructors)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if err := checkLang(); err != nil {
				return err
			}
			return labShow(g.stdout, o)
		},
	}
	lang(show)
	show.Flags().BoolVar(&o.answers, "answers", false, "include the expected answers (instructors)")

	run := &cobra.Command{
		Use:   "run NAME",
		Short: "Run a lab: write DIR/NAME.pcapng, .json and .html, and grade its objectives",
		Long: `Runs the lab's scenario and writes DIR/NAME.pcapng (the capture), DIR/NAME.json (the
analysis) and DIR/NAME.html (the report); labs with a second capture also write
DIR/NAME-VARIANT.*. Prints each objective with ✓ or ✗ and where to look in the report.
Exit status 3 when an objective is not met.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name = args[0]
			if err := checkLang(); err != nil {
				return err
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			lab, err := catalogue.Lookup(o.name)
			if err != nil {
				return usageError{err}
			}
			out, err := runner.Run(cmd.Context(), lab, runner.RunOptions{Dir: o.dir, Lang: o.lang, Seed: o.seed, Logger: log})
			if err != nil {
				return err
			}
			if err := out.Write(g.stdout, o.lang); err != nil {
				return err
			}
			if !out.Passed() {
				return errFindings
			}
			return nil
		},
	}
	lang(run)
	run.Flags().StringVarP(&o.dir, "output", "o", ".", "directory for the capture, analysis and report")
	run.Flags().Uint64Var(&o.seed, "seed", 1, "seed of everything random in the lab")

	chk := &cobra.Command{
		Use:   "check NAME FILE.pcapng",
		Short: "Grade your own capture against a lab's objectives (exit 0 only when all are met)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name, o.file = args[0], args[1]
			if err := checkLang(); err != nil {
				return err
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			return labCheck(cmd.Context(), g.stdout, o, analyze.Options{Logger: log})
		},
	}
	lang(chk)
	chk.Flags().StringVar(&o.variant, "variant", "", "grade against a variant's objectives (media-path and one-way-audio: relay)")

	pcaps := &cobra.Command{
		Use:    "pcaps",
		Short:  "Run every lab into DIR with golden JSON and README rows (make pcaps)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			outs, err := runner.PCAPs(cmd.Context(), o.dir, runner.RunOptions{Seed: o.seed, Logger: log}, g.stderr)
			if err != nil {
				return err
			}
			for _, out := range outs {
				if !out.Passed() {
					_ = out.Write(g.stderr, "en")
					return errFindings
				}
			}
			return nil
		},
	}
	pcaps.Flags().StringVarP(&o.dir, "output", "o", "pcaps", "directory")
	pcaps.Flags().Uint64Var(&o.seed, "seed", 1, "seed of everything random in the labs")

	cmd.AddCommand(list, show, run, chk, pcaps)
	return cmd
}

func labList(w io.Writer, o *labOptions) error {
	var b strings.Builder
	for _, l := range catalogue.All() {
		fmt.Fprintf(&b, "%-17s %s\n", l.Name, l.Goal.In(o.lang))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func labShow(w io.Writer, o *labOptions) error {
	l, err := catalogue.Lookup(o.name)
	if err != nil {
		return usageError{err}
	}
	fr := o.lang == catalogue.LangFR
	h := func(en, f string) string {
		if fr {
			return f
		}
		return en
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n%s\n    %s\n\n%s\n", l.Name, l.Title.In(o.lang), h("Goal", "But"), l.Goal.In(o.lang), h("What happens", "Déroulement"))
	for i, s := range l.Steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s.In(o.lang))
	}
	fmt.Fprintf(&b, "\n%s\n", h("What the capture must show", "Ce que la capture doit montrer"))
	for _, ob := range l.Objectives {
		fmt.Fprintf(&b, "  - %s\n      → %s\n", ob.Text.In(o.lang), ob.Where.In(o.lang))
	}
	fmt.Fprintf(&b, "\n%s\n", h("Questions", "Questions"))
	for i, q := range l.Questions {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, q.Q.In(o.lang))
		if o.answers {
			fmt.Fprintf(&b, "     %s %s\n", h("Answer:", "Réponse :"), q.A.In(o.lang))
		}
	}
	fmt.Fprintf(&b, "\n%s voiplab lab run %s -o out/%s\n", h("Run it:", "Lancer :"), l.Name, langFlag(o.lang))
	_, err = io.WriteString(w, b.String())
	return err
}

func langFlag(lang string) string {
	if lang == catalogue.LangFR {
		return " --lang fr"
	}
	return ""
}

// labCheck analyses a student's capture and grades it; errFindings (exit
// 3) when an objective is not met.
func labCheck(ctx context.Context, w io.Writer, o *labOptions, aopts analyze.Options) error {
	l, err := catalogue.Lookup(o.name)
	if err != nil {
		return usageError{err}
	}
	if o.variant != "" && len(l.ObjectivesFor(o.variant)) == 0 {
		return usageError{fmt.Errorf("lab %s has no variant %q (variants: %v)", l.Name, o.variant, l.Variants)}
	}
	opts := analyze.DefaultOptions()
	opts.Logger = aopts.Logger
	res, err := analyze.Run(ctx, []string{o.file}, opts, nil)
	if err != nil {
		return err
	}
	gr := check.Lab(res, l, o.variant)
	if err := gr.Write(w, o.lang); err != nil {
		return err
	}
	if !gr.Passed() {
		fmt.Fprintf(w, "%d/%d\n", gr.Met(), len(gr.Items))
		return errFindings
	}
	fmt.Fprintf(w, "%d/%d\n", gr.Met(), len(gr.Items))
	return nil
}
