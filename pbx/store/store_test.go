package store_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"voiplab/pbx/cdr"
	"voiplab/pbx/store"
)

func TestBindingsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	live := store.Binding{User: "200", Contact: "sip:200@10.0.0.2:5060", Source: netip.MustParseAddrPort("192.0.2.1:5062"),
		Transport: "UDP", Expires: now.Add(time.Hour), CallID: "c1", CSeq: 7, UserAgent: "phone"}
	dead := live
	dead.Contact, dead.Expires = "sip:200@10.0.0.3", now.Add(-time.Second)
	other := live
	other.User, other.Contact = "201", "sip:201@h"
	if err := s.ApplyBindings(ctx, []store.BindingOp{{Binding: live}, {Binding: dead}, {Binding: other}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Bindings(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != live || got[1].User != "201" {
		t.Fatalf("bindings after reopen: %+v", got)
	}
	if err := s.DeleteBinding(ctx, "201", ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Bindings(ctx, now)
	if len(got) != 1 {
		t.Fatalf("after delete: %+v", got)
	}
}

func TestCDRAndSecrets(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if recs, err := s.CDRs(ctx); err != nil || len(recs) != 0 || recs == nil {
		t.Fatalf("empty CDRs = %v, %v", recs, err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	ans := start.Add(2 * time.Second)
	r1 := cdr.Record{CallID: "a", From: "200", To: "201", Start: start, Answer: &ans, End: ans.Add(time.Minute),
		Status: 200, Reason: "OK", DurationMs: 60000, Codec: "PCMA", Media: cdr.MediaRelay,
		RTP: []cdr.Direction{{Direction: "caller->callee", Packets: 3000, Lost: 2, JitterMs: 0.5, MOS: 4.3}}}
	r2 := cdr.Record{CallID: "b", From: "200", To: "299", Start: start, End: start, Status: 480, Reason: "Temporarily Unavailable"}
	for _, r := range []cdr.Record{r1, r2} {
		if err := s.AddCDR(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.CDRs(ctx)
	if err != nil || len(got) != 2 {
		t.Fatal(got, err)
	}
	if !got[0].Start.Equal(start) || got[0].Answer == nil || !got[0].Answer.Equal(ans) || got[0].RTP[0] != r1.RTP[0] ||
		got[0].Codec != "PCMA" || got[1].Answer != nil || got[1].Status != 480 {
		t.Errorf("CDRs read back: %+v", got)
	}
	if _, ok, err := s.Secret(ctx, "ext/200"); ok || err != nil {
		t.Errorf("missing secret: %v %v", ok, err)
	}
	if err := s.SetSecret(ctx, "ext/200", "x"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Secret(ctx, "ext/200"); v != "x" || !ok || err != nil {
		t.Errorf("secret = %q %v %v", v, ok, err)
	}
}
