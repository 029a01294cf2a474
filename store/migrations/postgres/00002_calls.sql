-- +goose Up
CREATE TABLE calls (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- What one integration learned about one call: contacts found, the
-- contact and ticket ids, the screen-pop URL.
CREATE TABLE call_links (
    call_id        TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    integration_id TEXT NOT NULL,
    data           TEXT NOT NULL DEFAULT '{}',
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (call_id, integration_id)
);

-- One step of a call for one integration (lookup, ticket, journal …):
-- done at most once; a retried job skips the steps that succeeded.
CREATE TABLE runs (
    id             TEXT PRIMARY KEY,
    call_id        TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    step           TEXT NOT NULL,
    scenario       TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       BIGINT NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    trace          TEXT NOT NULL DEFAULT '[]',
    outputs        TEXT NOT NULL DEFAULT '{}',
    job_id         BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (call_id, integration_id, step)
);
CREATE INDEX runs_status ON runs (status, updated_at);

-- The read-only contact group: contacts found by lookups, for "always
-- query" off.
CREATE TABLE group_contacts (
    integration_id TEXT NOT NULL,
    contact_type   TEXT NOT NULL,
    contact_id     TEXT NOT NULL,
    number_key     TEXT NOT NULL,
    data           TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (integration_id, contact_type, contact_id, number_key)
);
CREATE INDEX group_contacts_number ON group_contacts (integration_id, number_key);

-- +goose Down
DROP TABLE group_contacts;
DROP TABLE runs;
DROP TABLE call_links;
DROP TABLE calls;
