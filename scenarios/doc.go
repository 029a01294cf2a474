// Package scenarios says what each scenario of a template means to a call:
// contact lookup, screen pop, contact creation, tickets, call journal, user
// association and global info. It decides which scenario runs when and with
// which variables; the engine runs them.
package scenarios
