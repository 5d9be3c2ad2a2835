// Package admin is the PBX's admin HTTP API, on loopback by default:
// /status (uptime, registrations, active calls), /registrations and /calls
// (JSON lists) and Prometheus /metrics. Client reads it for
// `voiplab pbx status`.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// ErrForbidden is the client error when the PBX refused the caller's address.
var ErrForbidden = errors.New("admin: forbidden")

// Status is the /status document.
type Status struct {
	Domain        string    `json:"domain"`
	Started       time.Time `json:"started"`
	UptimeSeconds float64   `json:"uptime_s"`
	Registrations int       `json:"registrations"`
	ActiveCalls   int       `json:"active_calls"`
	Draining      bool      `json:"draining"`
	Listen        []string  `json:"listen"` // "udp 0.0.0.0:5060"...
	// BlacklistedCount source addresses are blacklisted now
	// (security.max_failed_auth); Blacklisted lists the first 100.
	BlacklistedCount int   `json:"blacklisted_count"`
	Blacklisted      []Ban `json:"blacklisted,omitempty"`
}

// Ban is one blacklisted source address and the end of its ban.
type Ban struct {
	Addr  string    `json:"addr"`
	Until time.Time `json:"until"`
}

// Source is what the API shows; the PBX implements it.
type Source interface {
	Status() Status
	Registrations() any // a JSON array
	Calls() any         // a JSON array
}

// Handler returns the API. metrics serves /metrics (nil: 404). Requests
// from an address outside allow get 403 (empty allow: any address).
func Handler(src Source, metrics http.Handler, allow []netip.Prefix, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	js := func(f func() any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			if err := enc.Encode(f()); err != nil {
				log.Debug("admin write", "error", err)
			}
		}
	}
	mux.Handle("GET /status", js(func() any { return src.Status() }))
	mux.Handle("GET /registrations", js(src.Registrations))
	mux.Handle("GET /calls", js(src.Calls))
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	// Go runtime profiles, for `make bench` and troubleshooting a lab box
	// (the admin API is loopback-only by default).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(allow) > 0 && !allowed(r.RemoteAddr, allow) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func allowed(remote string, allow []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Serve runs the API on l until ctx is done; a closed listener is a clean stop.
func Serve(ctx context.Context, l net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // then Serve returns ErrServerClosed
	}()
	err := srv.Serve(l)
	close(done)
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("admin: %w", err)
}

// Client reads a PBX's admin API.
type Client struct {
	Addr string // host:port
	HTTP *http.Client
}

// Get fetches path ("/status", "/registrations", "/calls") and decodes the
// JSON into v.
func (c Client) Get(ctx context.Context, path string, v any) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.Addr+path, nil)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: %s%s", ErrForbidden, c.Addr, path)
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("admin: %s%s: %s", c.Addr, path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		return fmt.Errorf("admin: %s%s: %w", c.Addr, path, err)
	}
	return nil
}
