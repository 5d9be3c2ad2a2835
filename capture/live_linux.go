//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	xbpf "golang.org/x/net/bpf"
)

// LiveConfig configures a live capture.
type LiveConfig struct {
	// Interface is an interface name, or "any" for all interfaces.
	Interface string
	// Filter compiles the capture filter for the socket: linkType is
	// LinkTypeEthernet for an Ethernet or loopback interface (a SOCK_RAW
	// socket), or LinkTypeLinuxSLL for "any" and other interfaces (a
	// SOCK_DGRAM socket: compile for Linux SLL, then rewrite with
	// voiplab/capture/bpf.Cooked). The program's accept value is the snap
	// length. Nil captures everything.
	Filter func(linkType uint16) ([]xbpf.Instruction, error)
	// BufferSize is the kernel ring size in bytes (default 32 MiB, rounded
	// to whole 1 MiB blocks).
	BufferSize int
	// PollInterval bounds how long ReadFrame waits before ErrIdle (default
	// 100 ms).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Live captures frames from a network interface through a memory-mapped
// AF_PACKET socket (TPACKET_V3), with no libpcap and no cgo.
//
// One interface is captured with a SOCK_RAW socket and its frames keep their
// Ethernet header. "any" (all interfaces) is one SOCK_DGRAM socket bound to
// no interface, as tcpdump -i any does: interfaces of different link types
// (Ethernet, loopback, tun, WireGuard) then give frames of one shape, the
// IP packet, written as raw IP (link type 101) with one pcapng interface
// per real interface; one socket also needs one filter and gives one
// ordered stream, which per-interface sockets would not.
//
// On the loopback interface the kernel shows every packet twice, once
// outgoing and once incoming; like libpcap, Live keeps only the incoming
// copy (a kernel filter prefix rejects outgoing packets on lo).
type Live struct {
	tp       *afpacket.TPacket
	cfg      LiveConfig
	linkType uint16 // of the frames returned
	log      *slog.Logger
	read     atomic.Uint64
	names    sync.Map // ifindex → name
	frame    Frame
}

const (
	liveBlockSize  = 1 << 20
	defaultBuffer  = 32 << 20
	defaultPoll    = 100 * time.Millisecond
	packetOutgoing = 4   // PACKET_OUTGOING, linux/if_packet.h
	arphrdEther    = 1   // linux/if_arp.h
	arphrdLoopback = 772 // linux/if_arp.h
)

// OpenLive opens a live capture. Without the privilege to capture, the error
// wraps ErrPermission and says how to grant it.
func OpenLive(cfg LiveConfig) (*Live, error) {
	if cfg.Interface == "" {
		cfg.Interface = "any"
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = defaultBuffer
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = defaultPoll
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Live{cfg: cfg, log: log.With("component", "capture")}
	iface := cfg.Interface
	cooked := true
	if iface == "any" {
		iface = ""
	} else {
		ifc, err := net.InterfaceByName(iface)
		if err != nil {
			return nil, fmt.Errorf("capture: interface %q: %w (%v)", iface, ErrInterface, err)
		}
		if ifc.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("capture: interface %q is down: %w", iface, ErrInterface)
		}
		switch hwType(iface) {
		case arphrdEther, arphrdLoopback:
			cooked = false
		}
	}
	st := afpacket.SocketRaw
	filterLink := LinkTypeEthernet
	l.linkType = LinkTypeEthernet
	if cooked {
		st = afpacket.SocketDgram
		filterLink = LinkTypeLinuxSLL
		l.linkType = LinkTypeRaw
	}
	blocks := max(cfg.BufferSize/liveBlockSize, 2)
	tp, err := afpacket.NewTPacket(
		afpacket.OptInterface(iface),
		afpacket.OptSocketType(st),
		afpacket.OptTPacketVersion(afpacket.TPacketVersion3),
		afpacket.OptBlockSize(liveBlockSize),
		afpacket.OptNumBlocks(blocks),
		afpacket.OptBlockTimeout(10*time.Millisecond),
		afpacket.OptPollTimeout(cfg.PollInterval),
		// The NIC or the kernel strips 802.1Q tags into metadata: put them
		// back in Ethernet frames, as tcpdump does, so that the file shows
		// the VLAN the packet was on (only tagged frames pay for a copy).
		afpacket.OptAddVLANHeader(!cooked),
	)
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			exe, _ := os.Executable()
			if exe == "" {
				exe = "voiplab"
			}
			return nil, fmt.Errorf("capture: open packet socket on %s: %w: run as root, or grant the capability once with: sudo setcap cap_net_raw,cap_net_admin=eip %s", cfg.Interface, ErrPermission, exe)
		}
		return nil, fmt.Errorf("capture: open packet socket on %s: %w", cfg.Interface, err)
	}
	l.tp = tp
	prog := []xbpf.Instruction{xbpf.RetConstant{Val: 262144}}
	if cfg.Filter != nil {
		prog, err = cfg.Filter(filterLink)
		if err != nil {
			tp.Close()
			return nil, err
		}
	}
	if lo, err := net.InterfaceByName("lo"); err == nil && (iface == "" || iface == "lo") {
		prog = append(skipOutgoing(lo.Index), prog...)
	}
	raw, err := xbpf.Assemble(prog)
	if err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture: assemble filter: %w", err)
	}
	// Packets queued between bind and filter may not match the filter: as
	// libpcap does (set_kernel_filter), attach a filter that rejects all,
	// drain the ring, then attach the real one.
	rejectAll, _ := xbpf.Assemble([]xbpf.Instruction{xbpf.RetConstant{Val: 0}})
	if err := tp.SetBPF(rejectAll); err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture: attach filter: %w", err)
	}
	l.drain()
	if err := tp.SetBPF(raw); err != nil {
		tp.Close()
		return nil, fmt.Errorf("capture: attach filter: %w", err)
	}
	if err := tp.InitSocketStats(); err != nil { // count from here
		tp.Close()
		return nil, fmt.Errorf("capture: packet statistics: %w", err)
	}
	l.log.Info("live capture started", "interface", cfg.Interface, "link_type", l.linkType, "buffer_bytes", blocks*liveBlockSize)
	return l, nil
}

