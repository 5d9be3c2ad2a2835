package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"voiplab/analyze"
	"voiplab/capture"
)

// replay is a frameSource that plays a capture file's frames, then io.EOF:
// runCapture's whole path without root.
type replay struct {
	frames []capture.Frame
	lt     uint16
	i      int
}

func newReplay(t *testing.T, path string) *replay {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	rp := &replay{lt: uint16(r.LinkType())}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		rp.frames = append(rp.frames, capture.Frame{Data: data, Length: ci.Length, Time: ci.Timestamp, LinkType: rp.lt, Interface: "eth0"})
	}
	return rp
}

func (r *replay) ReadFrame(ctx context.Context) (*capture.Frame, error) {
	if r.i == len(r.frames) {
		return nil, io.EOF
	}
	r.i++
	return &r.frames[r.i-1], nil
}

func (r *replay) Stats() (capture.LiveStats, error) {
	return capture.LiveStats{Received: uint64(r.i), Read: uint64(r.i)}, nil
}
func (r *replay) LinkType() uint16 { return r.lt }
func (r *replay) Close() error     { return nil }

func runCaptureTest(t *testing.T, o *captureOptions, src frameSource) (string, string) {
	t.Helper()
	var out, errb strings.Builder
	g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, logLevel: "warn", logFormat: "text"}
	if err := runCapture(context.Background(), g, o, src); err != nil {
		t.Fatalf("runCapture: %v\nstderr: %s", err, errb.String())
	}
	return out.String(), errb.String()
}

// TestCaptureLive replays corpus captures through the capture command's
// live path and checks every call of the batch analysis (itself checked
// against tshark in package analyze) is printed with the same state, setup
// time and MOS figures.
func TestCaptureLive(t *testing.T) {
	for _, name := range []string{"rtp-pcap_SIP_DTMF2.pcap", "pkts_sipp.pcap", "rtp-pcap_sip-rtp-g722.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := corpusFile(t, name)
			want, err := analyze.Run(context.Background(), []string{path}, analyze.DefaultOptions(), nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			o := &captureOptions{iface: "eth0", filter: "udp", snaplen: 262144, live: true,
				write: filepath.Join(dir, "out.pcapng"), report: filepath.Join(dir, "out.html"), lang: "en"}
			out, errText := runCaptureTest(t, o, newReplay(t, path))
			t.Logf("stdout:\n%s", out)
			streams := map[string]analyze.Stream{}
			for _, s := range want.Streams {
				streams[s.ID] = s
			}
			for _, c := range want.Calls {
				id := shortID(c.CallID)
				if !strings.Contains(out, "call "+id+" "+user(c.From)+"→"+user(c.To)+" new") {
					t.Errorf("no call-new line for %s", c.CallID)
				}
				if c.SetupMs != nil && !strings.Contains(out, fmt.Sprintf("answered (setup %.0f ms)", *c.SetupMs)) {
					t.Errorf("no answered line with setup %.0f ms for %s", *c.SetupMs, c.CallID)
				}
				end := fmt.Sprintf("call %s %s→%s %s", id, user(c.From), user(c.To), c.State)
				line := ""
				for _, l := range strings.Split(out, "\n") {
					if strings.Contains(l, end) {
						line = l
					}
				}
				if line == "" {
					t.Errorf("no end line %q", end)
					continue
				}
				for _, sid := range c.Streams {
					if m := streams[sid].MOS; m != nil && !strings.Contains(line, fmt.Sprintf("%.1f", *m)) {
						t.Errorf("%s: MOS %.1f of %s missing", line, *m, sid)
					}
				}
				for _, f := range c.Findings {
					if !strings.Contains(line, f.Code) {
						t.Errorf("%s: finding %s missing", line, f.Code)
					}
				}
			}
			if !strings.Contains(out, fmt.Sprintf("== %d calls", len(want.Calls))) {
				t.Errorf("summary does not count %d calls", len(want.Calls))
			}
			// The written capture analyses to the same calls.
			got, err := analyze.Run(context.Background(), []string{o.write}, analyze.DefaultOptions(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Calls) != len(want.Calls) || len(got.Streams) != len(want.Streams) {
				t.Errorf("written capture: %d calls %d streams, want %d and %d", len(got.Calls), len(got.Streams), len(want.Calls), len(want.Streams))
			}
			html, err := os.ReadFile(o.report)
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Calls) > 0 && !strings.Contains(string(html), want.Calls[0].CallID) {
				t.Error("report does not name the first call")
			}
			if !strings.Contains(errText, "dropped by kernel") {
				t.Errorf("stderr has no drop count: %s", errText)
			}
		})
	}
}

