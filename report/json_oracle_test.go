package report_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"voiplab/analyze"
)

// oracleWriteJSON is the former WriteJSON, built on encoding/json (Marshal
// per element, an HTML-unescape pass, json.Indent). It is kept, unchanged,
// as the reference that the hand-written writer must match byte for byte.
func oracleWriteJSON(w io.Writer, r *analyze.Result) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := &oracleWriter{w: bw}
	enc.raw("{\n  \"schema\": ")
	enc.value(r.Schema, "  ")
	oracleList(enc, "files", r.Files, false)
	oracleList(enc, "calls", r.Calls, false)
	oracleList(enc, "registrations", r.Registrations, false)
	oracleList(enc, "streams", r.Streams, false)
	oracleList(enc, "findings", r.Findings, false)
	oracleList(enc, "other", r.Other, true)
	enc.raw("\n}\n")
	if enc.err != nil {
		return fmt.Errorf("report: json: %w", enc.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

type oracleWriter struct {
	w   *bufio.Writer
	err error
}

func (j *oracleWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *oracleWriter) value(v any, indent string) {
	if j.err != nil {
		return
	}
	b, err := oracleMarshal(v, indent)
	if err != nil {
		j.err = err
		return
	}
	_, j.err = j.w.Write(b)
}

// oracleMarshal is json.MarshalIndent without HTML escaping (SIP has < and >).
func oracleMarshal(v any, indent string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = oracleUnescapeHTML(b)
	var buf bytes.Buffer
	buf.Grow(len(b) + len(b)/4)
	if err := json.Indent(&buf, b, indent, "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// oracleList writes ,\n  "name": [ elements ] — an omitempty list is left out when empty.
func oracleList[T any](j *oracleWriter, name string, items []T, omitEmpty bool) {
	if omitEmpty && len(items) == 0 {
		return
	}
	j.raw(",\n  \"" + name + "\": [")
	for i := range items {
		if i > 0 {
			j.raw(",")
		}
		j.raw("\n    ")
		j.value(&items[i], "    ")
	}
	if len(items) > 0 {
		j.raw("\n  ")
	}
	j.raw("]")
}

// oracleUnescapeHTML undoes encoding/json's \u003c, \u003e and \u0026 escapes,
// which make SIP URIs in the JSON hard to read.
func oracleUnescapeHTML(b []byte) []byte {
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+5 < len(b) && b[i+1] == 'u' && b[i+2] == '0' && b[i+3] == '0' {
			switch string(b[i+4 : i+6]) {
			case "3c":
				out = append(out, '<')
				i += 5
				continue
			case "3e":
				out = append(out, '>')
				i += 5
				continue
			case "26":
				out = append(out, '&')
				i += 5
				continue
			}
		}
		if b[i] == '\\' && i+1 < len(b) { // keep any other escape whole
			out = append(out, b[i], b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}
