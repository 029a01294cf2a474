// Package calls owns what a call does at run time: the durable intake of
// call events and the River job kinds that work them (call_event merges an
// event into its call and queues the work of every integration taking the
// extension's calls; call_work runs that work), the per-call lease, the
// steps of a call's plan with their run records and idempotency keys, the
// local contact group, screen-pop decisions, the retry of failed runs, and
// the contacts an agent searches or creates during a call (a created one
// joins the call and the group).
//
// scenarios holds the pure semantics this package runs: what a call is,
// its variables and its plan. integrations supplies each integration's
// connection (client, settings); calls never builds a client.
//
// It must not serve HTTP (server does), hold connections or caches of
// integrations, or know about messaging.
package calls
