// Package templates reads and checks integration templates: the XML format
// (Yeastar P-Series compatible, with Switchboard's documented extensions)
// parsed into a model that keeps every node's line and column, validated
// with every problem reported at its place, warnings apart from errors,
// and written back. It knows the names of scenarios and parameters and
// the rules between them.
//
// It must not run anything: compiling a template's strings and sending its
// requests is the engine's, and what a scenario means to a call is the
// scenarios package's. It imports no other package of Switchboard.
package templates
