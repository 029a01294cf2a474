// Package store keeps Switchboard's state: templates, API tokens,
// integrations with their fields, settings and tokens, OAuth states,
// helpdesk users and PBX extensions, calls and runs, messaging, and the
// leases, request slots and notifications the processes sharing a database
// coordinate with. One interface, two implementations sharing their code:
// SQLite (modernc.org/sqlite, the embedded default) and PostgreSQL (pgx,
// for scale-out). Migrations are embedded per dialect and run with goose.
// Secret values — password fields and tokens — are sealed with AES-GCM
// before they reach the database. What differs by database (whether it is
// shared, its notifier) is asked through Store's methods, never by the
// caller's type assertions.
//
// The store must not import any domain package (auth, engine, templates,
// scenarios, …): it keeps rows, not meaning. What a domain package keeps
// here it hands over as plain values or opaque bytes — an integration's
// access token is auth's JSON, which the store seals and never reads — and
// the domain package defines the interface the store satisfies (for
// example auth.TokenDatabase) and builds its behaviour on it, such as
// taking turns to renew a token with the store's leases.
package store
