-- +goose Up
-- Sign-in attempts, counted per key (an account's login, a client
-- address) over a sliding window by every replica alike: an attempt is a
-- failure from its start, and taken back when it succeeds. Rows older than
-- the window are dropped as sign-ins come.
CREATE TABLE sign_in_attempts (
    attempt_id   TEXT NOT NULL,
    throttle_key TEXT NOT NULL,
    attempted_at INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_key ON sign_in_attempts (throttle_key, attempted_at);
CREATE INDEX sign_in_attempts_id ON sign_in_attempts (attempt_id);
CREATE INDEX sign_in_attempts_at ON sign_in_attempts (attempted_at);

-- +goose Down
DROP TABLE sign_in_attempts;
