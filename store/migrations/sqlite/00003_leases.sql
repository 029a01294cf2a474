-- +goose Up
-- Short leases that make one worker at a time act for a key (a call and an
-- integration), across replicas.
CREATE TABLE leases (
    key        TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE leases;
