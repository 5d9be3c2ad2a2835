package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"voiplab/capture"
	"voiplab/labs/impair"
	"voiplab/labs/phone"
	"voiplab/pbx"
	"voiplab/pbx/config"
)

// Lab addresses: the PBX on 127.0.0.10, and phones from 127.0.0.11 up (the
// issue's plan, so that a ladder shows distinct hosts). RunOptions.Subnet
// moves them all to 127.S.0.x.
const pbxIP = "127.0.0.10"

// addr moves a scenario's 127.0.0.x address into the run's subnet.
func addr(ip string, subnet uint8, port uint16) netip.AddrPort {
	a := netip.MustParseAddr(ip).As4()
	a[1] = subnet
	return netip.AddrPortFrom(netip.AddrFrom4(a), port)
}

const domain = "lab.local"

// phoneSpec is one phone of a scenario.
type phoneSpec struct {
	user, ip string
	codecs   []string
	// password overrides the extension's (a wrong password); "" is the
	// right one.
	password string
	nat      bool // writes 192.168.1.50 in its SDP
	impair   *impair.Config
	events   bool // DTMF on PT 101 without negotiation
	late     time.Duration
}

// world is one capture of a lab: the tap, the PBX when there is one, the
// phones.
type world struct {
	log     *slog.Logger
	seed    uint64
	usePBX  bool
	pbxAddr netip.AddrPort
	file    *os.File
	tap     *capture.Tap
	srv     *pbx.Server
	phones  map[string]*phone.Phone
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	pbxErr  error
	dataDir string
}

// passwords of the lab's extensions: known, so that phones can register.
func password(user string) string { return "lab-" + user + "-secret" }

// newWorld opens the capture file and starts the PBX (relay is its
// media.relay mode, "" for no PBX) and the phones.
func newWorld(ctx context.Context, path string, relay string, pbxView bool, phones []phoneSpec, seed uint64, subnet uint8, log *slog.Logger) (*world, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	w, err := capture.NewWriter(f, capture.WriterOptions{Comment: "voiplab lab"})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("runner: %w", err)
	}
	wd := &world{log: log, seed: seed, usePBX: relay != "", pbxAddr: addr(pbxIP, subnet, 5060),
		file: f, tap: capture.NewTap(w), phones: map[string]*phone.Phone{}}
	ctx, wd.cancel = context.WithCancel(ctx)
	if wd.usePBX {
		if err := wd.startPBX(ctx, relay, phones); err != nil {
			wd.close()
			return nil, err
		}
	}
	// Every datagram is recorded once, at a phone: what it sends, before
	// the write, and what it reads from the PBX, in its read loop before it
	// can answer. The PBX's own tap (pbx.WithTap) is not used: capture.Tap
	// records a write after the write returns, so a phone's fast answer
	// (an ACK, a 401) could be recorded before the request it answers, and
	// the analysis then saw a missing ACK (see the report to the lead).
	// pbxView keeps only what the PBX sends or receives.
	rec := func(src, dst netip.AddrPort, p []byte) {
		if pbxView && src.Addr() != wd.pbxAddr.Addr() && dst.Addr() != wd.pbxAddr.Addr() {
			return
		}
		wd.tap.Record(capture.UDP, src, dst, p)
	}
	fromPBX := func(a netip.Addr) bool { return wd.usePBX && a == wd.pbxAddr.Addr() }
	for i, ps := range phones {
		pw := ps.password
		if pw == "" {
			pw = password(ps.user)
		}
		cfg := phone.Config{User: ps.user, Password: pw, Domain: domain,
			Addr: addr(ps.ip, subnet, 5060), Codecs: ps.codecs,
			MediaPort: 16000, RTCPInterval: 2 * time.Second, Impair: ps.impair,
			EventsWithoutNegotiation: ps.events, Seed: seed*1000 + uint64(i), MediaDelay: ps.late,
			Record: rec, RecordFrom: fromPBX, Reachable: func(a netip.Addr) bool { return a.IsLoopback() }, Logger: log}
		if ps.nat {
			cfg.SDPAddr = netip.MustParseAddr("192.168.1.50")
		}
		if ps.impair != nil {
			c := *ps.impair
			c.Seed = seed*1000 + uint64(i)
			cfg.Impair = &c
		}
		p, err := phone.New(cfg)
		if err != nil {
			wd.close()
			return nil, err
		}
		wd.phones[ps.user] = p
		wd.wg.Add(1)
		go func() { defer wd.wg.Done(); _ = p.Serve(ctx) }()
	}
	return wd, nil
}

