package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"voiplab/analyze"
	"voiplab/report"
)

// reportOptions are the flags of `voiplab report`.
type reportOptions struct {
	files  []string
	output string
	lang   string
	title  string
	// now stamps the page; tests inject a fixed time.
	now func() time.Time
}

func newReportCmd(g *globals) *cobra.Command {
	o := &reportOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "report FILE... -o report.html",
		Short: "Write one self-contained, offline HTML report of captures, in English or French",
		Long: `Analyses one or more pcap or pcapng captures and writes a single HTML file that opens
without any network: a summary, every call with its SIP ladder (click an arrow to read the
message and its SDP), the codec negotiation, RTP quality with charts, the findings with what to
do, how each figure is computed and a glossary. --lang defaults to the language of the
environment (LC_ALL, LC_MESSAGES, LANG): fr* gives French, anything else English.`,
		Example: `  voiplab report call.pcap -o call.html
  voiplab report --lang fr --title "Labo 3 : appel refusé" lab3.pcapng -o labo3.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if !cmd.Flags().Changed("lang") {
				o.lang = langFromEnv(os.Getenv)
			}
			if !slices.Contains(report.Languages(), o.lang) {
				return usageError{fmt.Errorf("--lang %q: want en or fr", o.lang)}
			}
			return runReport(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "write the HTML to this file (default: stdout)")
	f.StringVar(&o.lang, "lang", "en", "language of the report: en or fr (default from LANG)")
	f.StringVar(&o.title, "title", "", "title of the report (default: VoIP capture report, in the chosen language)")
	return cmd
}

// langFromEnv picks the report language from the locale variables in POSIX
// order of precedence: a French locale (fr, fr_CH.UTF-8...) gives "fr".
func langFromEnv(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "fr") {
				return "fr"
			}
			return "en"
		}
	}
	return "en"
}

func runReport(ctx context.Context, g *globals, o *reportOptions) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	opts := analyze.DefaultOptions()
	opts.Logger = log
	opts.KeepRaw = true // the page shows each message when its arrow is clicked
	tuneGCForAnalysis()
	res, err := analyze.Run(ctx, o.files, opts, progressFunc(g, &analyzeOptions{}))
	if err != nil {
		return err
	}
	hopt := report.HTMLOptions{Lang: o.lang, Title: o.title, Logger: log}
	if o.now != nil {
		hopt.Generated = o.now()
	}
	var out io.Writer = g.stdout
	var fh *os.File
	if o.output != "" && o.output != "-" {
		if fh, err = os.Create(o.output); err != nil {
			return err
		}
		out = fh
	}
	err = report.WriteHTML(out, res, hopt)
	if fh != nil {
		err = errors.Join(err, fh.Close())
		if err != nil {
			os.Remove(o.output) // never leave half a report behind
		}
	}
	return err
}
