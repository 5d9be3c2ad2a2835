package analyze

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"voiplab/analyze/sipmsg"
	"voiplab/capture"
)

// Analyzer consumes datagrams in capture order and builds a Result. It keeps
// per-call and per-stream state only: memory grows with the number of calls
// and streams, not with the number of packets. An Analyzer is not safe for
// concurrent use.
type Analyzer struct {
	opts Options
	log  *slog.Logger

	files []File

	// SIP
	dialogs     map[string]*dialog // by Call-ID
	dialogOrder []*dialog
	seen        map[msgKey]struct{} // for retransmission detection
	other       []Message
	findings    []Finding // findings that belong to no call
	sec         security
	sipParser   sipmsg.Parser // for Datagram (Run parses ahead with its own)
	addrTexts   map[netip.AddrPort]string

	// media
	endpoints  map[netip.AddrPort]*endpoint // RTP/RTCP addresses announced in SDP
	streams    map[streamKey]*stream
	streamList []*stream
	bySSRC     map[uint32][]*stream
	orphanRTCP []rtcpEvent // RTCP about SSRCs not seen (yet)

	truncated int
	malformed int

	// live mode
	callStreams map[string][]*stream
	lastFlush   time.Time
	nextStream  int
	reported    map[string]bool // security findings already sent as events
}

// New returns an Analyzer with the given options.
func New(opts Options) *Analyzer {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	def := DefaultOptions()
	if opts.Thresholds == (Thresholds{}) {
		opts.Thresholds = def.Thresholds
	}
	if opts.MaxRTCPPerStream == 0 {
		opts.MaxRTCPPerStream = def.MaxRTCPPerStream
	}
	if opts.Linger == 0 {
		opts.Linger = 4 * time.Second
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	return &Analyzer{
		opts:      opts,
		log:       opts.Logger.With("component", "analyze"),
		dialogs:   make(map[string]*dialog),
		seen:      make(map[msgKey]struct{}),
		endpoints: make(map[netip.AddrPort]*endpoint),
		streams:   make(map[streamKey]*stream),
		bySSRC:    make(map[uint32][]*stream),
		sec:       newSecurity(),

		callStreams: make(map[string][]*stream),
		reported:    make(map[string]bool),
	}
}

// AddFile records a capture file that was read (call it after its last datagram).
func (a *Analyzer) AddFile(info capture.FileInfo) {
	w := info.Warnings
	if w == nil {
		w = []string{}
	}
	a.files = append(a.files, File{
		Path: info.Path, Format: info.Format, LinkType: info.LinkType,
		Packets: info.Packets, Start: info.Start, End: info.End, Warnings: w,
	})
}

// Datagram analyses one datagram. The datagram and its payload may be reused
// by the caller after the call returns.
func (a *Analyzer) Datagram(d *capture.Datagram) { a.datagram(d, nil) }

// datagram analyses one datagram; sip, when not nil and done, is its SIP
// message parsed ahead (readahead.go).
func (a *Analyzer) datagram(d *capture.Datagram, sip *parsed) {
	if a.live() && d.Time.Sub(a.lastFlush) >= time.Second {
		a.Flush(d.Time)
	}
	if d.Truncated && voipRelevant(d) {
		a.truncatedDatagram(d)
	}
	p := d.Payload
	if len(p) == 0 {
		return
	}
	if sip != nil && sip.done {
		a.sipDatagram(d, sip)
		return
	}
	if sip == nil && looksLikeSIP(p) {
		pp := parseSIP(&a.sipParser, p)
		a.sipDatagram(d, &pp)
		return
	}
	if d.Transport != capture.UDP || d.Truncated {
		return
	}
	a.mediaDatagram(d)
}

// voipRelevant reports whether a datagram may be SIP, RTP or RTCP: only
// those are worth a truncated-packet finding (a cut FTP or DNS packet is
// not our business).
func voipRelevant(d *capture.Datagram) bool {
	p := d.Payload
	if looksLikeSIP(p) {
		return true
	}
	if d.Transport != capture.UDP {
		return false
	}
	sipPort := func(p uint16) bool { return p == 5060 || p == 5061 }
	return sipPort(d.Src.Port()) || sipPort(d.Dst.Port()) || len(p) > 0 && p[0]>>6 == 2 && !wellKnownUDP[d.Src.Port()] && !wellKnownUDP[d.Dst.Port()]
}

func (a *Analyzer) truncatedDatagram(d *capture.Datagram) {
	a.truncated++
	if a.truncated > 1000 { // bound the findings of a badly cut capture
		return
	}
	a.findings = append(a.findings, newFinding(CodeTruncatedPacket, "", []int{d.Frame}, map[string]string{
		"frame":  itoa(d.Frame),
		"detail": fmt.Sprintf("%s %s → %s, %d bytes of payload captured", d.Transport, d.Src, d.Dst, len(d.Payload)),
	}))
}

// Run reads the capture files in order and analyses them. progress, when not
// nil, is called now and then with the bytes read and the total of the
// current file. Only an unreadable file is an error; everything else in a
// capture becomes a finding or a warning.
func Run(ctx context.Context, paths []string, opts Options, progress func(done, total int64)) (*Result, error) {
	a := New(opts)
	for _, path := range paths {
		if err := a.readFile(ctx, path, progress); err != nil {
			return nil, err
		}
	}
	return a.Result(), nil
}

func (a *Analyzer) readFile(ctx context.Context, path string, progress func(done, total int64)) error {
	r, err := capture.Open(path)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer r.Close()
	if runtime.GOMAXPROCS(0) < 2 {
		// One CPU: reading ahead would only add a copy of every payload.
		return a.readDirect(ctx, path, r, progress)
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan *batch, batchesInFlight)
	free := make(chan *batch, batchesInFlight)
	for range batchesInFlight {
		free <- &batch{ds: make([]capture.Datagram, 0, batchDatagrams),
			sip: make([]parsed, 0, batchDatagrams), arena: make([]byte, 0, batchArena)}
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		readAhead(ctx, r, free, out)
	}()
	// the reader is closed only once the read-ahead goroutine has stopped
	defer func() {
		cancel()
		for range out { // let it finish a blocked send
		}
		<-stopped
	}()
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, ok := <-out
		if !ok {
			return ctx.Err()
		}
		for i := range b.ds {
			a.datagram(&b.ds[i], &b.sip[i])
		}
		if progress != nil && (n&0x3f == 0 || b.eof) {
			progress(b.done, b.total)
		}
		if b.err != nil {
			return fmt.Errorf("analyze: %s: %w", path, b.err)
		}
		if b.eof {
			a.AddFile(b.info)
			return nil
		}
		free <- b
	}
}

// readDirect analyses r on this goroutine, each datagram as it is decoded.
func (a *Analyzer) readDirect(ctx context.Context, path string, r *capture.Reader, progress func(done, total int64)) error {
	for n := 0; ; n++ {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if progress != nil {
				progress(r.Progress())
			}
		}
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("analyze: %s: %w", path, err)
		}
		a.Datagram(d)
	}
	if progress != nil {
		progress(r.Progress())
	}
	a.AddFile(r.Info())
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func msPtr(d time.Duration) *float64 {
	v := round3(ms(d))
	return &v
}

func round3(f float64) float64 {
	if f < 0 {
		return -round3(-f)
	}
	return float64(int64(f*1000+0.5)) / 1000
}
