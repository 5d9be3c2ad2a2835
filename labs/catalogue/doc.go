// Package catalogue holds voiplab's lab definitions: for each lab its title,
// goal, the steps of its scenario, the objectives that a capture of it must
// meet (findings that must or must not appear, and figures such as the
// negotiated codec, the number of RTP streams, the DTMF digits, a MOS range
// or a registration state), and the questions of the lab sheet with their
// answers, in English and French.
//
// The definitions are Go values (labs.go) rather than YAML: the compiler
// checks them, and the catalogue test checks that every objective names a
// finding code that the analysis really emits or a figure it really
// computes.
package catalogue
