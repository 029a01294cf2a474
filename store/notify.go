package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notifier delivers small messages (under 8000 bytes) to every process
// sharing the database: PostgreSQL's LISTEN/NOTIFY. It is nil for SQLite,
// where there is one process. Channels are the store's own: installations
// in other schemas of the same database do not hear them.
type Notifier interface {
	Notify(ctx context.Context, channel string, payload []byte) error
	// Listen calls deliver for each message on channel until ctx ends,
	// reconnecting after errors. ready is called each time it listens.
	Listen(ctx context.Context, channel string, ready func(), deliver func([]byte))
}

// Notifier implements Store: LISTEN/NOTIFY on PostgreSQL, nil on SQLite.
func (s *sqlStore) Notifier() Notifier {
	if s.pool == nil {
		return nil
	}
	return pgNotifier{s}
}

type pgNotifier struct{ s *sqlStore }

func (n pgNotifier) Notify(ctx context.Context, channel string, payload []byte) error {
	_, err := n.s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", channel+n.s.notifySuffix, string(payload))
	return err
}

func (n pgNotifier) Listen(ctx context.Context, channel string, ready func(), deliver func([]byte)) {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := n.listenOnce(ctx, channel, ready, deliver); err == nil || ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func (n pgNotifier) listenOnce(ctx context.Context, channel string, ready func(), deliver func([]byte)) error {
	conn, err := n.s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel + n.s.notifySuffix}.Sanitize()); err != nil {
		return err
	}
	ready()
	for {
		msg, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				// The connection may still be listening: close it rather
				// than hand it back to the pool.
				_ = conn.Conn().Close(context.Background())
				return nil
			}
			return err
		}
		deliver([]byte(msg.Payload))
	}
}
