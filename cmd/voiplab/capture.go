package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	xbpf "golang.org/x/net/bpf"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/capture/bpf"
	"voiplab/capture/hep"
)

// captureOptions are the flags of `voiplab capture`.
type captureOptions struct {
	iface      string
	write      string
	duration   time.Duration
	count      int
	filter     string
	snaplen    int
	bufferMiB  int
	ring       int
	rotateSize string
	rotateTime time.Duration
	live       bool
	report     string
	lang       string
	hep        string // send SIP and RTCP as HEPv3 to this collector
	hepListen  string // receive HEPv3 on this address instead of capturing
}

func newCaptureCmd(g *globals) *cobra.Command {
	o := &captureOptions{}
	cmd := &cobra.Command{
		Use:   "capture -i IFACE|any [-w out.pcapng] [--live]",
		Short: "Capture live traffic (pure Go, AF_PACKET), write pcapng, analyse calls as they happen",
		Long: `Captures on one interface or on all ("any") through a Linux AF_PACKET socket, with no
libpcap. A tcpdump-style filter (host, net, port, portrange, udp, tcp, ip, ip6, and, or, not,
parentheses) is compiled to a kernel BPF program; the default keeps SIP and likely RTP/RTCP.

-w writes pcapng (interface, filter and a comment naming voiplab in the headers); with --ring,
--rotate-size or --rotate-time it writes a ring of files like dumpcap's (-b), keeping the last N.
--live prints one line per call event (new, answered, ended with MOS and findings), and a summary
at the end. --report writes the HTML report of the capture when it ends.

Live capture needs root or the CAP_NET_RAW capability:
  sudo setcap cap_net_raw,cap_net_admin=eip ./bin/voiplab`,
		Example: `  voiplab capture -i any --live
  voiplab capture -i eth0 -w calls.pcapng --duration 10m --report calls.html
  voiplab capture -i eth0 -w nuc.pcapng --ring 10 --rotate-size 100MB --live
  voiplab capture -i lo --filter "udp port 5060 or portrange 10000-20000" -c 1000 -w lo.pcapng`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.hepListen != "" {
				if o.iface != "" {
					return usageError{errors.New("--hep-listen receives HEP instead of capturing: leave out -i")}
				}
				return runHEPListen(cmd.Context(), g, o)
			}
			if o.iface == "" {
				return usageError{errors.New("-i IFACE is required (an interface name, or any)")}
			}
			if o.hep != "" {
				if _, err := hep.ParseTarget(o.hep); err != nil {
					return usageError{fmt.Errorf("--hep: %w", err)}
				}
			}
			if o.filter != "" {
				if _, err := bpf.Compile(o.filter, bpf.Ethernet, 0); err != nil {
					return usageError{fmt.Errorf("--filter: %w", err)}
				}
			}
			if _, err := parseSize(o.rotateSize); err != nil {
				return usageError{err}
			}
			if (o.ring > 0 || o.rotateSize != "" || o.rotateTime > 0) && o.write == "" {
				return usageError{errors.New("--ring, --rotate-size and --rotate-time need -w FILE")}
			}
			if o.ring > 0 && o.rotateSize == "" && o.rotateTime <= 0 {
				return usageError{errors.New("--ring needs --rotate-size or --rotate-time (when to start the next file)")}
			}
			if o.write == "" && o.report == "" {
				o.live = true // nothing else to show: print the calls
			}
			return runCapture(cmd.Context(), g, o, nil)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.iface, "interface", "i", "", "interface to capture on, or any for all")
	f.StringVarP(&o.write, "write", "w", "", "write the capture to this pcapng file")
	f.DurationVar(&o.duration, "duration", 0, "stop after this long (e.g. 30s, 10m, 24h)")
	f.IntVarP(&o.count, "count", "c", 0, "stop after this many packets")
	f.StringVarP(&o.filter, "filter", "f", bpf.DefaultFilter, `capture filter (tcpdump syntax subset); "" captures everything`)
	f.IntVarP(&o.snaplen, "snaplen", "s", bpf.DefaultSnaplen, "bytes kept of each packet")
	f.IntVar(&o.bufferMiB, "buffer", 32, "kernel ring buffer size in MiB")
	f.IntVar(&o.ring, "ring", 0, "keep only the last N files (with --rotate-size or --rotate-time)")
	f.StringVar(&o.rotateSize, "rotate-size", "", "start a new file at this size (e.g. 100MB, 1GiB)")
	f.DurationVar(&o.rotateTime, "rotate-time", 0, "start a new file after this long (e.g. 1h)")
	f.BoolVar(&o.live, "live", false, "print one line per call event as it happens, and a summary")
	f.StringVar(&o.report, "report", "", "write the HTML report of the capture to this file when it ends")
	f.StringVar(&o.lang, "lang", "en", "language of --report: en or fr")
	f.StringVar(&o.hep, "hep", "", "send SIP, and RTCP as JSON, as HEPv3 to HOST:PORT[,proto=udp|tcp][,id=N] (Homer, heplify-server, sngrep -L)")
	f.StringVar(&o.hepListen, "hep-listen", "", "receive HEPv3 on ADDR (from sngrep, Kamailio, a capture agent) and analyse it like a capture")
	return cmd
}

