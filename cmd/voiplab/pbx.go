package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/spf13/cobra"

	"voiplab/capture"
	"voiplab/pbx"
	"voiplab/pbx/admin"
	"voiplab/pbx/cdr"
	"voiplab/pbx/config"
	"voiplab/pbx/store"
)

// newPBXCmd is `voiplab pbx`: init, serve, cdr, status (DESIGN.md).
func newPBXCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pbx",
		Short: "Run the lab PBX: registrar, extensions, calls through a B2BUA with a media relay, CDRs",
	}
	cmd.AddCommand(newPBXInitCmd(g), newPBXServeCmd(g), newPBXCDRCmd(g), newPBXStatusCmd(g))
	return cmd
}

// loadPBXConfig reads --config, or the embedded default when it is empty.
func loadPBXConfig(path string) (config.Config, error) {
	if path == "" {
		return config.DefaultConfig(), nil
	}
	return config.Load(path)
}

type pbxInitOptions struct {
	extensions string
	out        string
	force      bool
}

func newPBXInitCmd(g *globals) *cobra.Command {
	var o pbxInitOptions
	cmd := &cobra.Command{
		Use:   "init [--extensions 200-209] [-o pbx.yaml]",
		Short: "Write a commented pbx.yaml with extensions and generated passwords",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runPBXInit(g, o) },
	}
	cmd.Flags().StringVar(&o.extensions, "extensions", "200-209", "extension numbers, a range lo-hi")
	cmd.Flags().StringVarP(&o.out, "output", "o", "pbx.yaml", "file to write (- for stdout)")
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite an existing file")
	return cmd
}

