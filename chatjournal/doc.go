// Package chatjournal writes messaging sessions' transcripts into the
// helpdesks and CRMs of the agents who answered them: a template's
// ChatJournal scenario, after a lookup of the customer by number (and the
// contact's creation when the settings ask for it).
//
// It owns when a session is journaled (when it closes, whatever closed
// it, and every N messages while open when the settings say so), the
// durable journal records (one per part of a session and integration,
// retried with backoff until they succeed or are given up), their
// idempotency, and the session timeline's entries about them. Sessions
// are found by their state in the store, so nothing closed is missed,
// even across a crash; one replica at a time does the work (a River
// duty).
//
// It must not serve HTTP, build engine clients (the integrations runtime
// supplies them), or change sessions and messages: messaging owns those.
package chatjournal
