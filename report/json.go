package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"voiplab/analyze"
)

// WriteJSON writes the Result as indented JSON (schema 1, DESIGN.md).
//
// It encodes one element of each list at a time instead of the whole Result
// at once: encoding/json builds its whole output in memory, which for a
// capture of thousands of calls would double the peak memory of an analysis.
func WriteJSON(w io.Writer, r *analyze.Result) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := &jsonWriter{w: bw}
	enc.raw("{\n  \"schema\": ")
	enc.value(r.Schema, "  ")
	list(enc, "files", r.Files, false)
	list(enc, "calls", r.Calls, false)
	list(enc, "registrations", r.Registrations, false)
	list(enc, "streams", r.Streams, false)
	list(enc, "findings", r.Findings, false)
	list(enc, "other", r.Other, true)
	enc.raw("\n}\n")
	if enc.err != nil {
		return fmt.Errorf("report: json: %w", enc.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

type jsonWriter struct {
	w   *bufio.Writer
	err error
}

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonWriter) value(v any, indent string) {
	if j.err != nil {
		return
	}
	b, err := marshal(v, indent)
	if err != nil {
		j.err = err
		return
	}
	_, j.err = j.w.Write(b)
}

// marshal is json.MarshalIndent without HTML escaping (SIP has < and >).
func marshal(v any, indent string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = unescapeHTML(b)
	var buf bytes.Buffer
	buf.Grow(len(b) + len(b)/4)
	if err := json.Indent(&buf, b, indent, "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// list writes ,\n  "name": [ elements ] — an omitempty list is left out when empty.
func list[T any](j *jsonWriter, name string, items []T, omitEmpty bool) {
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

// unescapeHTML undoes encoding/json's \u003c, \u003e and \u0026 escapes,
// which make SIP URIs in the JSON hard to read.
func unescapeHTML(b []byte) []byte {
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
