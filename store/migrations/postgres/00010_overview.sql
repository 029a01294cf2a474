-- +goose Up
-- The overview counts the last hours' messages of every channel, and the
-- messages still waiting to be sent: without these it would read every
-- message. (Its count of calls uses calls_created, from 00009.)
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_status ON messages (status);

-- +goose Down
DROP INDEX messages_status;
DROP INDEX messages_created;
