package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"voiplab/labs/catalogue"
)

// PCAPs runs every lab the runner can run into dir (pcaps/ of the
// repository: `make pcaps`), each capture with its analysis as golden JSON
// and without HTML, and writes dir/README.md with one row per file. It
// returns the outcomes; a lab that fails to run is an error.
func PCAPs(ctx context.Context, dir string, opts RunOptions, progress io.Writer) ([]Outcome, error) {
	opts.Dir, opts.NoHTML = dir, true
	var outs []Outcome
	for _, lab := range catalogue.All() {
		if !Runnable(lab.Name) {
			continue
		}
		out, err := Run(ctx, lab, opts)
		if err != nil {
			return outs, err
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: %v, passed %v\n", lab.Name, out.Elapsed.Round(1e6), out.Passed())
		}
		outs = append(outs, out)
	}
	return outs, os.WriteFile(filepath.Join(dir, "README.md"), []byte(README(catalogue.All())), 0o644)
}

// README is pcaps/README.md: one row per file that the labs write there.
func README(labs []catalogue.Lab) string {
	var b strings.Builder
	b.WriteString(`# Sample captures

Every capture here was made by ` + "`voiplab lab run NAME`" + ` (regenerate them all with ` + "`make pcaps`" + `):
the PBX and simulated phones on loopback (PBX 127.0.0.10, phones 127.0.0.11 and up), recorded
in-process. Each NAME.pcapng has its analysis as golden JSON in NAME.json (` + "`voiplab analyze --json`" + `);
a test reruns the labs and compares the analyses (calls, registrations, streams, findings; not times,
ports or Call-IDs, see labs/runner). Open them in Wireshark, or run ` + "`voiplab report FILE -o FILE.html`" + `.

| File | What it shows | Lab |
|---|---|---|
`)
	for _, l := range labs {
		if !Runnable(l.Name) {
			continue
		}
		for _, v := range append([]string{""}, l.Variants...) {
			name := title(l.Name, v)
			what := l.Goal.EN
			var objs []string
			for _, o := range l.ObjectivesFor(v) {
				objs = append(objs, o.Text.EN)
			}
			if len(objs) > 0 {
				what += " Shows: " + strings.Join(objs, "; ") + "."
			}
			what = strings.ReplaceAll(what, "|", "/")
			fmt.Fprintf(&b, "| %s.pcapng | %s | `voiplab lab run %s` |\n", name, what, l.Name)
			fmt.Fprintf(&b, "| %s.json | the golden analysis of %s.pcapng | `voiplab lab run %s` |\n", name, name, l.Name)
		}
	}
	b.WriteString("| README.md | this file | |\n")
	return b.String()
}
