// Package engine compiles a parsed integration template into something that
// runs: every templated string is compiled once, requests are rendered,
// sent through one HTTP client chain per integration (trace → retry →
// concurrency limit → transport), and answers are read into output rows
// with GJSON, following Next chains into the Common scenario.
//
// The engine knows the template format, not what a scenario means to the
// business: which scenario runs on which call event is the scenarios
// package's concern, and obtaining credentials is the auth package's.
package engine
