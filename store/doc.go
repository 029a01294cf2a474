// Package store keeps Switchboard's state: templates, API tokens,
// integrations with their fields, settings and tokens, OAuth states,
// helpdesk users and PBX extensions. One interface, two implementations
// sharing their code: SQLite (modernc.org/sqlite, the embedded default) and
// PostgreSQL (pgx, for scale-out). Migrations are embedded per dialect and
// run with goose. Secret values — password fields and tokens — are sealed
// with AES-GCM before they reach the database.
package store