func runPBXInit(g *globals, o pbxInitOptions) error {
	nums, err := config.ExtensionRange(o.extensions)
	if err != nil {
		return usageError{err}
	}
	exts := make([]config.Extension, 0, len(nums))
	for _, n := range nums {
		exts = append(exts, config.Extension{Number: n, Password: config.Secret(pbx.GeneratePassword())})
	}
	b := config.Template(exts)
	if o.out == "-" {
		_, err := g.stdout.Write(b)
		return err
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if o.force {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	fh, err := os.OpenFile(o.out, flag, 0o600) // it holds passwords
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("pbx init: %s exists (use --force to overwrite)", o.out)
	}
	if err != nil {
		return fmt.Errorf("pbx init: %w", err)
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return fmt.Errorf("pbx init: %w", err)
	}
	if err := fh.Close(); err != nil {
		return fmt.Errorf("pbx init: %w", err)
	}
	fmt.Fprintf(g.stderr, "wrote %s: extensions %s-%s with generated passwords\n", o.out, nums[0], nums[len(nums)-1])
	return nil
}

type pbxServeOptions struct {
	config  string
	capture string
	cpuprof string
}

func newPBXServeCmd(g *globals) *cobra.Command {
	var o pbxServeOptions
	cmd := &cobra.Command{
		Use:   "serve [--config pbx.yaml] [--capture FILE.pcapng]",
		Short: "Run the PBX until SIGINT/SIGTERM (with no --config: the embedded default)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runPBXServe(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.config, "config", "", "pbx.yaml (default: embedded configuration)")
	cmd.Flags().StringVar(&o.capture, "capture", "", "write the SIP and RTP the PBX sends and receives to this pcapng")
	cmd.Flags().StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile to this file (for make bench)")
	_ = cmd.Flags().MarkHidden("cpuprofile")
	return cmd
}

func runPBXServe(ctx context.Context, g *globals, o pbxServeOptions) (err error) {
	cfg, err := loadPBXConfig(o.config)
	if err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	if o.cpuprof != "" {
		pf, err := os.Create(o.cpuprof)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	opts := []pbx.Option{pbx.WithLogger(log), pbx.WithNewPassword(func(n, p string) {
		fmt.Fprintf(g.stdout, "extension %s password %s (generated once, stored in %s)\n", n, p, cfg.DataDir)
	})}
	if o.capture != "" {
		fh, err := os.Create(o.capture)
		if err != nil {
			return fmt.Errorf("pbx serve: %w", err)
		}
		defer fh.Close()
		w, err := capture.NewWriter(fh, capture.WriterOptions{Comment: "voiplab pbx serve"})
		if err != nil {
			return fmt.Errorf("pbx serve: %w", err)
		}
		tap := capture.NewTap(w)
		defer func() {
			if ferr := tap.Flush(); ferr != nil && err == nil {
				err = fmt.Errorf("pbx serve: capture: %w", ferr)
			}
			fmt.Fprintf(g.stderr, "wrote %s: %d packets\n", o.capture, tap.Count())
		}()
		opts = append(opts, pbx.WithTap(tap))
	}
	srv, err := pbx.New(cfg, opts...)
	if err != nil {
		return err
	}
	// A completed non-INVITE server transaction over UDP stays 64*T1 = 32 s
	// to answer retransmissions (RFC 3261 §17.2.2 Timer J); at 10,000
	// registrations/s that held 600 MB. Retransmissions of a request that
	// got its final response stop within T2 (4 s) of the loss, so 5 s (as
	// Kamailio's tm wait timer) covers them. sipgo keeps its timers in
	// package variables: set once here, before any transaction exists.
	sip.Timer_J = 5 * time.Second
	// The SIP stack allocates per message (about 5 KB per transaction, kept
	// until Timer J): collect garbage less often (the registrar bench gains
	// CPU), and more often again near 1 GiB.
	debug.SetGCPercent(200)
	debug.SetMemoryLimit(1 << 30)
	go func() {
		select {
		case <-srv.Ready():
			a := srv.Addrs()
			fmt.Fprintf(g.stderr, "pbx %s: sip udp %v tcp %v, admin %s, store %s\n", cfg.Domain, a.UDP, a.TCP, a.Admin, a.Store)
		case <-ctx.Done():
		}
	}()
	return srv.Serve(ctx)
}

type pbxCDROptions struct {
	config    string
	json, csv bool
}

func newPBXCDRCmd(g *globals) *cobra.Command {
	var o pbxCDROptions
	cmd := &cobra.Command{
		Use:   "cdr [--config F] [--json|--csv]",
		Short: "Print the call detail records from the PBX store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.json && o.csv {
				return usageError{errors.New("pbx cdr: --json and --csv exclude each other")}
			}
			return runPBXCDR(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringVar(&o.config, "config", "", "pbx.yaml (its data_dir holds the store)")
	cmd.Flags().BoolVar(&o.json, "json", false, "a JSON array of records")
	cmd.Flags().BoolVar(&o.csv, "csv", false, "CSV with a header line")
	return cmd
}

func runPBXCDR(ctx context.Context, g *globals, o pbxCDROptions) error {
	cfg, err := loadPBXConfig(o.config)
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.DataDir); err != nil {
		return fmt.Errorf("pbx cdr: no PBX data in %s: %w", cfg.DataDir, err)
	}
	st, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := st.CDRs(ctx)
	if err != nil {
		return err
	}
	switch {
	case o.json:
		return cdr.WriteJSON(g.stdout, recs)
	case o.csv:
		return cdr.WriteCSV(g.stdout, recs)
	}
	return writeCDRTable(g.stdout, recs)
}

func writeCDRTable(w io.Writer, recs []cdr.Record) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tFROM\tTO\tSTATUS\tDURATION\tCODEC\tMEDIA\tMOS\tCALL-ID")
	for _, r := range recs {
		mos := "-"
		for i, d := range r.RTP {
			if i == 0 {
				mos = ""
			} else {
				mos += "/"
			}
			mos += fmt.Sprintf("%.2f", d.MOS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d %s\t%s\t%s\t%s\t%s\t%s\n", r.Start.Local().Format("2006-01-02 15:04:05"),
			r.From, r.To, r.Status, r.Reason, (time.Duration(r.DurationMs) * time.Millisecond).String(),
			dash(r.Codec), dash(r.Media), mos, r.CallID)
	}
	fmt.Fprintf(tw, "%d calls\n", len(recs))
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type pbxStatusOptions struct {
	config string
	json   bool
}

func newPBXStatusCmd(g *globals) *cobra.Command {
	var o pbxStatusOptions
	cmd := &cobra.Command{
		Use:   "status [--config F]",
		Short: "Show registrations and active calls of a running PBX (admin API)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runPBXStatus(cmd.Context(), g, o) },
	}
	cmd.Flags().StringVar(&o.config, "config", "", "pbx.yaml (its admin.addr is read)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print /status, /registrations and /calls as one JSON object")
	return cmd
}

func runPBXStatus(ctx context.Context, g *globals, o pbxStatusOptions) error {
	cfg, err := loadPBXConfig(o.config)
	if err != nil {
		return err
	}
	if cfg.Admin.Addr == "" {
		return fmt.Errorf("pbx status: admin.addr is empty in the configuration: the admin API is off")
	}
	c := admin.Client{Addr: cfg.Admin.Addr}
	var st admin.Status
	var regs []store.Binding
	var calls []map[string]any
	for _, q := range []struct {
		path string
		v    any
	}{{"/status", &st}, {"/registrations", &regs}, {"/calls", &calls}} {
		if err := c.Get(ctx, q.path, q.v); err != nil {
			return fmt.Errorf("pbx status: is the PBX running? %w", err)
		}
	}
	if o.json {
		return writeJSONValue(g.stdout, map[string]any{"status": st, "registrations": regs, "calls": calls})
	}
	fmt.Fprintf(g.stdout, "PBX %s up %s, %d registrations, %d active calls", st.Domain,
		(time.Duration(st.UptimeSeconds) * time.Second).String(), st.Registrations, st.ActiveCalls)
	if st.Draining {
		fmt.Fprint(g.stdout, " (stopping)")
	}
	fmt.Fprintln(g.stdout)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	if len(regs) > 0 {
		fmt.Fprintln(tw, "\nEXT\tCONTACT\tSOURCE\tTRANSPORT\tEXPIRES IN\tUSER-AGENT")
		for _, r := range regs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.User, r.Contact, r.Source, r.Transport,
				time.Until(r.Expires).Round(time.Second), dash(r.UserAgent))
		}
	}
	if st.BlacklistedCount > 0 {
		fmt.Fprintln(tw, "\nBLACKLISTED\tUNTIL\t(security.max_failed_auth failed authentications; restart the PBX to lift)")
		for _, b := range st.Blacklisted {
			fmt.Fprintf(tw, "%s\t%s\t\n", b.Addr, b.Until.Local().Format(time.DateTime))
		}
		if more := st.BlacklistedCount - len(st.Blacklisted); more > 0 {
			fmt.Fprintf(tw, "… and %d more\t\t\n", more)
		}
	}
	if len(calls) > 0 {
		fmt.Fprintln(tw, "\nCALL-ID\tFROM\tTO\tSTATE\tMEDIA\tCODEC")
		for _, c := range calls {
			fmt.Fprintf(tw, "%v\t%v\t%v\t%v\t%v\t%v\n", c["call_id"], c["from"], c["to"], c["state"], c["media"], c["codec"])
		}
	}
	return tw.Flush()
}

func writeJSONValue(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
