package impair

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is a net.PacketConn whose writes go through an Impairment. Reads,
// addresses and deadlines are those of the wrapped connection. Create it with
// NewConn and Close it: Close stops the send queue's goroutine.
type Conn struct {
	net.PacketConn
	imp *Impairment
	log *slog.Logger

	mu      sync.Mutex
	queue   sendQueue
	seq     uint64 // arrival order, to keep FIFO among equal send times
	writing bool   // the sender goroutine is writing packets it popped
	closed  bool

	wake      chan struct{}
	done      chan struct{}
	exited    chan struct{}
	closeOnce sync.Once
	closeErr  error

	writeErrors atomic.Uint64
}

// ConnOption configures a Conn.
type ConnOption func(*Conn)

// WithLogger sets the logger for send errors of delayed packets (the first
// one, then a count at Close). The default discards.
func WithLogger(log *slog.Logger) ConnOption {
	return func(c *Conn) {
		if log != nil {
			c.log = log
		}
	}
}

// NewConn wraps pc so that WriteTo applies imp. The Conn owns pc: Close
// closes it.
func NewConn(pc net.PacketConn, imp *Impairment, opts ...ConnOption) *Conn {
	c := &Conn{
		PacketConn: pc,
		imp:        imp,
		log:        slog.New(slog.DiscardHandler),
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		exited:     make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	c.log = c.log.With("component", "impair")
	go c.run()
	return c
}

// Impairment returns the impairment applied to writes.
func (c *Conn) Impairment() *Impairment { return c.imp }

// WriteErrors is the number of delayed packets whose write failed (a write
// that is not delayed returns its error to the caller instead).
func (c *Conn) WriteErrors() uint64 { return c.writeErrors.Load() }

// WriteTo impairs one packet: a lost packet is reported as written and
// vanishes, a packet due now is written at once (its error returned), a
// delayed one is copied into the send queue and written at its time.
func (c *Conn) WriteTo(b []byte, addr net.Addr) (int, error) {
	now := time.Now()
	drop, at := c.imp.Decide(now)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, fmt.Errorf("impair: write: %w", net.ErrClosed)
	}
	if drop {
		c.mu.Unlock()
		return len(b), nil
	}
	if !at.After(now) && len(c.queue) == 0 && !c.writing {
		c.mu.Unlock()
		return c.PacketConn.WriteTo(b, addr)
	}
	c.seq++
	heap.Push(&c.queue, &pending{at: at, seq: c.seq, data: append([]byte(nil), b...), addr: addr})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return len(b), nil
}

// Drain waits until every packet queued for later (delay, jitter,
// reordering) has been written, at most max, or until ctx ends. A phone calls
// it when it stops sending, before it hangs up, so that the packets still "on
// the wire" reach a peer that still listens.
func (c *Conn) Drain(ctx context.Context, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c.mu.Lock()
		n := len(c.queue)
		c.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Close stops the send queue (packets still waiting are discarded, as a
// link going down would) and closes the wrapped connection. It waits for the
// queue's goroutine to end.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		discarded := len(c.queue)
		c.queue = nil
		c.mu.Unlock()
		close(c.done)
		<-c.exited
		if n := c.writeErrors.Load(); n > 0 || discarded > 0 {
			c.log.Info("impaired conn closed", "write_errors", n, "discarded", discarded)
		}
		c.closeErr = c.PacketConn.Close()
	})
	return c.closeErr
}

// run is the send queue's goroutine: it sleeps until the earliest packet is
// due or a new packet arrives, writes every due packet in order, and ends at
// Close.
func (c *Conn) run() {
	defer close(c.exited)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var due []*pending
	for {
		c.mu.Lock()
		now := time.Now()
		due = due[:0]
		for len(c.queue) > 0 && !c.queue[0].at.After(now) {
			due = append(due, heap.Pop(&c.queue).(*pending))
		}
		wait := time.Duration(-1)
		if len(c.queue) > 0 {
			wait = c.queue[0].at.Sub(now)
		}
		c.writing = len(due) > 0
		c.mu.Unlock()

		for _, p := range due {
			if _, err := c.PacketConn.WriteTo(p.data, p.addr); err != nil {
				if c.writeErrors.Add(1) == 1 {
					c.log.Warn("delayed write failed", "dst", p.addr.String(), "err", err)
				}
			}
		}
		if len(due) > 0 {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			continue // more may have fallen due while writing
		}

		// Go 1.23+ timers: Stop and Reset need no draining.
		timer.Stop()
		if wait >= 0 {
			timer.Reset(wait)
		}
		select {
		case <-c.done:
			return
		case <-c.wake:
		case <-timer.C:
		}
	}
}

// pending is one delayed packet.
type pending struct {
	at   time.Time
	seq  uint64
	data []byte
	addr net.Addr
}

// sendQueue is a min-heap of pending packets by send time, then arrival.
type sendQueue []*pending

func (q sendQueue) Len() int { return len(q) }
func (q sendQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].seq < q[j].seq
	}
	return q[i].at.Before(q[j].at)
}
func (q sendQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *sendQueue) Push(x any)   { *q = append(*q, x.(*pending)) }
func (q *sendQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return p
}
