-- +goose Up
CREATE TABLE templates (
    id         TEXT PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    provider   TEXT NOT NULL,
    version    TEXT NOT NULL,
    builtin    SMALLINT NOT NULL DEFAULT 0,
    xml        BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    extension  TEXT NOT NULL DEFAULT '',
    hash       BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE integrations (
    id            TEXT PRIMARY KEY,
    template_id   TEXT NOT NULL REFERENCES templates (id),
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    fields        TEXT NOT NULL DEFAULT '{}',
    secrets       BYTEA,
    settings      TEXT NOT NULL DEFAULT '{}',
    global_vars   TEXT NOT NULL DEFAULT '{}',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE oauth_states (
    state_hash     BYTEA PRIMARY KEY,
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    expires_at     BIGINT NOT NULL
);

CREATE TABLE auth_tokens (
    key        TEXT PRIMARY KEY,
    sealed     BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE helpdesk_users (
    integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL,
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    extensions     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (integration_id, user_id)
);

CREATE TABLE extensions (
    number     TEXT PRIMARY KEY,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE extensions;
DROP TABLE helpdesk_users;
DROP TABLE auth_tokens;
DROP TABLE oauth_states;
DROP TABLE integrations;
DROP TABLE api_tokens;
DROP TABLE templates;
