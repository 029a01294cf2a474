// Package integrations owns the runtime of connected templates: the
// template catalog (uploads, and the templates shipped with Switchboard),
// templates compiled once per version (evicted when one is replaced or
// deleted), one
// engine client per integration with the whole outbound HTTP chain (see
// newClient), the connect / authorize / verify state machine, the
// GetGlobalInfo refresh, the health an integration's calls show (failing
// on authentication marks it failed, a call that gets through connects it
// again), and the integration's helpdesk users: their sync through
// UserAssociation and the extensions bound to them. Calls and messaging
// both get their clients here, so a template's MaxConcurrentRequest is
// one limit, whoever sends.
//
// It must not serve HTTP (server does), know what a call or a conversation
// is (calls and messaging do), or keep state the store should keep: its
// caches can be dropped at any time and are rebuilt from the store.
package integrations
