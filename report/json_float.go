package report

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// float appends f as encoding/json's floatEncoder does for a float64: the
// shortest decimal that reads back as f, in 'f' form, or in 'e' form with
// an exponent of at least one digit ("1e-7", not "1e-07") when |f| < 1e-6
// or |f| >= 1e21 (ES6 number to string). NaN and infinities are
// encoding/json's UnsupportedValueError.
//
// Most figures of a Result are whole milliseconds or have at most three
// decimals (jitter and deltas to the microsecond): those are written
// without strconv's shortest-digit search, which took half the time of
// WriteJSON, by the exact shortcuts of appendShortFloat.
func (e *jsonEncoder) float(b []byte, f float64) []byte {
	if out, ok := appendShortFloat(b, f); ok {
		return out
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.fail(&json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)})
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendShortFloat appends f when it is a whole number below 1e15, or has
// at most three decimals and is below 1e9, exactly as
// strconv.AppendFloat(b, f, 'f', -1, 64) would; ok is false otherwise (and
// for -0, NaN and infinities), and b is then unchanged.
//
// Why it is exact. A whole f below 1e15 < 2^53 converts to int64 and back
// unchanged, and no decimal with fewer significant digits is within half
// a unit in the last place of it (its ulp is at most 1/8), so its shortest
// form is its integer digits. Otherwise n = round(|f|*1000) is tried:
// float64(n)/1000 is the correctly rounded quotient of two exact doubles,
// so it equals f exactly when the decimal n/1000 reads back as f. Below
// 1e9 the ulp of f is at most 2^-23, a thousand times that is far below
// one half, so at most one n/1000 reads back as f, and |f|*1000 rounds to
// it: then f's shortest decimal has at most three decimals, and they are
// n's last three digits with trailing zeros removed (a trailing zero would
// make a shorter decimal of the same value).
func appendShortFloat(b []byte, f float64) ([]byte, bool) {
	if i := int64(f); float64(i) == f && i > -1e15 && i < 1e15 {
		if i == 0 && math.Signbit(f) {
			return b, false // -0 is "-0"
		}
		return appendInt(b, int(i)), true
	}
	a := math.Abs(f)
	if !(a < 1e9) { // also NaN
		return b, false
	}
	n := int64(a*1000 + 0.5)
	if float64(n)/1000 != a {
		return b, false
	}
	frac, k := n%1000, 3
	if frac == 0 { // cannot happen: a whole f took the first path
		return b, false
	}
	for frac%10 == 0 {
		frac /= 10
		k--
	}
	if f < 0 {
		b = append(b, '-')
	}
	b = appendInt(b, int(n/1000))
	b = append(b, '.')
	switch k {
	case 3:
		b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	case 2:
		b = append(b, byte('0'+frac/10), byte('0'+frac%10))
	default:
		b = append(b, byte('0'+frac))
	}
	return b, true
}
