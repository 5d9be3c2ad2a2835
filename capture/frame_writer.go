package capture

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// FrameWriterOptions describe a capture in the pcapng headers.
type FrameWriterOptions struct {
	// Comment goes into the Section Header Block (shb_comment); it should
	// name voiplab and the command.
	Comment string
	// Interface and LinkType describe the one capture interface ("any" for
	// all interfaces, as dumpcap names it) in its Interface Description
	// Block; LinkType is that of every frame (LinkTypeEthernet or
	// LinkTypeRaw).
	Interface string
	LinkType  uint16
	// Filter is the capture filter expression (if_filter).
	Filter string
	// Snaplen is the snap length recorded in the interface (0: none).
	Snaplen uint32
}

// FrameWriter writes captured frames as pcapng: a Section Header Block whose
// comment names voiplab, one Interface Description Block (name, link type,
// capture filter, snap length, OS), Enhanced Packet Blocks, and an Interface
// Statistics Block with the kernel's counters at the end (WriteStats).
type FrameWriter struct {
	ng  *ngWriter
	opt FrameWriterOptions
}

// NewFrameWriter writes the pcapng section and interface headers to w.
func NewFrameWriter(w io.Writer, opt FrameWriterOptions) (*FrameWriter, error) {
	if opt.Interface == "" {
		opt.Interface = "voiplab"
	}
	if opt.LinkType == 0 {
		opt.LinkType = LinkTypeEthernet
	}
	if !supportedLink(opt.LinkType) {
		return nil, fmt.Errorf("capture: write pcapng: %w %s", ErrLinkType, describeLink(opt.LinkType))
	}
	ng, err := newNgWriter(w,
		ngSection{hardware: runtime.GOARCH, os: runtime.GOOS, application: "voiplab", comment: opt.Comment},
		ngInterface{name: opt.Interface, filter: opt.Filter, os: runtime.GOOS, linkType: opt.LinkType, snaplen: opt.Snaplen})
	if err != nil {
		return nil, fmt.Errorf("capture: write pcapng header: %w", err)
	}
	return &FrameWriter{ng: ng, opt: opt}, nil
}

// WriteFrame writes one frame; its link type must be the writer's.
func (fw *FrameWriter) WriteFrame(f *Frame) error {
	if f.LinkType != fw.opt.LinkType {
		return fmt.Errorf("capture: write frame of link type %d to a %d capture: %w", f.LinkType, fw.opt.LinkType, ErrLinkType)
	}
	if err := fw.ng.writePacket(f.Time, f.Data, f.Length); err != nil {
		return fmt.Errorf("capture: write frame: %w", err)
	}
	return nil
}

// WriteStats writes an Interface Statistics Block with the kernel's
// received and dropped counts and the capture's start and end.
func (fw *FrameWriter) WriteStats(st LiveStats, start, end time.Time) error {
	if err := fw.ng.writeStats(end, start, end, st.Received, st.Dropped); err != nil {
		return fmt.Errorf("capture: write statistics: %w", err)
	}
	return nil
}

// Flush writes buffered frames to the underlying writer.
func (fw *FrameWriter) Flush() error {
	if err := fw.ng.flush(); err != nil {
		return fmt.Errorf("capture: flush: %w", err)
	}
	return nil
}
