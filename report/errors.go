package report

import "errors"

// ErrLanguage is returned by WriteHTML for a language it has no catalogue
// for (see Languages).
var ErrLanguage = errors.New("unsupported language")
