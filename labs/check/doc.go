// Package check grades an analysis (analyze.Result) against a lab's
// objectives (labs/catalogue): each objective is met or not, with the reason
// in English and French and where the report shows it. `voiplab lab check`
// and the lab runner both use it.
package check
