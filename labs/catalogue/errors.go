package catalogue

import "errors"

// ErrUnknownLab is returned by Lookup for a name that is not in the catalogue.
var ErrUnknownLab = errors.New("catalogue: unknown lab")
