package pbx

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"voiplab/pbx/config"
)

func TestQuantile(t *testing.T) {
	buckets := []float64{0, 0.001, 0.01, 0.1, 1}
	for _, tc := range []struct {
		name        string
		counts, was []uint64
		want        float64
	}{
		{"too few events", []uint64{10, 0, 0, 0}, []uint64{0, 0, 0, 0}, 0},
		{"fast", []uint64{1000, 10, 0, 0}, []uint64{0, 0, 0, 0}, 0},
		{"slow tail over 10 %", []uint64{100, 10, 50, 0}, []uint64{0, 0, 0, 0}, 0.01},
		{"only the new events count", []uint64{1100, 10, 50, 0}, []uint64{100, 10, 50, 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := quantile(buckets, tc.counts, tc.was, 0.9); got != tc.want {
				t.Errorf("quantile = %v, want %v", got, tc.want)
			}
		})
	}
}

type recTx struct {
	sip.ServerTransaction
	mu  sync.Mutex
	res *sip.Response
}

func (r *recTx) Respond(res *sip.Response) error { r.mu.Lock(); r.res = res; r.mu.Unlock(); return nil }

func TestGuard(t *testing.T) {
	s, err := New(config.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	req := func(auth bool) *sip.Request {
		r := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "lab.local"})
		r.SetTransport("TCP") // UDP is shed before parsing (TestStateless503)
		r.AppendHeader(sip.NewHeader("Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1"))
		r.AppendHeader(sip.NewHeader("From", "<sip:200@lab.local>;tag=1"))
		r.AppendHeader(sip.NewHeader("To", "<sip:200@lab.local>"))
		r.AppendHeader(sip.NewHeader("Call-ID", "c"))
		r.AppendHeader(sip.NewHeader("CSeq", "1 REGISTER"))
		if auth {
			r.AppendHeader(sip.NewHeader("Authorization", `Digest username="200"`))
		}
		return r
	}
	called := 0
	h := s.guard(func(*sip.Request, sip.ServerTransaction) { called++ })
	s.load.shed.Store(1000)
	tx := &recTx{}
	h(req(false), tx)
	if called != 0 || tx.res == nil || tx.res.StatusCode != 503 || tx.res.GetHeader("Retry-After") == nil {
		t.Errorf("overloaded, fresh request: called %d, %v", called, tx.res)
	}
	h(req(true), &recTx{})
	if called != 1 {
		t.Error("overloaded: the authenticated step was shed")
	}
	s.load.shed.Store(0)
	h(req(false), &recTx{})
	if called != 2 {
		t.Error("not overloaded: request shed")
	}
	// a panicking handler answers 500 and does not crash
	tx = &recTx{}
	s.guard(func(*sip.Request, sip.ServerTransaction) { panic("boom") })(req(false), tx)
	if tx.res == nil || tx.res.StatusCode != 500 {
		t.Errorf("panic: %v", tx.res)
	}
	if s.inFlight.Load() != 0 {
		t.Errorf("in flight %d after the handlers returned", s.inFlight.Load())
	}
}

func TestRxQueue(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := uint16(c.LocalAddr().(*net.UDPAddr).Port)
	if _, ok := rxQueue(port); !ok {
		t.Skip("no /proc/net/udp (not Linux)")
	}
	if n, _ := rxQueue(port); n != 0 {
		t.Errorf("empty socket: rx_queue %d", n)
	}
	s, err := net.Dial("udp", c.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 10; i++ {
		s.Write(make([]byte, 500))
	}
	time.Sleep(20 * time.Millisecond)
	// 10 unread datagrams: the kernel counts their buffers, at least the payload
	if n, _ := rxQueue(port); n < 10*500 {
		t.Errorf("rx_queue %d after 10 datagrams of 500 bytes", n)
	}
}

func TestBehind(t *testing.T) {
	type sample struct {
		lat   bool
		queue int
	}
	for _, tc := range []struct {
		name    string
		samples []sample
		want    []bool
	}{
		{"short backlog is tolerated", []sample{{false, 0}, {false, 3 << 20}, {false, 0}, {false, 3 << 20}, {false, 100}},
			[]bool{false, false, false, false, false}},
		{"backlog over two samples", []sample{{false, 3 << 20}, {false, 3 << 20}, {false, 3 << 20}, {false, 0}},
			[]bool{false, true, true, false}},
		{"near the kernel buffer at once", []sample{{false, 0}, {false, 5 << 20}}, []bool{false, true}},
		{"at the threshold is not over", []sample{{false, 2 << 20}, {false, 2 << 20}}, []bool{false, false}},
		{"latency over two samples", []sample{{true, -1}, {false, -1}, {true, -1}, {true, -1}}, []bool{false, false, false, true}},
		{"latency then backlog", []sample{{true, 0}, {false, 3 << 20}}, []bool{false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := overload{maxQueue: 2 << 20}
			for i, s := range tc.samples {
				if got := o.behind(s.lat, s.queue); got != tc.want[i] {
					t.Errorf("sample %d %+v: behind %v, want %v", i, s, got, tc.want[i])
				}
			}
		})
	}
}
