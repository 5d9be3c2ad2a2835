package g722_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pion/rtp"

	"voiplab/capture"
	"voiplab/g722"
)

// corpusDir is the shared capture corpus: VOIPLAB_CORPUS, or its place
// beside the repository.
func corpusDir() string {
	if d := os.Getenv("VOIPLAB_CORPUS"); d != "" {
		return d
	}
	return "../../shared/corpus"
}

func tone(freq, amp float64, n int) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/g722.SampleRate)))
	}
	return pcm
}

func roundTrip(pcm []int16) []int16 {
	return g722.NewDecoder().Decode(nil, g722.NewEncoder().Encode(nil, pcm))
}

// snr is the signal-to-noise ratio in dB of out against in delayed by lag
// samples, over in[from:].
func snr(in, out []int16, lag, from int) float64 {
	var sig, noise float64
	for i := from; i+lag < len(out) && i < len(in); i++ {
		s := float64(in[i])
		e := float64(out[i+lag]) - s
		sig += s * s
		noise += e * e
	}
	return 10 * math.Log10(sig/noise)
}

// bestLag is the lag in [0, 64) that maximises the cross-correlation of in
// and out.
func bestLag(in, out []int16) int {
	best, bestC := 0, math.Inf(-1)
	for lag := 0; lag < 64; lag++ {
		var c float64
		for i := 0; i+lag < len(out) && i < len(in); i++ {
			c += float64(in[i]) * float64(out[i+lag])
		}
		if c > bestC {
			best, bestC = lag, c
		}
	}
	return best
}

func TestToneSNR(t *testing.T) {
	for _, tc := range []struct {
		name      string
		freq, amp float64
		minSNR    float64
	}{
		// A 1 kHz tone at -6 dBFS: 20 dB is the least acceptable; a
		// correct G.722 reaches well over 35 dB in the lower sub-band.
		{"1kHz_-6dBFS", 1000, 16384, 35},
		{"1kHz_-20dBFS", 1000, 3277, 35},
		{"300Hz_-10dBFS", 300, 10362, 35},
		{"3kHz_-10dBFS", 3000, 10362, 35},
		// 6 kHz lies in the higher sub-band, coded with 2 bits only.
		{"6kHz_-10dBFS", 6000, 10362, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tone(tc.freq, tc.amp, g722.SampleRate)
			out := roundTrip(in)
			if len(out) != len(in) {
				t.Fatalf("decoded %d samples from %d", len(out), len(in))
			}
			if lag := bestLag(in, out); lag != g722.Delay && tc.freq < 4000 {
				// A pure tone correlates at every period, so only
				// check the codec delay where the period is long.
				t.Errorf("best alignment at %d samples, want the codec delay %d", lag, g722.Delay)
			}
			// Skip the first 50 ms: the scale factors start from
			// their minimum and need a few ms to adapt.
			got := snr(in, out, g722.Delay, 800)
			t.Logf("SNR %.1f dB", got)
			if got < tc.minSNR {
				t.Errorf("SNR %.1f dB, want ≥ %.0f dB", got, tc.minSNR)
			}
		})
	}
}

func TestSilence(t *testing.T) {
	out := roundTrip(make([]int16, g722.SampleRate))
	peak := 0
	for _, s := range out {
		peak = max(peak, int(s), -int(s))
	}
	// The 60-level quantiser has no zero level, so silence decodes to
	// a tiny idle noise; it must stay below -60 dBFS (±32).
	t.Logf("peak of decoded silence: %d", peak)
	if peak > 32 {
		t.Errorf("decoded silence peaks at %d, want ≤ 32", peak)
	}
}

// TestFrames: the state carries across calls, so a stream coded frame by
// frame (any frame length, odd ones included) gives exactly the bytes and
// samples of the whole stream coded at once.
func TestFrames(t *testing.T) {
	in := readPCM(t, "testdata/chirp.raw")
	whole := g722.NewEncoder().Encode(nil, in)
	for _, size := range []int{320, 160, 7, 1} {
		t.Run("frame"+itoa(size), func(t *testing.T) {
			enc := g722.NewEncoder()
			var got []byte
			for i := 0; i < len(in); i += size {
				got = enc.Encode(got, in[i:min(i+size, len(in))])
			}
			if !bytes.Equal(got, whole) {
				t.Fatal("frame-by-frame encoding differs from whole-stream encoding")
			}
			dec := g722.NewDecoder()
			wholePCM := g722.NewDecoder().Decode(nil, whole)
			var pcm []int16
			step := max(size/2, 1)
			for i := 0; i < len(whole); i += step {
				pcm = dec.Decode(pcm, whole[i:min(i+step, len(whole))])
			}
			if !equal16(pcm, wholePCM) {
				t.Fatal("frame-by-frame decoding differs from whole-stream decoding")
			}
		})
	}
}

func TestReset(t *testing.T) {
	in := readPCM(t, "testdata/chirp.raw")
	enc := g722.NewEncoder()
	first := enc.Encode(nil, in)
	enc.Encode(nil, in[:101]) // leaves a pending odd sample
	enc.Reset()
	if again := enc.Encode(nil, in); !bytes.Equal(first, again) {
		t.Error("Encoder.Reset does not restore the initial state")
	}
	dec := g722.NewDecoder()
	a := dec.Decode(nil, first)
	dec.Reset()
	if b := dec.Decode(nil, first); !equal16(a, b) {
		t.Error("Decoder.Reset does not restore the initial state")
	}
}

