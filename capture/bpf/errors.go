package bpf

import "errors"

// Sentinel errors, wrapped with a "bpf: ..." prefix that names the token or
// the construct at fault; test them with errors.Is.
var (
	// ErrSyntax means the expression does not parse: the message names the
	// unexpected token and its position.
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported means the expression uses something outside the
	// supported subset (a host name, an unknown keyword, a qualifier that
	// does not apply), or a link type the compiler does not know.
	ErrUnsupported = errors.New("unsupported filter")
	// ErrTooLarge means the compiled program is longer than the kernel
	// accepts (4096 instructions).
	ErrTooLarge = errors.New("filter program too large")
)
