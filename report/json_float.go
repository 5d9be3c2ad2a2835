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
func (e *jsonEncoder) float(b []byte, f float64) []byte {
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
