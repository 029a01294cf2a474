-- +goose Up
-- The overview counts the last hours' calls and messages of every channel,
-- and the messages still waiting to be sent: without these it would read
-- every call and message. IF NOT EXISTS: another migration may have made
-- the same index for its own listing.
CREATE INDEX IF NOT EXISTS calls_created ON calls (created_at);
CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at);
CREATE INDEX IF NOT EXISTS messages_status ON messages (status);

-- +goose Down
DROP INDEX messages_status;
DROP INDEX messages_created;
DROP INDEX calls_created;
