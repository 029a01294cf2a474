-- +goose Up
-- People who sign in to the web console (not the helpdesk users of an
-- integration, which are helpdesk_users). Names and e-mails are unique
-- without regard to case: name_key and email_key are their lower-case
-- forms, which the store fills in. Only the password's argon2id hash is
-- kept.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL DEFAULT '',
    email_key     TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    extension     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    disabled      SMALLINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
-- An e-mail is unique when there is one.
CREATE UNIQUE INDEX users_email_key ON users (email_key) WHERE email_key <> '';

-- Signed-in browsers. The id is the SHA-256 (hex) of the cookie's token:
-- the token itself is never stored.
CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
CREATE INDEX web_sessions_created ON web_sessions (created_at);

-- One-time tokens that let the first admin be created while there are no
-- users; the SHA-256 (hex) of each is kept.
CREATE TABLE setup_tokens (
    hash       TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE setup_tokens;
DROP TABLE web_sessions;
DROP TABLE users;
