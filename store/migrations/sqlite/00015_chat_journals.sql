-- +goose Up
-- Chat journaling: what of a session has been journaled into the helpdesks
-- bound to its agent. journal_seq is the last message journaled (parts
-- written every N messages); journal_done is 1 once the closing journal is
-- queued. Sessions closed before this version are not journaled.
ALTER TABLE sessions ADD COLUMN journal_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN journal_done INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET journal_done = 1 WHERE state = 'closed';
CREATE INDEX sessions_journal ON sessions (journal_done, state);

-- One journal of a part of a session (messages after from_seq up to
-- upto_seq) into one integration: durable, worked until it succeeds.
CREATE TABLE chat_journals (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL,
    integration_id  TEXT NOT NULL,
    from_seq        INTEGER NOT NULL,
    upto_seq        INTEGER NOT NULL,
    final           INTEGER NOT NULL DEFAULT 0,
    crm_id          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    contact_id      TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    trace           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (session_id, integration_id, upto_seq)
);
CREATE INDEX chat_journals_due ON chat_journals (status, next_attempt_at);

-- +goose Down
DROP TABLE chat_journals;
DROP INDEX sessions_journal;
ALTER TABLE sessions DROP COLUMN journal_done;
ALTER TABLE sessions DROP COLUMN journal_seq;
