// Package scenarios says what each scenario of a template means to a call:
// contact lookup, screen pop, contact creation, tickets, call journal, user
// association and global info. It decides which scenario runs when and with
// which variables; the engine runs them.
//
// It holds pure semantics: it must not store anything, queue work, or
// build clients — the calls package runs a call's plan with the store and
// the connections integrations gives it.
package scenarios