// TestFFmpegReference compares bit for bit with FFmpeg's independent G.722
// encoder and decoder (testdata/README.md says how the files were made).
func TestFFmpegReference(t *testing.T) {
	in := readPCM(t, "testdata/chirp.raw")
	wantCode, err := os.ReadFile("testdata/chirp.ffmpeg.g722")
	if err != nil {
		t.Fatal(err)
	}
	wantPCM := readPCM(t, "testdata/chirp.ffmpeg.raw")
	t.Run("encode", func(t *testing.T) {
		got := g722.NewEncoder().Encode(nil, in)
		if i := firstDiff(got, wantCode); i >= 0 {
			t.Fatalf("encoding differs from FFmpeg's at octet %d of %d", i, len(wantCode))
		}
	})
	t.Run("decode", func(t *testing.T) {
		got := g722.NewDecoder().Decode(nil, wantCode)
		if len(got) != len(wantPCM) {
			t.Fatalf("decoded %d samples, FFmpeg %d", len(got), len(wantPCM))
		}
		for i := range got {
			if got[i] != wantPCM[i] {
				t.Fatalf("decoding differs from FFmpeg's at sample %d: %d, want %d", i, got[i], wantPCM[i])
			}
		}
	})
}

// corpusG722 returns the G.722 payloads (PT 9) of the corpus capture
// rtp-pcap_sip-rtp-g722.pcap, concatenated in capture order.
func corpusG722(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(corpusDir(), "pcaps", "rtp-pcap_sip-rtp-g722.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus capture not found (set VOIPLAB_CORPUS): %v", err)
	}
	r, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	packets := 0
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		// pion does not check the version (LIBRARIES.md): check it here.
		if len(d.Payload) < 12 || d.Payload[0]>>6 != 2 || p.Unmarshal(d.Payload) != nil || p.PayloadType != g722.PayloadType {
			continue
		}
		packets++
		payload = append(payload, p.Payload...)
	}
	// tshark's figures (rtp-pcap_sip-rtp-g722.pcap.tshark.json): one g722
	// stream of 425 packets, none lost; 20 ms = 160 octets each.
	if packets != 425 || len(payload) != 425*160 {
		t.Fatalf("corpus: %d G.722 packets, %d octets; tshark counts 425 packets of 160 octets", packets, len(payload))
	}
	return payload
}

// TestCorpusDecode decodes the real FreeSWITCH G.722 stream of the corpus
// and compares it with FFmpeg's decoding of the same octets (by SHA-256,
// testdata/README.md).
func TestCorpusDecode(t *testing.T) {
	const ffmpegSHA256 = "8dc4e3a01cda01582a6778a16ecdcb5818e72008bbae0c2136b22153ab6b82b8"
	pcm := g722.NewDecoder().Decode(nil, corpusG722(t))
	raw := make([]byte, 2*len(pcm))
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != ffmpegSHA256 {
		t.Errorf("decoded corpus stream has SHA-256 %s, FFmpeg's decoding %s", got, ffmpegSHA256)
	}
}

func readPCM(t testing.TB, path string) []int16 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, len(raw)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return pcm
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func equal16(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func BenchmarkEncode20ms(b *testing.B) {
	in := tone(1000, 16384, 320)
	enc := g722.NewEncoder()
	buf := make([]byte, 0, 160)
	b.SetBytes(2 * 320)
	for b.Loop() {
		buf = enc.Encode(buf[:0], in)
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	code := g722.NewEncoder().Encode(nil, tone(1000, 16384, 320))
	dec := g722.NewDecoder()
	buf := make([]int16, 0, 320)
	b.SetBytes(160)
	for b.Loop() {
		buf = dec.Decode(buf[:0], code)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x00, 0xff, 0x3f, 0xc0})
	code, err := os.ReadFile("testdata/chirp.ffmpeg.g722")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(code[:160])
	f.Add(code[4000:4320])
	f.Fuzz(func(t *testing.T, payload []byte) {
		dec := g722.NewDecoder()
		out := dec.Decode(nil, payload)
		if len(out) != 2*len(payload) {
			t.Fatalf("decoded %d samples from %d octets", len(out), len(payload))
		}
		// Re-encoding the decoder's output must not panic either.
		_ = g722.NewEncoder().Encode(nil, out)
	})
}

func FuzzEncode(f *testing.F) {
	f.Add([]byte{0x00, 0x80, 0xff, 0x7f, 0x01})
	raw, err := os.ReadFile("testdata/chirp.raw")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw[:640])
	f.Fuzz(func(t *testing.T, raw []byte) {
		pcm := make([]int16, len(raw)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		code := g722.NewEncoder().Encode(nil, pcm)
		if len(code) != len(pcm)/2 {
			t.Fatalf("encoded %d octets from %d samples", len(code), len(pcm))
		}
		if out := g722.NewDecoder().Decode(nil, code); len(out) != 2*len(code) {
			t.Fatalf("decoded %d samples from %d octets", len(out), len(code))
		}
	})
}
