package capture

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RingOptions configure a Ring.
type RingOptions struct {
	// Path names the output file. With rotation (Files, MaxSize or
	// MaxDuration set) the files are named like dumpcap's ring buffer:
	// "out_00001_20261127185030.pcapng" (index and local start time).
	Path string
	// Files keeps only the last Files files, deleting older ones (0: keep
	// all).
	Files int
	// MaxSize starts a new file once the current one holds this many
	// bytes (0: no limit).
	MaxSize int64
	// MaxDuration starts a new file once the current one spans this much
	// time (0: no limit), measured on packet timestamps and on Tick.
	MaxDuration time.Duration
	// Writer describes the capture in every file's headers.
	Writer FrameWriterOptions
	// Now gives the time the first file is named after (default
	// time.Now).
	Now func() time.Time
}

// Ring writes frames to one pcapng file, or to a ring of files rotated by
// size and time that keeps the last N, so that a capture can run for days
// without filling the disk. Every file is a complete pcapng capture with
// its own headers.
type Ring struct {
	opt     RingOptions
	rotate  bool
	index   int
	f       *os.File
	buf     *bufio.Writer // 1 MiB: few write calls at 200,000 packets/s
	cw      *countingWriter
	fw      *FrameWriter
	started time.Time // time the current file was started
	kept    []string
}

type countingWriter struct {
	f io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.f.Write(p)
	c.n += int64(n)
	return n, err
}

// NewRing creates the first file.
func NewRing(opt RingOptions) (*Ring, error) {
	if opt.Path == "" {
		return nil, fmt.Errorf("capture: ring: no output path")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Ring{opt: opt, rotate: opt.Files > 0 || opt.MaxSize > 0 || opt.MaxDuration > 0}
	if err := r.next(opt.Now()); err != nil {
		return nil, err
	}
	return r, nil
}

// name returns the path of file number idx started at t.
func (r *Ring) name(idx int, t time.Time) string {
	if !r.rotate {
		return r.opt.Path
	}
	ext := filepath.Ext(r.opt.Path)
	base := strings.TrimSuffix(r.opt.Path, ext)
	if ext == "" {
		ext = ".pcapng"
	}
	return fmt.Sprintf("%s_%05d_%s%s", base, idx, t.Local().Format("20060102150405"), ext)
}

// next closes the current file, deletes the oldest beyond Files, and
// starts a new one at time t.
func (r *Ring) next(t time.Time) error {
	if err := r.closeFile(); err != nil {
		return err
	}
	r.index++
	path := r.name(r.index, t)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("capture: ring: %w", err)
	}
	r.f, r.buf = f, bufio.NewWriterSize(f, 1<<20)
	r.cw = &countingWriter{f: r.buf}
	r.fw, err = NewFrameWriter(r.cw, r.opt.Writer)
	if err != nil {
		f.Close()
		return err
	}
	if err := r.flush(); err != nil {
		return err
	}
	r.started = t
	r.kept = append(r.kept, path)
	if r.opt.Files > 0 && len(r.kept) > r.opt.Files {
		old := r.kept[0]
		r.kept = r.kept[1:]
		if err := os.Remove(old); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("capture: ring: %w", err)
		}
	}
	return nil
}

func (r *Ring) closeFile() error {
	if r.f == nil {
		return nil
	}
	err := r.flush()
	if cerr := r.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("capture: ring: %w", cerr)
	}
	r.f = nil
	return err
}

// due tells whether the current file is full at time t.
func (r *Ring) due(t time.Time) bool {
	if r.opt.MaxSize > 0 && r.cw.n >= r.opt.MaxSize {
		return true
	}
	return r.opt.MaxDuration > 0 && t.Sub(r.started) >= r.opt.MaxDuration
}

// WriteFrame writes a frame, first starting a new file if the current one
// is full.
func (r *Ring) WriteFrame(f *Frame) error {
	if r.f == nil {
		return fmt.Errorf("capture: ring: write after close")
	}
	if r.rotate && r.cw.n > 0 && r.due(f.Time) {
		if err := r.next(f.Time); err != nil {
			return err
		}
	}
	return r.fw.WriteFrame(f)
}

// Tick rotates by time when no frame comes (a quiet line): call it now and
// then with the current time.
func (r *Ring) Tick(now time.Time) error {
	if r.f == nil || !r.rotate || r.opt.MaxDuration <= 0 || !r.due(now) {
		return nil
	}
	return r.next(now)
}

// Flush writes buffered frames to the current file.
func (r *Ring) Flush() error {
	if r.f == nil {
		return nil
	}
	return r.flush()
}

func (r *Ring) flush() error {
	if err := r.fw.Flush(); err != nil {
		return err
	}
	if err := r.buf.Flush(); err != nil {
		return fmt.Errorf("capture: ring: %w", err)
	}
	return nil
}

// WriteStats writes the capture's counters into the current file (see
// FrameWriter.WriteStats).
func (r *Ring) WriteStats(st LiveStats, start, end time.Time) error {
	if r.f == nil {
		return nil
	}
	return r.fw.WriteStats(st, start, end)
}

// Files returns the files written and still kept, oldest first.
func (r *Ring) Files() []string { return append([]string(nil), r.kept...) }

// Close flushes and closes the current file.
func (r *Ring) Close() error { return r.closeFile() }
