package analyze_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"voiplab/analyze"
	"voiplab/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// corpusDir is ../shared/corpus unless VOIPLAB_CORPUS names another place.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("VOIPLAB_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "pcaps")); err != nil {
		t.Skipf("corpus not found at %s (set VOIPLAB_CORPUS): %v", dir, err)
	}
	return dir
}

func corpusCaptures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir(t), "pcaps", "*.pcap*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".json") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Skip("no captures in the corpus")
	}
	return out
}

// TestGoldenCorpus analyses every corpus capture and compares the JSON
// Result with testdata/golden/<capture>.json (rewrite with -update after a
// reviewed change). Raw SIP text is left out to keep the files readable.
func TestGoldenCorpus(t *testing.T) {
	for _, path := range corpusCaptures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			opts := analyze.DefaultOptions()
			opts.KeepRaw = false
			r, err := analyze.Run(context.Background(), []string{path}, opts, nil)
			if err != nil {
				t.Fatalf("analyze: %v", err)
			}
			r.Files[0].Path = name
			var buf bytes.Buffer
			if err := report.WriteJSON(&buf, r); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `make golden` to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from the analysis at %s; run `make golden` and review the diff", golden, firstDiff(want, buf.Bytes()))
			}
		})
	}
}

// tsharkRef is the part of *.tshark.json this test reads.
type tsharkRef struct {
	RTPStreams struct {
		Streams []tsharkStream `json:"streams"`
	} `json:"rtp_streams"`
}

type tsharkStream struct {
	Src          string  `json:"src"`
	Sport        int     `json:"sport"`
	Dst          string  `json:"dst"`
	Dport        int     `json:"dport"`
	SSRC         string  `json:"ssrc"`
	Payload      string  `json:"payload"`
	Packets      int     `json:"packets"`
	Lost         int     `json:"lost"`
	MaxDeltaMs   float64 `json:"max_delta_ms"`
	MeanJitterMs float64 `json:"mean_jitter_ms"`
	MaxJitterMs  float64 `json:"max_jitter_ms"`
}

func (s tsharkStream) key() string {
	return fmt.Sprintf("%s %s %s", hostPort(s.Src, s.Sport), hostPort(s.Dst, s.Dport), strings.ToUpper(strings.TrimPrefix(s.SSRC, "0x")))
}

func hostPort(ip string, port int) string {
	if strings.Contains(ip, ":") {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// compareWithTshark checks voiplab's streams against tshark's `-z rtp,streams`:
// the same streams, the same packets and lost, and max delta, mean and max
// jitter within 0.001 ms (tshark prints three decimals).
func compareWithTshark(t *testing.T, r *analyze.Result, ref []tsharkStream) {
	t.Helper()
	ours := map[string]analyze.Stream{}
	for _, s := range r.Streams {
		ours[fmt.Sprintf("%s %s %s", s.Src, s.Dst, strings.TrimPrefix(s.SSRC, "0x"))] = s
	}
	seen := map[string]bool{}
	for _, want := range ref {
		k := want.key()
		if seen[k] {
			continue // tshark lists a stream twice when its payload types change; compared once
		}
		seen[k] = true
		got, ok := ours[k]
		if !ok {
			t.Errorf("stream %s (%s, %d packets) missing", k, want.Payload, want.Packets)
			continue
		}
		if got.Packets != want.Packets || got.Lost != want.Lost {
			t.Errorf("stream %s: packets %d lost %d, tshark %d and %d", k, got.Packets, got.Lost, want.Packets, want.Lost)
		}
		near := func(name string, g, w float64) {
			if w < 0 { // tshark's -1: clock rate unknown, no jitter
				return
			}
			if math.Abs(g-w) > 0.0011 {
				t.Errorf("stream %s: %s %.3f, tshark %.3f", k, name, g, w)
			}
		}
		near("max delta", got.MaxDeltaMs, want.MaxDeltaMs)
		near("mean jitter", got.MeanJitterMs, want.MeanJitterMs)
		near("max jitter", got.MaxJitterMs, want.MaxJitterMs)
	}
	for k, s := range ours {
		if !seen[k] {
			t.Errorf("stream %s (%s, %d packets) is not in tshark's list", k, s.Codec, s.Packets)
		}
	}
}

// TestStreamsMatchTshark: on every corpus capture, the RTP streams agree
// with the stored tshark 4.0 reference (`*.tshark.json`).
func TestStreamsMatchTshark(t *testing.T) {
	for _, path := range corpusCaptures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path + ".tshark.json")
			if err != nil {
				t.Skipf("no reference: %v", err)
			}
			var ref tsharkRef
			if err := json.Unmarshal(raw, &ref); err != nil {
				t.Fatal(err)
			}
			r := analyzeLikeTshark(t, path)
			compareWithTshark(t, r, ref.RTPStreams.Streams)
		})
	}
}

// analyzeLikeTshark keeps every RTP stream, even one packet long, as tshark's
// heuristic does.
func analyzeLikeTshark(t *testing.T, path string) *analyze.Result {
	t.Helper()
	opts := analyze.DefaultOptions()
	opts.KeepRaw = false
	opts.Thresholds.UnsignalledMinPackets = 1
	r, err := analyze.Run(context.Background(), []string{path}, opts, nil)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	return r
}

// firstDiff names the first line where two texts differ.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) && i < len(gl); i++ {
		if wl[i] != gl[i] {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, strings.TrimSpace(wl[i]), strings.TrimSpace(gl[i]))
		}
	}
	return fmt.Sprintf("line %d: lengths differ (%d and %d lines)", min(len(wl), len(gl))+1, len(wl), len(gl))
}
