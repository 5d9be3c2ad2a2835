package phone_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/capture"
	"voiplab/labs/phone"
)

// pair starts two phones on loopback addresses of their own, recording
// every datagram they send into one pcapng, and returns them with a
// function that stops them and analyses the capture.
func pair(t *testing.T, a, b phone.Config) (*phone.Phone, *phone.Phone, func() *analyze.Result) {
	t.Helper()
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.WriterOptions{Comment: "phone test"})
	if err != nil {
		t.Fatal(err)
	}
	tap := capture.NewTap(w)
	var mu sync.Mutex
	rec := func(src, dst netip.AddrPort, p []byte) {
		mu.Lock()
		defer mu.Unlock()
		tap.Record(capture.UDP, src, dst, p)
	}
	loop := func(ad netip.Addr) bool { return ad.IsLoopback() }
	a.Record, b.Record, a.Reachable, b.Reachable = rec, rec, loop, loop
	pa, err := phone.New(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := phone.New(b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, p := range []*phone.Phone{pa, pb} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Serve(ctx) }()
	}
	stop := func() *analyze.Result {
		cancel()
		wg.Wait()
		if err := tap.Flush(); err != nil {
			t.Fatal(err)
		}
		r, err := capture.NewReader(bytes.NewReader(buf.Bytes()), "test.pcapng")
		if err != nil {
			t.Fatal(err)
		}
		an := analyze.New(analyze.DefaultOptions())
		for {
			d, err := r.Next()
			if err != nil {
				break
			}
			an.Datagram(d)
		}
		return an.Result()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	return pa, pb, stop
}

func cfg(user, addr string, codecs ...string) phone.Config {
	return phone.Config{User: user, Password: "secret" + user, Domain: "lab.local",
		Addr: netip.MustParseAddrPort(addr), Codecs: codecs, Seed: 7, RTCPInterval: time.Second}
}

func TestCallWithToneAndDTMF(t *testing.T) {
	for _, tc := range []struct {
		codec string
		hz    float64
	}{{"PCMU", 440}, {"PCMA", 1000}, {"G722", 5000}} { // 5 kHz: only wideband G.722 carries it
		codec := tc.codec
		t.Run(codec, func(t *testing.T) {
			ca := cfg("200", "127.0.1.11:5060", codec, "telephone-event")
			ca.ToneHz = tc.hz
			a, b, stop := pair(t, ca, cfg("201", "127.0.1.12:5060", "PCMU", "PCMA", "G722", "telephone-event"))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			call, err := a.Call(ctx, "sip:201@127.0.1.12:5060")
			if err != nil {
				t.Fatal(err)
			}
			in := <-b.Incoming()
			if call.Codec.Name != codec || in.Codec.Name != codec {
				t.Errorf("codecs %s/%s, want %s", call.Codec.Name, in.Codec.Name, codec)
			}
			errc := make(chan error, 1)
			go func() { errc <- in.Talk(ctx, 2*time.Second, "") }()
			if err := call.Talk(ctx, 2*time.Second, "12#"); err != nil {
				t.Fatal(err)
			}
			<-errc
			time.Sleep(100 * time.Millisecond)
			if err := call.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-in.Ended():
			case <-time.After(2 * time.Second):
				t.Error("callee did not see the BYE")
			}
			pcm, rate := in.Recording()
			if hz := toneHz(pcm, rate); hz < tc.hz*0.98 || hz > tc.hz*1.02 {
				t.Errorf("callee heard %.0f Hz (%d samples at %d Hz), want the caller's %.0f Hz", hz, len(pcm), rate, tc.hz)
			}
			st := in.Stats()
			if st.Digits != "12#" {
				t.Errorf("callee received digits %q, want 12#", st.Digits)
			}
			if st.Received != 100 {
				t.Errorf("callee received %d packets, want 100 (2 s of 20 ms)", st.Received)
			}
			res := stop()
			if len(res.Calls) != 1 || res.Calls[0].State != analyze.StateCompleted {
				t.Fatalf("calls %+v", res.Calls)
			}
			if len(res.Streams) != 2 {
				t.Fatalf("%d streams, want 2", len(res.Streams))
			}
			var digits string
			for _, d := range res.Calls[0].DTMF {
				digits += d.Digit
			}
			if digits != "12#" {
				t.Errorf("analysis digits %q, want 12#", digits)
			}
			for _, s := range res.Streams {
				if s.Codec != codec || s.Packets != 100 || s.Lost != 0 || s.ClockRate != 8000 {
					t.Errorf("stream %s: codec %s clock %d packets %d lost %d", s.ID, s.Codec, s.ClockRate, s.Packets, s.Lost)
				}
				if len(s.RTCP) == 0 {
					t.Errorf("stream %s: no RTCP", s.ID)
				}
			}
			for _, f := range res.Findings {
				t.Logf("finding %s: %s", f.Code, f.Message)
			}
		})
	}
}

func TestNoCommonCodec(t *testing.T) {
	a, _, stop := pair(t, cfg("200", "127.0.1.11:5060", "G722"), cfg("201", "127.0.1.12:5060", "PCMU", "PCMA"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := a.Call(ctx, "sip:201@127.0.1.12:5060")
	var re *phone.RejectedError
	if !errors.As(err, &re) || re.Status != 488 {
		t.Fatalf("err = %v, want a 488 RejectedError", err)
	}
	res := stop()
	if len(res.Calls) != 1 || res.Calls[0].FinalStatus != 488 {
		t.Fatalf("calls %+v", res.Calls)
	}
}

// toneHz estimates the frequency of a pure tone from its zero crossings,
// over the recording without its first 20 ms (codec start-up).
func toneHz(pcm []int16, rate int) float64 {
	if rate == 0 || len(pcm) < rate/10 {
		return 0
	}
	pcm = pcm[rate/50:]
	n := 0
	for i := 1; i < len(pcm); i++ {
		if (pcm[i-1] < 0) != (pcm[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(pcm)) / float64(rate))
}
