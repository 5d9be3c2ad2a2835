package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// marshalFloat is encoding/json's form of f (the reference).
func marshalFloat(t testing.TB, f float64) string {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("json.Marshal(%v): %v", f, err)
	}
	return string(b)
}

func checkFloat(t testing.TB, f float64) {
	t.Helper()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return // TestFloatUnsupported
	}
	e := &jsonEncoder{}
	if got, want := string(e.float(nil, f)), marshalFloat(t, f); got != want || e.err != nil {
		t.Fatalf("float(%b = %v) = %q (err %v), encoding/json %q", math.Float64bits(f), f, got, e.err, want)
	}
}

// TestFloat compares the float fast paths and the general one with
// encoding/json: the 'e' cutoffs, -0, whole numbers at the 1e15 limit,
// three-decimal figures at the 1e9 limit and their neighbours one ulp away
// (which must take the general path), and random bit patterns.
func TestFloat(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    float64
	}{
		{"zero", 0}, {"negative zero", math.Copysign(0, -1)}, {"one", 1}, {"minus one", -1},
		{"tenth", 0.1}, {"three decimals", 4.035}, {"negative three decimals", -93.125}, {"2.675", 2.675},
		{"four decimals", 0.0005}, {"1e-6", 1e-6}, {"below 1e-6", 9.99e-7}, {"1e-7", 1e-7}, {"5e-324", 5e-324},
		{"1e20", 1e20}, {"below 1e21", math.Nextafter(1e21, 0)}, {"1e21", 1e21}, {"-1e21", -1e21}, {"max", math.MaxFloat64},
		{"1e15-1", 1e15 - 1}, {"1e15", 1e15}, {"-1e15", -1e15}, {"2^53+2", 1<<53 + 2}, {"1e15+0.5", 1e15 + 0.5},
		{"1e9-0.001", 1e9 - 0.001}, {"999999999.999", 999999999.999}, {"1e9+0.5", 1e9 + 0.5},
		{"0.001", 0.001}, {"0.0015", 0.0015}, {"19.999999999999996", 19.999999999999996}, {"1/3", 1.0 / 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFloat(t, tc.f)
			checkFloat(t, math.Nextafter(tc.f, math.Inf(1)))
			checkFloat(t, math.Nextafter(tc.f, math.Inf(-1)))
		})
	}
	t.Run("all three-decimal figures below 1000", func(t *testing.T) {
		for n := range 1_000_000 {
			checkFloat(t, float64(n)/1000)
		}
	})
	t.Run("three decimals up to 1e9 and neighbours", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 100_000 {
			f := float64(rng.Int64N(1e12)) / 1000
			if rng.IntN(2) == 0 {
				f = -f
			}
			checkFloat(t, f)
			checkFloat(t, math.Nextafter(f, 0))
			checkFloat(t, math.Nextafter(f, math.Inf(1)))
		}
	})
	t.Run("random bits", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for range 100_000 {
			f := math.Float64frombits(rng.Uint64())
			checkFloat(t, f)
			checkFloat(t, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(30)-15)))
		}
	})
}

// TestFloatUnsupported: NaN and infinities fail as in encoding/json.
func TestFloatUnsupported(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		e := &jsonEncoder{}
		e.float(nil, f)
		_, want := json.Marshal(f)
		if e.err == nil || want == nil || e.err.Error() != want.Error() {
			t.Errorf("float(%v): error %v, encoding/json %v", f, e.err, want)
		}
	}
}

// FuzzFloat: any float64 is written as encoding/json writes it.
func FuzzFloat(f *testing.F) {
	for _, x := range []float64{0, 1, 0.5, 4.035, 1e-7, 1e21, 999999999.999, 1e15} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		checkFloat(t, x)
	})
}

// marshalString is encoding/json's form of s without HTML escaping.
func marshalString(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func checkString(t testing.TB, s string) {
	t.Helper()
	if got, want := string(appendString(nil, s)), marshalString(t, s); got != want {
		t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want)
	}
}

// TestAppendString puts every byte value at every position of the word
// scan (and after it), every two-byte sequence, and every continuation of
// the three-byte lead E2 (U+2028, U+2029 and their neighbours), and
// compares with encoding/json.
func TestAppendString(t *testing.T) {
	const plain = "sip:alice@lab.local;tag=0123456789"
	t.Run("every byte everywhere", func(t *testing.T) {
		for c := range 256 {
			for at := range 20 {
				checkString(t, plain[:at]+string([]byte{byte(c)})+plain[at:])
				checkString(t, plain[:at]+string([]byte{byte(c)}))
			}
		}
	})
	t.Run("pairs of edge bytes everywhere", func(t *testing.T) {
		// A special byte can make the word scan's borrow flag its neighbour.
		edges := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '[', '\\', ']', 0x7f, 0x80, 0xa9, 0xc3, 0xe2, 0xff, 'a'}
		for _, c := range edges {
			for _, d := range edges {
				for at := range 20 {
					checkString(t, plain[:at]+string([]byte{c, d})+plain[at:])
					checkString(t, plain[:at]+string([]byte{c, d}))
					checkString(t, plain[:at]+string([]byte{c, 'x', d}))
				}
			}
		}
	})
	t.Run("two bytes", func(t *testing.T) {
		for c := range 1 << 16 {
			checkString(t, "abcdefg"+string([]byte{byte(c >> 8), byte(c)})+"hijklmnop")
		}
	})
	t.Run("E2 sequences", func(t *testing.T) {
		for c := range 1 << 16 {
			checkString(t, "abcdef"+string([]byte{0xe2, byte(c >> 8), byte(c)})+"ghijklmn")
		}
	})
	for _, tc := range []struct{ name, s string }{
		{"empty", ""}, {"html", "<sip:200@lab.local>;a&b"}, {"sip", "INVITE sip:1@x SIP/2.0\r\nTo: \"A\\B\"\r\n\r\n"},
		{"literal escapes", `\u003c \u2028 \\`}, {"separators", "a\u2028b\u2029c"}, {"non-ASCII", "é日本😀"},
		{"invalid", "\xff\xfe\xc3\xe2\x80\xed\xa0\x80"}, {"controls", "\x00\x01\x07\x1f\x7f\b\f\n\r\t"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkString(t, tc.s) })
	}
}

// FuzzAppendString: any string is written as encoding/json writes it
// without HTML escaping.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "<sip:200@lab.local>", "a\u2028b", "\xff", "INVITE sip:1@x SIP/2.0\r\n\r\n", "\"\\\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}
