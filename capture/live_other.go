//go:build !linux

package capture

import (
	"context"
	"log/slog"
	"time"

	xbpf "golang.org/x/net/bpf"
)

// LiveConfig configures a live capture (Linux only).
type LiveConfig struct {
	Interface    string
	Filter       func(linkType uint16) ([]xbpf.Instruction, error)
	BufferSize   int
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Live is a live capture; it is only available on Linux.
type Live struct{}

// OpenLive returns ErrLiveUnsupported outside Linux.
func OpenLive(LiveConfig) (*Live, error) { return nil, ErrLiveUnsupported }

// LinkType is 0 outside Linux.
func (l *Live) LinkType() uint16 { return 0 }

// ReadFrame returns ErrLiveUnsupported outside Linux.
func (l *Live) ReadFrame(context.Context) (*Frame, error) { return nil, ErrLiveUnsupported }

// Stats returns ErrLiveUnsupported outside Linux.
func (l *Live) Stats() (LiveStats, error) { return LiveStats{}, ErrLiveUnsupported }

// Close does nothing outside Linux.
func (l *Live) Close() error { return nil }