// skipOutgoing is a filter prefix that rejects the outgoing copy of a
// packet on the loopback interface (SKF_AD_PKTTYPE, SKF_AD_IFINDEX), as
// libpcap drops it in user space.
func skipOutgoing(loIndex int) []xbpf.Instruction {
	return []xbpf.Instruction{
		xbpf.LoadExtension{Num: xbpf.ExtType},
		xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: packetOutgoing, SkipTrue: 0, SkipFalse: 3},
		xbpf.LoadExtension{Num: xbpf.ExtInterfaceIndex},
		xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: uint32(loIndex), SkipTrue: 0, SkipFalse: 1},
		xbpf.RetConstant{Val: 0},
	}
}

// drain reads what the ring holds until a poll times out.
func (l *Live) drain() {
	for {
		if _, _, err := l.tp.ZeroCopyReadPacketData(); err != nil {
			return
		}
	}
}

// hwType returns the interface's ARPHRD type from sysfs, or 0.
func hwType(name string) int {
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return 0
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// LinkType returns the link type of the frames ReadFrame returns:
// LinkTypeEthernet, or LinkTypeRaw for a cooked socket.
func (l *Live) LinkType() uint16 { return l.linkType }

// ReadFrame returns the next frame. It returns ErrIdle when nothing arrived
// within the poll interval, and ctx's error once ctx is done. The frame's
// Data is valid until the next call.
func (l *Live) ReadFrame(ctx context.Context) (*Frame, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, ci, err := l.tp.ZeroCopyReadPacketData()
	if err != nil {
		if errors.Is(err, afpacket.ErrTimeout) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, ErrIdle
		}
		return nil, fmt.Errorf("capture: read %s: %w", l.cfg.Interface, err)
	}
	l.read.Add(1)
	l.frame = Frame{
		Data: data, Length: ci.Length, Time: ci.Timestamp,
		LinkType: l.linkType, Interface: l.ifName(ci.InterfaceIndex),
	}
	return &l.frame, nil
}

func (l *Live) ifName(idx int) string {
	if l.cfg.Interface != "any" {
		return l.cfg.Interface
	}
	if n, ok := l.names.Load(idx); ok {
		return n.(string)
	}
	name := fmt.Sprintf("if%d", idx)
	if ifc, err := net.InterfaceByIndex(idx); err == nil {
		name = ifc.Name
	}
	l.names.Store(idx, name)
	return name
}

// Stats returns the kernel's counters (cumulative since OpenLive) and the
// frames read. It is safe to call from another goroutine (on SIGINT).
func (l *Live) Stats() (LiveStats, error) {
	_, v3, err := l.tp.SocketStats()
	if err != nil {
		return LiveStats{}, fmt.Errorf("capture: packet statistics: %w", err)
	}
	return LiveStats{Received: uint64(v3.Packets()), Dropped: uint64(v3.Drops()), Read: l.read.Load()}, nil
}

// Close closes the socket and unmaps the ring.
func (l *Live) Close() error {
	l.tp.Close()
	return nil
}
