-- +goose Up
-- Webhook URLs for PBXs that cannot send an Authorization header (Yeastar
-- P-Series webhooks): the secret is the URL's last segment. Only its
-- SHA-256 is kept; rotating replaces the hash, keeping the id and name.
CREATE TABLE pbx_webhooks (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    rotated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE pbx_webhooks;
