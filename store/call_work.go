package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
)

// CallWork is what a call's work for one integration reads before its
// steps: the call, the integration's runs of it and its link, and the
// call's extension.
type CallWork struct {
	Call      []byte            // the call's JSON
	Runs      []*Run            // of this integration, oldest first
	Link      map[string]string // what the integration learned; nil: nothing yet
	Extension *Extension        // nil when the extension is not known
}

// The statements of CallWork. The extension is the call's own (its
// indexed column), so all four can go in one round trip.
const (
	callWorkCall = "SELECT data FROM calls WHERE id = ? AND data <> ''"
	callWorkRuns = "SELECT " + runCols + " FROM runs WHERE call_id = ? AND integration_id = ? ORDER BY created_at, id"
	callWorkLink = "SELECT data FROM call_links WHERE call_id = ? AND integration_id = ?"
	callWorkExt  = "SELECT number, first_name, last_name, email FROM extensions WHERE number = (SELECT extension FROM calls WHERE id = ?)"
)

// CallWork reads a call's work inputs: in one round trip (a pgx batch) on
// PostgreSQL, where the four reads one after the other were most of a
// job's waiting; ErrNotFound when the call is not stored.
func (s *sqlStore) CallWork(ctx context.Context, callID, integrationID string) (*CallWork, error) {
	if s.pool != nil {
		return s.callWorkBatched(ctx, callID, integrationID)
	}
	w := &CallWork{}
	var raw string
	if err := s.rdb.QueryRowContext(ctx, s.q(callWorkCall), callID).Scan(&raw); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	w.Call = []byte(raw)
	rows, err := s.rdb.QueryContext(ctx, s.q(callWorkRuns), callID, integrationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		w.Runs = append(w.Runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var link string
	switch err := s.rdb.QueryRowContext(ctx, s.q(callWorkLink), callID, integrationID).Scan(&link); {
	case err == nil:
		if w.Link, err = decodeLink(link); err != nil {
			return nil, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	var e Extension
	switch err := s.rdb.QueryRowContext(ctx, s.q(callWorkExt), callID).Scan(&e.Number, &e.FirstName, &e.LastName, &e.Email); {
	case err == nil:
		w.Extension = &e
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	return w, nil
}

func (s *sqlStore) callWorkBatched(ctx context.Context, callID, integrationID string) (*CallWork, error) {
	w := &CallWork{}
	found := false
	b := &pgx.Batch{}
	b.Queue(s.q(callWorkCall), callID).QueryRow(func(row pgx.Row) error {
		var raw string
		err := row.Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		w.Call, found = []byte(raw), err == nil
		return err
	})
	b.Queue(s.q(callWorkRuns), callID, integrationID).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				return err
			}
			w.Runs = append(w.Runs, r)
		}
		return rows.Err()
	})
	b.Queue(s.q(callWorkLink), callID, integrationID).QueryRow(func(row pgx.Row) error {
		var raw string
		err := row.Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err == nil {
			w.Link, err = decodeLink(raw)
		}
		return err
	})
	b.Queue(s.q(callWorkExt), callID).QueryRow(func(row pgx.Row) error {
		var e Extension
		err := row.Scan(&e.Number, &e.FirstName, &e.LastName, &e.Email)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err == nil {
			w.Extension = &e
		}
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return w, nil
}
