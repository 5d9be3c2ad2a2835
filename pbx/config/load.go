package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads a pbx.yaml over DefaultConfig and validates it. The decoding is
// strict (yaml.v3 KnownFields): an unknown key or a bad value is an *Error
// that names the file, the line, the key path and the reason, e.g.
//
//	pbx.yaml: line 7: media.relay: "sometimes" is not one of always, never, auto
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(filepath.Base(path), b)
}

// Parse is Load on bytes; name is the file name used in errors.
func Parse(name string, b []byte) (Config, error) {
	cfg := DefaultConfig()
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return Config{}, syntaxError(name, err)
	}
	lines := map[string]int{}
	if len(root.Content) > 0 {
		doc := root.Content[0]
		// The walk gives errors a key path; the decoder below stays the
		// authority (KnownFields) for anything the walk lets pass.
		if e := walk(doc, reflect.TypeOf(cfg), "", lines); e != nil {
			e.File = name
			return Config{}, e
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, syntaxError(name, err)
		}
	}
	if err := cfg.Validate(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = name
			e.Line = lineOf(lines, e.Path)
			return Config{}, e
		}
		return Config{}, err
	}
	return cfg, nil
}

// syntaxError turns a yaml.v3 error ("yaml: line 3: ...") into an *Error.
func syntaxError(name string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	e := &Error{File: name, Reason: msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, reason, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				e.Line, e.Reason = n, reason
			}
		}
	}
	return e
}

// lineOf finds the line of a key path, or of its nearest parent.
func lineOf(lines map[string]int, path string) int {
	for path != "" {
		if l, ok := lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// walk checks node against type t: unknown keys, wrong kinds and leaf values
// that do not decode, each reported with its key path; it records the line of
// every path it visits.
func walk(n *yaml.Node, t reflect.Type, path string, lines map[string]int) *Error {
	if path != "" {
		lines[path] = n.Line
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			return &Error{Line: n.Line, Path: path, Reason: err.Error()}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return walk(n, t.Elem(), path, lines)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &Error{Line: n.Line, Path: path, Reason: "want a mapping of keys, got " + kindName(n)}
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f
			names = append(names, tag)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				sort.Strings(names)
				return &Error{Line: k.Line, Path: p, Reason: "unknown key (known keys here: " + strings.Join(names, ", ") + ")"}
			}
			lines[p] = k.Line
			if e := walk(v, f.Type, p, lines); e != nil {
				return e
			}
			lines[p] = k.Line
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return &Error{Line: n.Line, Path: path, Reason: "want a list, got " + kindName(n)}
		}
		for i, c := range n.Content {
			if e := walk(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), lines); e != nil {
				return e
			}
		}
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return &Error{Line: n.Line, Path: path, Reason: "want a single value, got " + kindName(n)}
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		return &Error{Line: n.Line, Path: path, Reason: fmt.Sprintf("%q is not a valid %s", n.Value, typeName(t))}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	}
	return "string"
}
