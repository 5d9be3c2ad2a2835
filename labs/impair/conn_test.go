package impair_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"voiplab/labs/impair"
)

// TestMain fails the package when a test leaves a goroutine behind: Conn's
// send queue must end at Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// pair returns an impaired sender and a plain receiver on loopback.
func pair(t *testing.T, cfg impair.Config) (*impair.Conn, net.PacketConn) {
	t.Helper()
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rx.Close() })
	tx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := impair.NewConn(tx, mustNew(t, cfg))
	t.Cleanup(func() { c.Close() })
	return c, rx
}

type arrival struct {
	seq  uint32
	sent time.Time
	at   time.Time
}

// exchange sends n numbered packets every step through c and collects what
// rx receives: as many packets as the impairment let through, or what came
// before 5 s of silence (the machine may be loaded: no tighter timing).
func exchange(t *testing.T, c *impair.Conn, rx net.PacketConn, n int, step time.Duration) []arrival {
	t.Helper()
	sent := make([]time.Time, n)
	got := make(chan arrival, n)
	go func() {
		defer close(got)
		buf := make([]byte, 64)
		for {
			rx.SetReadDeadline(time.Now().Add(5 * time.Second))
			k, _, err := rx.ReadFrom(buf)
			if err != nil {
				return
			}
			if k == 12 {
				seq := binary.BigEndian.Uint32(buf)
				got <- arrival{seq: seq, at: time.Now()}
			}
		}
	}()
	for i := range n {
		pkt := make([]byte, 12)
		binary.BigEndian.PutUint32(pkt, uint32(i))
		sent[i] = time.Now()
		if k, err := c.WriteTo(pkt, rx.LocalAddr()); err != nil || k != len(pkt) {
			t.Fatalf("WriteTo: %d, %v", k, err)
		}
		time.Sleep(step)
	}
	s := c.Impairment().Stats()
	want := s.Packets - s.Dropped
	var out []arrival
	for a := range got {
		a.sent = sent[a.seq]
		out = append(out, a)
		if len(out) == want {
			rx.SetReadDeadline(time.Now()) // stop the reader
		}
	}
	return out
}

func TestConnDelayKeepsOrder(t *testing.T) {
	const delay = 30 * time.Millisecond
	c, rx := pair(t, impair.Config{DelayMs: 30, JitterMs: 20, Seed: 9})
	got := exchange(t, c, rx, 50, 5*time.Millisecond)
	if len(got) != 50 {
		t.Fatalf("received %d of 50 packets", len(got))
	}
	for i, a := range got {
		if a.seq != uint32(i) {
			t.Fatalf("packet %d arrived in place %d: jitter must not reorder", a.seq, i)
		}
		// Jitter is ±20 ms around 30: at least 10 ms late.
		if late := a.at.Sub(a.sent); late < delay-20*time.Millisecond {
			t.Errorf("packet %d arrived %v after sending, want ≥ 10ms", a.seq, late)
		}
	}
}

func TestConnLoss(t *testing.T) {
	c, rx := pair(t, impair.Config{LossPct: 30, Seed: 10})
	got := exchange(t, c, rx, 200, 500*time.Microsecond)
	s := c.Impairment().Stats()
	if s.Packets != 200 || len(got) != s.Packets-s.Dropped {
		t.Fatalf("received %d, Stats %+v: want Packets-Dropped received", len(got), s)
	}
	if s.Dropped < 30 || s.Dropped > 90 {
		t.Errorf("dropped %d of 200 at 30 %%", s.Dropped)
	}
}

func TestConnReorder(t *testing.T) {
	// Held packets wait 200 ms, ten times the packet interval, so that
	// later packets overtake them even on a loaded machine.
	c, rx := pair(t, impair.Config{ReorderPct: 20, ReorderMs: 200, Seed: 11})
	got := exchange(t, c, rx, 100, 2*time.Millisecond)
	if len(got) != 100 {
		t.Fatalf("received %d of 100", len(got))
	}
	late := 0
	for i := 1; i < len(got); i++ {
		if got[i].seq < got[i-1].seq {
			late++
		}
	}
	if held := c.Impairment().Stats().Reordered; late == 0 || late > held {
		t.Errorf("%d packets arrived after a later one, %d held back", late, held)
	}
}

func TestConnClose(t *testing.T) {
	c, rx := pair(t, impair.Config{DelayMs: 10_000})
	if _, err := c.WriteTo([]byte("queued for 10 s"), rx.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close waited %v for a queued packet", d)
	}
	if _, err := c.WriteTo([]byte("x"), rx.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("WriteTo after Close: %v, want net.ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestConnDrain: after Drain, every packet the impairment delayed has left,
// so closing the conn then loses none of them.
func TestConnDrain(t *testing.T) {
	c, rx := pair(t, impair.Config{DelayMs: 80, JitterMs: 20, Seed: 4})
	for i := range 20 {
		pkt := make([]byte, 12)
		binary.BigEndian.PutUint32(pkt, uint32(i))
		if _, err := c.WriteTo(pkt, rx.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	c.Drain(context.Background(), 5*time.Second)
	c.Close()
	n := 0
	buf := make([]byte, 64)
	for {
		rx.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, _, err := rx.ReadFrom(buf); err != nil {
			break
		}
		n++
	}
	if n != 20 {
		t.Errorf("%d of 20 delayed packets arrived after Drain and Close", n)
	}
}
