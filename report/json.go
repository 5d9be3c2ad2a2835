package report

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"time"

	"voiplab/analyze"
)

// WriteJSON writes the Result as indented JSON (schema 1, DESIGN.md).
//
// The output is byte for byte that of the former encoding/json writer
// (json_oracle_test.go keeps it as the tests' reference): each element of
// each top-level list is json.Marshal's, indented by json.Indent under its
// list, with <, > and & left readable in SIP URIs instead of \u003c, \u003e
// and \u0026, and a nil top-level list written []. It is written by hand,
// without reflection, because the encoding/json way (Marshal, an unescape
// pass, Indent) took a quarter of the time of `voiplab analyze --json` on a
// large capture. Fields are appended straight into one buffer, which goes
// to w whenever it passes 64 KiB between two list elements, so that memory
// stays bounded whatever the size of the Result.
//
// Errors are those encoding/json would return (a NaN or infinite figure, a
// time outside years 0-9999) and those of w, wrapped "report: json: ...".
func WriteJSON(w io.Writer, r *analyze.Result) error {
	e := &jsonEncoder{w: w}
	b := make([]byte, 0, jsonFlushAt+jsonFlushAt/2)
	b = append(b, "{\n  \"schema\": "...)
	b = strconv.AppendInt(b, int64(r.Schema), 10)
	b = topList(e, b, "files", r.Files, (*jsonEncoder).file)
	b = topList(e, b, "calls", r.Calls, (*jsonEncoder).call)
	b = topList(e, b, "registrations", r.Registrations, (*jsonEncoder).registration)
	b = topList(e, b, "streams", r.Streams, (*jsonEncoder).stream)
	b = topList(e, b, "findings", r.Findings, (*jsonEncoder).finding)
	if len(r.Other) > 0 { // omitempty
		b = topList(e, b, "other", r.Other, (*jsonEncoder).message)
	}
	b = append(b, "\n}\n"...)
	e.flush(b)
	if e.err != nil {
		return fmt.Errorf("report: json: %w", e.err)
	}
	return nil
}

// jsonFlushAt is the size past which the buffer is written out, between two
// elements of any list: memory is bounded by the largest message or stream
// figure, not by the largest call.
const jsonFlushAt = 64 << 10

// jsonEncoder holds what the append functions share: the destination, the
// first error, and a scratch slice for sorting map keys.
type jsonEncoder struct {
	w    io.Writer
	err  error
	keys []string
	// seriesKeys are the key lines of a SeriesPoint at indent seriesInd,
	// and its closing line.
	seriesKeys [6]string
	seriesInd  int
}

// fail keeps the first error; WriteJSON returns it once the document ends.
func (e *jsonEncoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// flush writes b out (unless an error happened) and returns it emptied.
func (e *jsonEncoder) flush(b []byte) []byte {
	if e.err == nil && len(b) > 0 {
		_, e.err = e.w.Write(b)
	}
	return b[:0]
}

// topList writes `,\n  "name": [` and the elements, one per line at an
// indent of four spaces, as the former per-element encoding did: a nil list
// is [] here, not null. The buffer is flushed between elements once it
// passes jsonFlushAt.
func topList[T any](e *jsonEncoder, b []byte, name string, items []T, elem func(*jsonEncoder, []byte, *T, int) []byte) []byte {
	b = append(b, ",\n  \""...)
	b = append(b, name...)
	b = append(b, "\": ["...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = elem(e, b, &items[i], 4)
		if len(b) >= jsonFlushAt {
			b = e.flush(b)
		}
		if e.err != nil {
			return b
		}
	}
	if len(items) > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, ']')
}

// list writes a JSON array whose key sits at indent ind: null when nil, []
// when empty, else one element per line at ind+2 (json.Indent's layout).
func list[T any](e *jsonEncoder, b []byte, items []T, ind int, elem func(*jsonEncoder, []byte, *T, int) []byte) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	if len(items) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = newline(b, ind+2)
		b = elem(e, b, &items[i], ind+2)
		if len(b) >= jsonFlushAt {
			b = e.flush(b)
		}
	}
	b = newline(b, ind)
	return append(b, ']')
}

// jsonSpaces is sliced for indentation; the deepest line of a Result
// (a codec of a media of an SDP of a negotiation of a call) is at 18.
const jsonSpaces = "                                "

// jsonKeyLines[n] starts a field after the first one in an object whose
// fields sit at indent n: `,\n`, n spaces and the key's opening quote. One
// append of it instead of four: key() is called for every field.
var jsonKeyLines = func() (t [len(jsonSpaces) + 1]string) {
	for n := range t {
		t[n] = ",\n" + jsonSpaces[:n] + `"`
	}
	return t
}()

func newline(b []byte, ind int) []byte {
	b = append(b, '\n')
	return append(b, jsonSpaces[:ind]...)
}

// open starts an object whose opening line is at indent ind with its first
// field.
func open(b []byte, ind int, name string) []byte {
	b = append(b, '{')
	b = append(b, jsonKeyLines[ind+2][1:]...) // without the comma
	b = append(b, name...)
	return append(b, '"', ':', ' ')
}

// key starts a field after the first one in an object whose opening line
// is at indent ind (its fields sit at ind+2).
func key(b []byte, ind int, name string) []byte {
	b = append(b, jsonKeyLines[ind+2]...)
	b = append(b, name...)
	return append(b, '"', ':', ' ')
}

// closeObj ends an object whose opening line is at indent ind.
func closeObj(b []byte, ind int) []byte {
	b = newline(b, ind)
	return append(b, '}')
}

// appendInt appends n in decimal; one and two digits (most counters, lost
// packets, series values) skip strconv's call chain.
func appendInt(b []byte, n int) []byte {
	if uint(n) < 10 {
		return append(b, byte('0'+n))
	}
	if uint(n) < 100 {
		return append(b, byte('0'+n/10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// time appends t as time.Time.MarshalJSON does (RFC 3339 with nanoseconds);
// a time that RFC 3339 cannot hold is encoding/json's MarshalerError.
func (e *jsonEncoder) time(b []byte, t time.Time) []byte {
	b = append(b, '"')
	out, err := t.AppendText(b) // the same strict RFC 3339 form as MarshalJSON
	if err != nil {
		_, err = t.MarshalJSON() // for MarshalJSON's own error text
		e.fail(&json.MarshalerError{Type: reflect.TypeFor[time.Time](), Err: err})
		return append(b, '"')
	}
	return append(out, '"')
}

// floatPtr appends *f, or null.
func (e *jsonEncoder) floatPtr(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, "null"...)
	}
	return e.float(b, *f)
}

func intPtr(b []byte, n *int) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return appendInt(b, *n)
}

func (e *jsonEncoder) strings(b []byte, ss []string, ind int) []byte {
	return list(e, b, ss, ind, func(_ *jsonEncoder, b []byte, s *string, _ int) []byte { return appendString(b, *s) })
}

func (e *jsonEncoder) ints(b []byte, ns []int, ind int) []byte {
	return list(e, b, ns, ind, func(_ *jsonEncoder, b []byte, n *int, _ int) []byte { return appendInt(b, *n) })
}
