package report_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"voiplab/analyze"
	"voiplab/report"
)

// nastyPieces are concatenated into random strings: every class of byte
// that encoding/json escapes or replaces, HTML characters (which our JSON
// leaves readable), literal escapes that the oracle's unescape pass must not
// touch, and invalid or truncated UTF-8.
var nastyPieces = []string{
	"a", "sip:200@lab.local", "<sip:200@lab.local>;tag=1", "A & B", "</script>", `"`, `\`, `\"`,
	"\x00", "\x01", "\x1f", "\x7f", "\b", "\f", "\n", "\r\n", "\t", "\u2028", "\u2029", "\u2027", "\u202a",
	"é", "日本語", "😀", "\ufffd", "\xff", "\xc3", "\xe2\x80", "\xe2\x80\xa8\xa8", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	`\u003c`, `\u0026`, `\\u003e`, "\\u00", "u003c", "%3C", " ", "  ", "0", "null",
}

// floatPool holds the values where float formatting changes form or loses
// precision: zero and negative zero, the 'e' cutoffs 1e-6 and 1e21 and
// their neighbours, integers around 2^53, subnormals and the extremes.
var floatPool = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, -2.5, 20, 19.999999999999996, 123.456, 1e-7, -1e-7, 1e-6,
	math.Nextafter(1e-6, 0), 9.999999e-7, 1e-5, 1e20, 1e21, -1e21, math.Nextafter(1e21, 0), 1.5e300,
	1 << 53, 1<<53 + 2, 1<<53 - 1, 1e15, 1e15 + 0.5, 1e16, 123456789.123, 5e-324, math.MaxFloat64,
	-math.MaxFloat64, math.SmallestNonzeroFloat64, 4.35, 93.2, 0.001, 0.02, 2.675, 1.0000000000000002,
}

// filler fills every settable field of a value with random data, through
// reflection, so that a field added to analyze/result.go is filled too.
type filler struct {
	t   *testing.T
	rng *rand.Rand
	// full makes every field non-zero: each string, number and bool set,
	// each pointer non-nil, each list and map with elements.
	full bool
}

var timeType = reflect.TypeFor[time.Time]()

func (f *filler) fill(v reflect.Value, path string) {
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(f.time()))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if fv := v.Field(i); fv.CanSet() {
				f.fill(fv, path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.String:
		v.SetString(f.string())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -1, 7, 200, 486, -40000, 1 << 40, math.MaxInt64, math.MinInt64, f.rng.Int64()}[f.rng.IntN(11)]
		if f.full && n == 0 {
			n = 3
		}
		v.SetInt(n) // wraps for the smaller sizes, which is fine
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(f.rng.Uint64() | 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(f.float())
	case reflect.Bool:
		v.SetBool(f.full || f.rng.IntN(2) == 0)
	case reflect.Pointer:
		if !f.full && f.rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), path)
		v.Set(p)
	case reflect.Slice:
		n := 1 + f.rng.IntN(3)
		if !f.full {
			switch f.rng.IntN(4) {
			case 0:
				v.SetZero() // nil: null, or left out with omitempty
				return
			case 1:
				n = 0 // empty: [], or left out with omitempty
			}
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), path+"[]")
		}
		v.Set(s)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			f.t.Fatalf("fill %s: map key %s: teach the filler (and WriteJSON)", path, v.Type().Key())
		}
		if !f.full && f.rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		n := f.rng.IntN(6)
		if f.full {
			n += 3
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for range n {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			k.SetString(f.string() + itoa(f.rng.IntN(100)))
			f.fill(e, path+"{}")
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		f.t.Fatalf("fill %s: kind %s: teach the filler (and WriteJSON)", path, v.Kind())
	}
}

func (f *filler) string() string {
	n := f.rng.IntN(5)
	if f.full {
		n++
	}
	var b strings.Builder
	for range n {
		b.WriteString(nastyPieces[f.rng.IntN(len(nastyPieces))])
	}
	return b.String()
}

func (f *filler) float() float64 {
	var x float64
	switch f.rng.IntN(4) {
	case 0:
		x = floatPool[f.rng.IntN(len(floatPool))]
	case 1:
		x = float64(f.rng.IntN(100000)) / []float64{1, 10, 100, 1000, 3, 7}[f.rng.IntN(6)] // analysis-like
	case 2:
		x = f.rng.NormFloat64() * math.Pow(10, float64(f.rng.IntN(40)-20))
	default:
		x = math.Float64frombits(f.rng.Uint64()) // any exponent
		if math.IsNaN(x) || math.IsInf(x, 0) {
			x = 1.25
		}
	}
	if f.full && x == 0 {
		x = 0.25
	}
	return x
}

func (f *filler) time() time.Time {
	if !f.full && f.rng.IntN(5) == 0 {
		return time.Time{}
	}
	t := time.Unix(f.rng.Int64N(1<<34), 0) // up to year 2514
	switch f.rng.IntN(4) {
	case 0: // whole seconds
	case 1:
		t = t.Add(time.Duration(f.rng.IntN(1e9))) // any nanoseconds
	case 2:
		t = t.Add(time.Duration(f.rng.IntN(1000)) * time.Millisecond) // trailing zeros trimmed
	default:
		t = t.Add(time.Duration(f.rng.IntN(1e6)) * time.Microsecond)
	}
	zones := []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("", -3*3600), time.FixedZone("odd", 3600+17)}
	return t.In(zones[f.rng.IntN(len(zones))])
}

// TestWriteJSONRandom fills every field of a Result and of the types below
// it with random values (nasty strings, extreme floats, nil and empty lists,
// nil pointers, maps of several keys, zero times and times with
// nanoseconds) and compares WriteJSON with the encoding/json oracle. The
// first case sets every field, so a field that WriteJSON forgets fails it.
func TestWriteJSONRandom(t *testing.T) {
	for seed := range uint64(400) {
		t.Run("seed "+itoa(int(seed)), func(t *testing.T) {
			f := &filler{t: t, rng: rand.New(rand.NewPCG(seed, 2026)), full: seed == 0}
			var r analyze.Result
			f.fill(reflect.ValueOf(&r).Elem(), "Result")
			sameJSON(t, &r)
		})
	}
}

// TestWriteJSONUnsupported: values encoding/json refuses (NaN, infinities,
// years outside 0-9999, a zone 24 hours off) give the oracle's error text.
func TestWriteJSONUnsupported(t *testing.T) {
	nan, inf, ninf := math.NaN(), math.Inf(1), math.Inf(-1)
	for _, tc := range []struct {
		name string
		r    analyze.Result
	}{
		{"NaN lost_pct", analyze.Result{Streams: []analyze.Stream{{LostPct: nan}}}},
		{"+Inf mos", analyze.Result{Streams: []analyze.Stream{{MOS: &inf}}}},
		{"-Inf series width", analyze.Result{Streams: []analyze.Stream{{SeriesWidthMs: ninf}}}},
		{"NaN setup", analyze.Result{Calls: []analyze.Call{{SetupMs: &nan}}}},
		{"year 10000", analyze.Result{Files: []analyze.File{{Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		{"year -1", analyze.Result{Other: []analyze.Message{{Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
		{"zone +24h", analyze.Result{Calls: []analyze.Call{{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			err := report.WriteJSON(&got, &tc.r)
			werr := oracleWriteJSON(&strings.Builder{}, &tc.r)
			if err == nil || werr == nil || err.Error() != werr.Error() {
				t.Fatalf("error %v, want the oracle's %v", err, werr)
			}
		})
	}
}
