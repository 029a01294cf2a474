-- +goose Up
-- A messaging channel: a connected channel template (its integration row
-- holds the template, fields, sealed secrets and status) with what the
-- conversations need: its webhook key, rate, idle time and numbers.
CREATE TABLE channels (
    id                  TEXT PRIMARY KEY REFERENCES integrations (id) ON DELETE CASCADE,
    webhook_key         TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    messages_per_second INTEGER NOT NULL,
    auto_close_days     INTEGER NOT NULL DEFAULT 0,
    verify_token        BLOB NOT NULL,
    settings            TEXT NOT NULL DEFAULT '{}',
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- A number of a channel: where its conversations go (an extension or a
-- queue) and which extensions may start conversations from it.
CREATE TABLE channel_numbers (
    channel_id         TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    number             TEXT NOT NULL,
    number_id          TEXT NOT NULL DEFAULT '',
    dest_type          TEXT NOT NULL,
    dest_id            TEXT NOT NULL,
    allowed_extensions TEXT NOT NULL DEFAULT '[]',
    position           INTEGER NOT NULL,
    PRIMARY KEY (channel_id, number)
);
CREATE INDEX channel_numbers_dest ON channel_numbers (dest_type, dest_id);

CREATE TABLE message_queues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    agents     TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A conversation between a channel number and a customer. At most one is
-- live (not closed) per number and customer; a message after it closed
-- opens a new one. removed: gone from agents' lists, kept in the history;
-- deleted: gone from the history too.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    channel_id      TEXT NOT NULL,
    number          TEXT NOT NULL,
    customer        TEXT NOT NULL,
    state           TEXT NOT NULL,
    queue_id        TEXT NOT NULL DEFAULT '',
    assignee        TEXT NOT NULL DEFAULT '',
    removed         INTEGER NOT NULL DEFAULT 0,
    deleted         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    last_inbound_at INTEGER NOT NULL DEFAULT 0,
    closed_at       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_live ON sessions (channel_id, number, customer) WHERE state <> 'closed';
CREATE INDEX sessions_assignee ON sessions (assignee, state);
CREATE INDEX sessions_queue ON sessions (queue_id, assignee, state);
CREATE INDEX sessions_idle ON sessions (channel_id, state, last_message_at);
CREATE INDEX sessions_created ON sessions (created_at);

-- Messages: the customer's (in), agents' and automatic ones (out, system).
-- Outbound messages are also the channel's send queue: status queued,
-- tried again from next_attempt_at, in seq order. A message deleted from
-- the history loses its content but keeps counting in the number's
-- figures (deleted = 1); so do those of a deleted session.
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    seq             INTEGER NOT NULL,
    session_id      TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL,
    number          TEXT NOT NULL,
    customer        TEXT NOT NULL,
    direction       TEXT NOT NULL,
    author          TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    media_urls      TEXT NOT NULL DEFAULT '[]',
    provider_id     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    deleted         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_session ON messages (session_id, seq);
CREATE INDEX messages_outbox ON messages (channel_id, status, next_attempt_at, seq);
CREATE INDEX messages_provider ON messages (channel_id, provider_id);
CREATE INDEX messages_stats ON messages (channel_id, number, created_at);

-- Provider message ids already taken: a webhook delivered twice is stored
-- once, even after its message was deleted from the history.
CREATE TABLE webhook_receipts (
    channel_id  TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, provider_id)
);

-- The operation timeline of a session: created, transferred, taken over,
-- closed.
CREATE TABLE session_events (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    at         INTEGER NOT NULL,
    seq        INTEGER NOT NULL
);
CREATE INDEX session_events_session ON session_events (session_id, seq);

-- Customers who replied STOP on a number, until they reply START.
CREATE TABLE opt_outs (
    channel_id TEXT NOT NULL,
    number     TEXT NOT NULL,
    customer   TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (channel_id, number, customer)
);

-- +goose Down
DROP TABLE opt_outs;
DROP TABLE session_events;
DROP TABLE webhook_receipts;
DROP TABLE messages;
DROP TABLE sessions;
DROP TABLE message_queues;
DROP TABLE channel_numbers;
DROP TABLE channels;
