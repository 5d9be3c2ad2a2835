package pbx

import (
	"net/netip"
	"testing"
	"time"
)

func TestBlacklistRules(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, b := netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("192.0.2.8")

	if newBlacklist(0, time.Hour, clock) != nil || newBlacklist(3, 0, clock) != nil {
		t.Fatal("max_failed_auth 0 or blacklist_seconds 0 must disable the blacklist")
	}
	var off *blacklist
	if banned, _ := off.failed(a); banned || off.blocked(a) {
		t.Fatal("a disabled blacklist bans")
	}

	bl := newBlacklist(3, time.Hour, clock)
	for i := 1; i <= 2; i++ {
		if banned, _ := bl.failed(a); banned {
			t.Fatalf("banned after %d failures, want 3", i)
		}
	}
	bl.succeeded(a) // a success starts the count again
	bl.failed(a)
	bl.failed(a)
	if bl.blocked(a) {
		t.Fatal("failures before a success counted")
	}
	// failures further apart than failWindow do not add up
	now = now.Add(failWindow + time.Second)
	if banned, _ := bl.failed(a); banned {
		t.Fatal("stale failures counted")
	}
	bl.failed(a)
	banned, until := bl.failed(a)
	if !banned || !until.Equal(now.Add(time.Hour)) || !bl.blocked(a) {
		t.Fatalf("third failure in a row: banned %v until %v", banned, until)
	}
	// the IPv4-mapped form of a banned address is the same source
	if !bl.blocked(netip.AddrFrom16(a.As16())) {
		t.Error("IPv4-mapped address not blocked")
	}
	if _, n := bl.list(10); bl.blocked(b) || n != 1 {
		t.Errorf("another source blocked or count %d", n)
	}
	now = now.Add(time.Hour)
	if _, n := bl.list(10); bl.blocked(a) || n != 0 {
		t.Error("the ban did not expire")
	}
}

func TestBlacklistBounded(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	bl := newBlacklist(2, time.Minute, func() time.Time { return now })
	for i := range maxTracked + 1000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		bl.failed(a)
		bl.failed(a)
	}
	if len(bl.banned) > maxTracked || len(bl.fails) > maxTracked {
		t.Fatalf("%d bans, %d failure records: want at most %d each", len(bl.banned), len(bl.fails), maxTracked)
	}
	now = now.Add(time.Minute)
	a := netip.MustParseAddr("192.0.2.1")
	bl.failed(a)
	if banned, _ := bl.failed(a); !banned {
		t.Fatal("a full blacklist whose bans expired refused a new ban")
	}
}
