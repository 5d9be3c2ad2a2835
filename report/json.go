package report

import (
	"encoding/json"
	"fmt"
	"io"

	"voiplab/analyze"
)

// WriteJSON writes the Result as indented JSON (schema 1, DESIGN.md).
func WriteJSON(w io.Writer, r *analyze.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}
