//go:build interop

package g722_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"voiplab/g722"
)

// ffmpeg runs FFmpeg with args in dir; the test fails when it is missing
// (interop tests need their peer: Debian package ffmpeg).
func ffmpeg(t *testing.T, dir string, args ...string) {
	t.Helper()
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatalf("ffmpeg not installed (apt-get install ffmpeg): %v", err)
	}
	cmd := exec.Command(path, append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}

func writePCM(t *testing.T, path string, pcm []int16) {
	t.Helper()
	raw := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInteropFFmpeg encodes and decodes fresh signals with this package and
// with a live FFmpeg and requires bit-exact agreement both ways.
func TestInteropFFmpeg(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]int16, 3*g722.SampleRate)
	for i := range noise {
		// Loud white noise with bursts of silence and clipping levels
		// exercises the adaptation limits.
		switch (i / 4000) % 4 {
		case 0:
			noise[i] = int16(rng.IntN(65536) - 32768)
		case 1:
			noise[i] = 0
		case 2:
			noise[i] = int16(rng.IntN(200) - 100)
		default:
			noise[i] = int16(rng.IntN(20000) - 10000)
		}
	}
	for _, tc := range []struct {
		name string
		pcm  []int16
	}{
		{"tone1k", tone(1000, 16384, g722.SampleRate)},
		{"tone6k", tone(6000, 30000, g722.SampleRate)},
		{"noise", noise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writePCM(t, filepath.Join(dir, "in.raw"), tc.pcm)
			ffmpeg(t, dir, "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", "in.raw", "-c:a", "g722", "-f", "g722", "ref.g722")
			ref, err := os.ReadFile(filepath.Join(dir, "ref.g722"))
			if err != nil {
				t.Fatal(err)
			}
			if got := g722.NewEncoder().Encode(nil, tc.pcm); !bytes.Equal(got, ref) {
				t.Errorf("encoding differs from FFmpeg's at octet %d", firstDiff(got, ref))
			}
			ffmpeg(t, dir, "-f", "g722", "-i", "ref.g722", "-f", "s16le", "ref.raw")
			want := readPCM(t, filepath.Join(dir, "ref.raw"))
			if got := g722.NewDecoder().Decode(nil, ref); !equal16(got, want) {
				t.Errorf("decoding differs from FFmpeg's (%d and %d samples)", len(got), len(want))
			}
		})
	}
	t.Run("corpus", func(t *testing.T) {
		dir := t.TempDir()
		code := corpusG722(t)
		if err := os.WriteFile(filepath.Join(dir, "corpus.g722"), code, 0o644); err != nil {
			t.Fatal(err)
		}
		ffmpeg(t, dir, "-f", "g722", "-i", "corpus.g722", "-f", "s16le", "ref.raw")
		want := readPCM(t, filepath.Join(dir, "ref.raw"))
		if got := g722.NewDecoder().Decode(nil, code); !equal16(got, want) {
			t.Errorf("decoding of the corpus stream differs from FFmpeg's")
		}
	})
}
