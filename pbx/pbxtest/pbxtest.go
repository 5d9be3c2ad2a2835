// Package pbxtest starts a PBX for tests on loopback with random ports and a
// temporary data directory, and stops it at the end of the test, checking
// that it left no goroutine behind (go.uber.org/goleak), in the manner of
// tailscale's net/stun/stuntest.
package pbxtest

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"voiplab/pbx"
	"voiplab/pbx/config"
)

// Running is a started PBX.
type Running struct {
	Server  *pbx.Server
	Config  config.Config // as started (ports 0 replaced in Addrs, not here)
	UDP     netip.AddrPort
	TCP     netip.AddrPort
	Admin   string // admin API host:port
	DataDir string
	Store   string // the SQLite file

	cancel context.CancelFunc
	done   chan error
	stop   bool
}

// Start runs a PBX with cfg. Unless cfg already names loopback addresses,
// SIP listens on 127.0.0.1 (UDP and TCP on one random port) and the admin API
// on a random loopback port; unless cfg.DataDir was changed from the
// default, the data directory is a t.TempDir. The PBX stops at the end of
// the test (or at Stop), and the test fails if Serve returned an error or
// goroutines leaked.
func Start(t testing.TB, cfg config.Config, opts ...pbx.Option) *Running {
	t.Helper()
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(),
		// sipgo's reader of a UDP connection that a client dialed ends only
		// when a read fails after the UA closed it (as pbx/b2bua's tests note).
		goleak.IgnoreAnyFunction("github.com/emiago/sipgo/sip.(*TransportUDP).readUDPConnection")}
	if !strings.HasPrefix(cfg.Listen.UDP, "127.") && !strings.HasPrefix(cfg.Listen.TCP, "127.") {
		cfg.Listen.UDP, cfg.Listen.TCP = "127.0.0.1:0", "127.0.0.1:0"
	}
	if !strings.HasPrefix(cfg.Admin.Addr, "127.") || cfg.Admin.Addr == config.DefaultConfig().Admin.Addr {
		cfg.Admin.Addr = "127.0.0.1:0"
	}
	if cfg.DataDir == config.DefaultConfig().DataDir {
		cfg.DataDir = t.TempDir()
	}
	srv, err := pbx.New(cfg, opts...)
	if err != nil {
		t.Fatalf("pbxtest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{Server: srv, Config: cfg, DataDir: cfg.DataDir, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Serve(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-r.done:
		cancel()
		t.Fatalf("pbxtest: serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("pbxtest: the PBX did not start within 10 s")
	}
	a := srv.Addrs()
	r.UDP, r.TCP, r.Admin, r.Store = a.UDP, a.TCP, a.Admin, a.Store
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("pbxtest: serve: %v", err)
		}
		if err := goleak.Find(leakOpts...); err != nil {
			t.Errorf("pbxtest: goroutines left after the PBX stopped: %v", err)
		}
	})
	return r
}

// Stop stops the PBX (graceful stop, drain_time applies) and returns what
// Serve returned. It may be called more than once.
func (r *Running) Stop() error {
	if r.stop {
		return nil
	}
	r.stop = true
	r.cancel()
	select {
	case err := <-r.done:
		return err
	case <-time.After(r.Config.DrainTime.D() + 30*time.Second):
		return context.DeadlineExceeded
	}
}
