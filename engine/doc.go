// Package engine compiles a parsed integration template into something that
// runs: every templated string is compiled once (to plain closures where it
// has the usual shapes, to text/template otherwise), requests are rendered,
// sent through one HTTP client chain per integration (retry → concurrency
// limit → transport) and recorded, masked, in the run's trace, and answers
// are read into output rows with GJSON, following Next chains into the
// Common scenario.
//
// The engine knows the template format, not what a scenario means to the
// business: which scenario runs on which call event is the scenarios
// package's concern, and obtaining credentials is the auth package's. It
// must not import either of them, keep state between runs beyond its
// caches, or choose the transport's policy (which addresses may be
// reached, which proxy): its callers hand it the transport.
package engine
