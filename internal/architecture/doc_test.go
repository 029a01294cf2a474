// Package architecture holds tests of the repository's shape: which
// package may import which, what server/ may hold, how wide a function may
// be, and that every package says what it owns and must not do
// (docs/architecture.md). It has no code of its own and must not gain any.
package architecture
