// Package report renders an analysis Result for people and programs: aligned
// text tables and SIP ladder diagrams for the terminal, and JSON.
//
// It imports only analyze's result types (DESIGN.md: capture → analyze →
// report).
package report