// TestCaptureCount stops after --count frames.
func TestCaptureCount(t *testing.T) {
	path := corpusFile(t, "pkts_sipp.pcap")
	o := &captureOptions{iface: "eth0", count: 7, snaplen: 262144, write: filepath.Join(t.TempDir(), "c.pcapng")}
	_, errText := runCaptureTest(t, o, newReplay(t, path))
	if !strings.Contains(errText, "7 packets captured") {
		t.Errorf("stderr: %s", errText)
	}
	r, err := capture.Open(o.write)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	if n := r.Info().Packets; n != 7 {
		t.Errorf("%d packets written, want 7", n)
	}
}

func TestCaptureUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no interface", []string{"capture"}, "-i IFACE is required"},
		{"bad filter", []string{"capture", "-i", "lo", "--filter", "udp and"}, "--filter"},
		{"host name", []string{"capture", "-i", "lo", "--filter", "host example.com"}, "host names are not resolved"},
		{"ring without -w", []string{"capture", "-i", "lo", "--ring", "3", "--rotate-size", "1MB"}, "need -w"},
		{"ring without rotation", []string{"capture", "-i", "lo", "-w", "x.pcapng", "--ring", "3"}, "--ring needs"},
		{"bad size", []string{"capture", "-i", "lo", "-w", "x.pcapng", "--rotate-size", "big"}, "--rotate-size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb strings.Builder
			g := &globals{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
			root := newRootCmd(g)
			root.AddCommand(newCaptureCmd(g))
			root.SetArgs(tc.args)
			err := root.Execute()
			if err == nil {
				t.Fatal("no error")
			}
			if _, ok := err.(usageError); !ok {
				t.Errorf("error %v is not a usage error", err)
			}
			if !strings.Contains(err.Error(), tc.stderr) {
				t.Errorf("error %q does not contain %q", err, tc.stderr)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "100MB": 100e6, "1GiB": 1 << 30, "500k": 500e3, "4096": 4096, "1.5M": 1.5e6} {
		t.Run(in, func(t *testing.T) {
			got, err := parseSize(in)
			if err != nil || got != want {
				t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
			}
		})
	}
}

func TestUser(t *testing.T) {
	for in, want := range map[string]string{
		`"Reception" <sip:200@lab.local>;tag=x`: "200",
		"sip:alice@example.com":                 "alice",
		"<tel:+41215550100>":                    "+41215550100",
		"bob":                                   "bob",
	} {
		t.Run(in, func(t *testing.T) {
			if got := user(in); got != want {
				t.Errorf("user(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

// TestCaptureRing replays a capture into a ring of 3 files of 20 kB: 3
// files remain, named like dumpcap's, and the last one ends with the last
// frame.
func TestCaptureRing(t *testing.T) {
	path := corpusFile(t, "rtp-pcap_SIP_DTMF2.pcap")
	dir := t.TempDir()
	o := &captureOptions{iface: "eth0", snaplen: 262144, write: filepath.Join(dir, "ring.pcapng"), ring: 3, rotateSize: "20kB"}
	rp := newReplay(t, path)
	_, errText := runCaptureTest(t, o, rp)
	files, _ := filepath.Glob(filepath.Join(dir, "ring_*.pcapng"))
	if len(files) != 3 {
		t.Fatalf("%d files, want 3: %v\n%s", len(files), files, errText)
	}
	r, err := capture.Open(files[2])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	if end := r.Info().End; !end.Equal(rp.frames[len(rp.frames)-1].Time) {
		t.Errorf("last file ends at %v, want %v", end, rp.frames[len(rp.frames)-1].Time)
	}
	if !strings.Contains(errText, filepath.Base(files[0])) {
		t.Errorf("stderr does not list the files: %s", errText)
	}
}
