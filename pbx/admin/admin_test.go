package admin_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"voiplab/pbx/admin"
)

type src struct{}

func (src) Status() admin.Status {
	return admin.Status{Domain: "lab.local", Registrations: 2, ActiveCalls: 1}
}
func (src) Registrations() any { return []map[string]string{{"user": "200"}, {"user": "201"}} }
func (src) Calls() any         { return []string{} }

func TestServeAndClient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow []netip.Prefix
		want  error
	}{
		{"loopback allowed", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, nil},
		{"refused", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, admin.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- admin.Serve(ctx, l, admin.Handler(src{}, http.NotFoundHandler(), tc.allow, nil)) }()
			c := admin.Client{Addr: l.Addr().String()}
			var st admin.Status
			err = c.Get(ctx, "/status", &st)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Get = %v, want %v", err, tc.want)
			}
			if err == nil {
				var regs []map[string]string
				if st.Registrations != 2 || st.Domain != "lab.local" || c.Get(ctx, "/registrations", &regs) != nil || len(regs) != 2 {
					t.Errorf("status %+v regs %v", st, regs)
				}
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve = %v", err)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("Serve did not stop")
			}
		})
	}
}
