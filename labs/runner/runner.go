package runner

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"voiplab/analyze"
	"voiplab/labs/catalogue"
	"voiplab/labs/check"
	"voiplab/report"
)

// RunOptions configure Run.
type RunOptions struct {
	// Dir receives NAME.pcapng, NAME.json and NAME.html (and
	// NAME-VARIANT.* for a lab's other captures); default ".".
	Dir string
	// Lang is the language of the HTML report: "en" (default) or "fr".
	Lang string
	// Seed seeds everything random in the lab (default 1).
	Seed uint64
	// NoHTML skips the HTML report (pcaps/ keeps only captures and JSON).
	NoHTML bool
	// Subnet moves the lab from 127.0.0.x to 127.SUBNET.0.x, so that
	// tests of several packages can run labs at once.
	Subnet uint8
	Logger *slog.Logger
}

// Capture is one capture a lab made, its files and its grading.
type Capture struct {
	Variant string          `json:"variant,omitempty"`
	PCAP    string          `json:"pcap"`
	JSON    string          `json:"json"`
	HTML    string          `json:"html,omitempty"`
	Grade   check.Grade     `json:"grade"`
	Result  *analyze.Result `json:"-"`
}

// Outcome is what a lab run produced.
type Outcome struct {
	Lab      string        `json:"lab"`
	Captures []Capture     `json:"captures"`
	Elapsed  time.Duration `json:"elapsed"`
}

// Passed reports whether every objective of every capture is met.
func (o Outcome) Passed() bool {
	for _, c := range o.Captures {
		if !c.Grade.Passed() {
			return false
		}
	}
	return true
}

// Write prints, per capture, its files and its objectives with ✓/✗ and
// where to look in the report.
func (o Outcome) Write(w io.Writer, lang string) error {
	bw := bufio.NewWriter(w)
	for _, c := range o.Captures {
		files := c.PCAP + ", " + c.JSON
		if c.HTML != "" {
			files += ", " + c.HTML
		}
		if lang == catalogue.LangFR {
			fmt.Fprintf(bw, "%s : %d objectif(s) sur %d atteint(s) — %s\n", title(o.Lab, c.Variant), c.Grade.Met(), len(c.Grade.Items), files)
		} else {
			fmt.Fprintf(bw, "%s: %d of %d objectives met — %s\n", title(o.Lab, c.Variant), c.Grade.Met(), len(c.Grade.Items), files)
		}
		if err := c.Grade.Write(bw, lang); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func title(lab, variant string) string {
	if variant == "" {
		return lab
	}
	return lab + "-" + variant
}

// Runnable reports whether the runner has a scenario for the lab.
func Runnable(name string) bool {
	_, ok := scenarios(name)
	return ok
}

// Run runs every capture of the lab (the main one, then its variants in
// catalogue order), writes its files into opts.Dir and grades it. An error
// means the lab could not run (a phone or the PBX did not start, a call
// that should have been answered was not); objectives not met are not an
// error: see Outcome.Passed.
func Run(ctx context.Context, lab catalogue.Lab, opts RunOptions) (Outcome, error) {
	start := time.Now()
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "lab", "lab", lab.Name)
	scs, ok := scenarios(lab.Name)
	if !ok {
		return Outcome{}, fmt.Errorf("%w: %s", ErrNoScenario, lab.Name)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return Outcome{}, fmt.Errorf("runner: %w", err)
	}
	out := Outcome{Lab: lab.Name}
	for _, variant := range append([]string{""}, lab.Variants...) {
		sc, ok := scs[variant]
		if !ok {
			return out, fmt.Errorf("%w: %s variant %q", ErrNoScenario, lab.Name, variant)
		}
		c, err := runCapture(ctx, lab, variant, sc, opts, log)
		if err != nil {
			return out, err
		}
		out.Captures = append(out.Captures, c)
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

func runCapture(ctx context.Context, lab catalogue.Lab, variant string, sc scenario, opts RunOptions, log *slog.Logger) (Capture, error) {
	base := filepath.Join(opts.Dir, title(lab.Name, variant))
	c := Capture{Variant: variant, PCAP: base + ".pcapng", JSON: base + ".json"}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log.Info("lab capture starts", "variant", variant)
	w, err := newWorld(ctx, c.PCAP, sc.relay, sc.pbxView, sc.phones, opts.Seed, opts.Subnet, log)
	if err != nil {
		return c, err
	}
	runErr := sc.run(ctx, w)
	if err := w.close(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return c, fmt.Errorf("lab %s: %w", title(lab.Name, variant), runErr)
	}
	aopts := analyze.DefaultOptions()
	aopts.KeepRaw = true
	aopts.Logger = log
	res, err := analyze.Run(ctx, []string{c.PCAP}, aopts, nil)
	if err != nil {
		return c, err
	}
	c.Result = res
	if err := writeFile(c.JSON, func(w io.Writer) error { return report.WriteJSON(w, res) }); err != nil {
		return c, err
	}
	if !opts.NoHTML {
		c.HTML = base + ".html"
		t := lab.Title.In(opts.Lang)
		err := writeFile(c.HTML, func(w io.Writer) error {
			return report.WriteHTML(w, res, report.HTMLOptions{Lang: opts.Lang, Title: t, Generated: time.Now(), Logger: log})
		})
		if err != nil {
			return c, err
		}
	}
	c.Grade = check.Lab(res, lab, variant)
	return c, nil
}

func writeFile(path string, f func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	bw := bufio.NewWriter(fh)
	if err := f(bw); err != nil {
		fh.Close()
		return fmt.Errorf("runner: %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		fh.Close()
		return fmt.Errorf("runner: %s: %w", path, err)
	}
	return fh.Close()
}
