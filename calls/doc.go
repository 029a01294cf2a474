// Package calls owns what a call does at run time: the durable intake of
// call events (in groups, one transaction each: an event is recorded by its
// delivery key, merged into its call, and the work of every integration
// taking the extension's calls is stored as a call_work job; call_event is
// the job kind earlier versions stored events as), the per-call lease, the
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