func (wd *world) startPBX(ctx context.Context, relay string, phones []phoneSpec) error {
	dir, err := os.MkdirTemp("", "voiplab-lab-pbx-")
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	wd.dataDir = dir
	cfg := config.DefaultConfig()
	cfg.Domain = domain
	cfg.Listen = config.Listen{UDP: wd.pbxAddr.String()}
	cfg.DataDir = dir
	cfg.Media.Relay = relay
	cfg.Media.RTPPorts = "30000-30999"
	cfg.Admin.Addr = ""
	cfg.DrainTime = config.Duration(100 * time.Millisecond)
	cfg.Extensions = nil
	for _, ps := range phones {
		if ps.user == "299" {
			continue // the unknown extension of the registration lab
		}
		cfg.Extensions = append(cfg.Extensions, config.Extension{Number: ps.user, Name: "Phone " + ps.user,
			Password: config.Secret(password(ps.user))})
	}
	srv, err := pbx.New(cfg, pbx.WithLogger(wd.log))
	if err != nil {
		return err
	}
	wd.srv = srv
	done := make(chan struct{})
	wd.wg.Add(1)
	go func() {
		defer wd.wg.Done()
		defer close(done)
		wd.pbxErr = srv.Serve(ctx)
	}()
	select {
	case <-srv.Ready():
		return nil
	case <-done:
		return fmt.Errorf("runner: pbx: %w", wd.pbxErr)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%w: the pbx did not start in 5 s", ErrStep)
	}
}

// close stops everything and writes the capture file.
func (wd *world) close() error {
	wd.cancel()
	wd.wg.Wait()
	err := wd.tap.Flush()
	if cerr := wd.file.Close(); err == nil {
		err = cerr
	}
	if wd.dataDir != "" {
		os.RemoveAll(wd.dataDir)
	}
	if wd.pbxErr != nil && !errors.Is(wd.pbxErr, context.Canceled) && err == nil {
		err = fmt.Errorf("runner: pbx: %w", wd.pbxErr)
	}
	return err
}

// target is the URI that reaches user: through the PBX, or the phone's own
// address for a direct call.
func (wd *world) target(user string) string {
	if wd.usePBX {
		return "sip:" + user + "@" + wd.pbxAddr.String()
	}
	p := wd.phones[user]
	return "sip:" + user + "@" + p.Addr().String()
}

func (wd *world) register(ctx context.Context, users ...string) error {
	for _, u := range users {
		if _, err := wd.phones[u].Register(ctx, wd.pbxAddr, 3600); err != nil {
			return fmt.Errorf("%w: register %s: %w", ErrStep, u, err)
		}
	}
	return nil
}

// call makes one call from → to, both sides talking for talk (from
// sends digits), and hangs up; wantStatus > 0 expects that rejection
// instead.
func (wd *world) call(ctx context.Context, from, to string, talk time.Duration, digits string, wantStatus int) error {
	callee := wd.phones[to]
	c, err := wd.phones[from].Call(ctx, wd.target(to))
	if wantStatus > 0 {
		var re *phone.RejectedError
		if errors.As(err, &re) && re.Status == wantStatus {
			return nil
		}
		if err == nil {
			_ = c.Hangup(ctx)
		}
		return fmt.Errorf("%w: call %s → %s: want %d, got %v", ErrStep, from, to, wantStatus, err)
	}
	if err != nil {
		return fmt.Errorf("%w: call %s → %s: %w", ErrStep, from, to, err)
	}
	var in *phone.Call
	select {
	case in = <-callee.Incoming():
	case <-time.After(3 * time.Second):
		_ = c.Hangup(ctx)
		return fmt.Errorf("%w: call %s → %s: the callee never saw it", ErrStep, from, to)
	}
	errc := make(chan error, 1)
	go func() { errc <- in.Talk(ctx, talk, "") }()
	err = c.Talk(ctx, talk, digits)
	if err2 := <-errc; err == nil {
		err = err2
	}
	time.Sleep(300 * time.Millisecond) // delayed (jittered) packets land before the BYE
	if herr := c.Hangup(ctx); err == nil && herr != nil {
		err = fmt.Errorf("%w: hang up %s → %s: %w", ErrStep, from, to, herr)
	}
	select {
	case <-in.Ended():
	case <-time.After(2 * time.Second):
	}
	return err
}