// parseSize reads "100MB", "1GiB", "500k" or a number of bytes; "" is 0.
func parseSize(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3},
		{"G", 1e9}, {"M", 1e6}, {"k", 1e3}, {"K", 1e3}, {"B", 1}}
	num, mult := s, int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--rotate-size %q: want a size like 100MB, 1GiB or 500000", s)
	}
	return int64(n * float64(mult)), nil
}

// outputPath is where a capture is written: -w, or with --report alone a
// temporary file (removed by cleanup). The report is made from the written
// capture once it ends: the live analysis forgets finished calls, the report
// needs them all.
func outputPath(o *captureOptions) (path string, cleanup func(), err error) {
	if o.write != "" || o.report == "" {
		return o.write, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "voiplab-capture-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "capture.pcapng"), func() { os.RemoveAll(dir) }, nil
}

// frameSource is what runCapture reads: a capture.Live, or a replay in tests.
type frameSource interface {
	ReadFrame(ctx context.Context) (*capture.Frame, error)
	Stats() (capture.LiveStats, error)
	LinkType() uint16
	Close() error
}

// compileFilter returns the capture filter compiler OpenLive asks for.
func compileFilter(expr string, snaplen uint32) func(uint16) ([]xbpf.Instruction, error) {
	return func(lt uint16) ([]xbpf.Instruction, error) {
		if expr == "" {
			return []xbpf.Instruction{xbpf.RetConstant{Val: snaplen}}, nil
		}
		p, err := bpf.Compile(expr, bpf.LinkType(lt), snaplen)
		if err != nil || lt != capture.LinkTypeLinuxSLL {
			return p, err
		}
		return bpf.Cooked(p)
	}
}

// runCapture captures until ctx ends (SIGINT), --duration or --count, and
// writes, analyses and reports as asked. src replaces the live capture in
// tests.
func runCapture(ctx context.Context, g *globals, o *captureOptions, src frameSource) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	if src == nil {
		l, err := capture.OpenLive(capture.LiveConfig{
			Interface:  o.iface,
			Filter:     compileFilter(o.filter, uint32(o.snaplen)),
			BufferSize: o.bufferMiB << 20,
			Logger:     log,
		})
		if err != nil {
			return err
		}
		src = l
	}
	defer src.Close()
	fmt.Fprintf(g.stderr, "voiplab: capturing on %s, filter %q\n", o.iface, o.filter)

	write, cleanup, err := outputPath(o)
	if err != nil {
		return err
	}
	defer cleanup()
	var ring *capture.Ring
	if write != "" {
		size, _ := parseSize(o.rotateSize)
		ring, err = capture.NewRing(capture.RingOptions{
			Path: write, Files: o.ring, MaxSize: size, MaxDuration: o.rotateTime,
			Writer: capture.FrameWriterOptions{
				Comment:   "captured by voiplab capture -i " + o.iface,
				Interface: o.iface,
				LinkType:  src.LinkType(),
				Filter:    o.filter,
				Snaplen:   uint32(o.snaplen),
			},
		})
		if err != nil {
			return err
		}
		defer ring.Close()
	}

	var an *analyze.Analyzer
	var pr *eventPrinter
	if o.live || o.hep != "" {
		opts := analyze.DefaultOptions()
		opts.Logger = log
		opts.KeepRaw = false
		opts.OnEvent = func(analyze.Event) {} // live, so that finished calls leave memory
		if o.live {
			pr = newEventPrinter(g.stdout)
			opts.OnEvent = pr.event
		}
		an = analyze.New(opts)
	}
	var hs *hepForwarder
	if o.hep != "" {
		hs, err = dialHEP(ctx, o.hep, an)
		if err != nil {
			return err
		}
		defer hs.close(g.stderr)
	}
	dec := capture.NewDecoder()
	start := time.Now()
	frames := 0
	var last time.Time
	// Kernel drops are checked every 10 s and reported as they grow: a
	// technician must know at once that the capture is missing packets.
	nextCheck, dropped := start.Add(10*time.Second), uint64(0)
	housekeep := start
	checkDrops := func(now time.Time) {
		if now.Before(nextCheck) {
			return
		}
		nextCheck = now.Add(10 * time.Second)
		if st, err := src.Stats(); err == nil && st.Dropped > dropped {
			fmt.Fprintf(g.stderr, "voiplab: warning: the kernel dropped %d packets (%d in all): the capture cannot keep up; try a larger --buffer or a narrower --filter\n", st.Dropped-dropped, st.Dropped)
			dropped = st.Dropped
		}
	}
loop:
	for o.count <= 0 || frames < o.count {
		f, err := src.ReadFrame(ctx)
		switch {
		case errors.Is(err, capture.ErrIdle):
			// A quiet line: rotate by time, finish calls that ended.
			now := time.Now()
			checkDrops(now)
			if ring != nil {
				if err := ring.Tick(now); err != nil {
					return err
				}
				if err := ring.Flush(); err != nil {
					return err
				}
			}
			if an != nil && !last.IsZero() {
				an.Flush(now)
			}
			continue
		case ctx.Err() != nil:
			break loop
		case errors.Is(err, io.EOF):
			break loop
		case err != nil:
			return err
		}
		frames++
		last = f.Time
		// Once a second (of packet time, which is wall-clock time here):
		// drops, and the file flushed so that it is readable as it grows.
		if f.Time.Sub(housekeep) >= time.Second {
			housekeep = f.Time
			checkDrops(f.Time)
			if ring != nil {
				if err := ring.Flush(); err != nil {
					return err
				}
			}
		}
		if ring != nil {
			if err := ring.WriteFrame(f); err != nil {
				return err
			}
		}
		if an == nil {
			continue
		}
		ds, err := dec.Decode(f.Data, f.LinkType, f.Time)
		if err != nil {
			return err
		}
		for i := range ds {
			an.Datagram(&ds[i])
			hs.forward(&ds[i])
		}
	}
	end := time.Now()
	st, err := src.Stats()
	if err != nil {
		log.Warn("no kernel statistics", "err", err)
	}
	fmt.Fprintf(g.stderr, "voiplab: %d packets captured, %d received by filter, %d dropped by kernel\n", frames, st.Received, st.Dropped)
	if ring != nil {
		if err := ring.WriteStats(st, start, end); err != nil {
			return err
		}
		if err := ring.Close(); err != nil {
			return err
		}
		if o.write != "" {
			fmt.Fprintf(g.stderr, "voiplab: wrote %s\n", strings.Join(ring.Files(), ", "))
		}
	}
	if an != nil {
		ds := dec.Flush()
		for i := range ds {
			an.Datagram(&ds[i])
			hs.forward(&ds[i])
		}
		if last.IsZero() {
			last = end
		}
		if pr != nil {
			pr.clamp = last
		}
		an.FlushAll(last)
		if pr != nil {
			pr.summary(an.Result())
		}
	}
	if o.report != "" {
		return writeCaptureReport(ctx, g, o, ring.Files(), log)
	}
	return nil
}
