package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CallWork is what a call's work for one integration reads before its
// steps: the call, the integration's runs of it and its link, the call's
// extension, and the integration's revisions.
type CallWork struct {
	// Leased is whether the work's lease was taken (always, when none
	// was asked for). When it was not, nothing else is set.
	Leased    bool
	Call      []byte            // the call's JSON
	Runs      []*Run            // of this integration, oldest first
	Link      map[string]string // what the integration learned; nil: nothing yet
	Extension *Extension        // nil when the extension is not known
	// Revisions are the integration's and its template's; nil when the
	// integration is gone.
	Revisions *Revisions
	// GroupKey is the call's number as the contact group keys it (its
	// digits), and Group the integration's contacts under it, for the
	// call's lookup (FindGroupContacts, read ahead).
	GroupKey string
	Group    []GroupContact
}

// WorkLease is the lease a job takes on its call and integration (see
// LeaseStore.TryLease), in the same round trip as its reads.
type WorkLease struct {
	Key, Owner string
	Now        time.Time
	TTL        time.Duration
}

// The statements of CallWork. The extension and the contact group's key
// are the call's own columns, read by subqueries, so none waits on
// another's answer and all go in one round trip.
const (
	callWorkCall  = "SELECT data, number_key FROM calls WHERE id = ? AND data <> ''"
	callWorkRuns  = "SELECT " + runCols + " FROM runs WHERE call_id = ? AND integration_id = ? ORDER BY created_at, id"
	callWorkLink  = "SELECT data FROM call_links WHERE call_id = ? AND integration_id = ?"
	callWorkExt   = "SELECT number, first_name, last_name, email FROM extensions WHERE number = (SELECT extension FROM calls WHERE id = ?)"
	callWorkRevs  = "SELECT i.revision, t.revision FROM integrations i JOIN templates t ON t.id = i.template_id WHERE i.id = ?"
	callWorkGroup = "SELECT " + groupContactCols + " FROM group_contacts WHERE integration_id = ? AND number_key = (SELECT number_key FROM calls WHERE id = ?) AND number_key <> ''"
)

// CallWork takes the work's lease (when lease is set) and reads a call's
// work inputs: in one round trip (a pgx batch) on PostgreSQL, where the
// statements one after the other were most of a job's waiting;
// ErrNotFound when the call is not stored.
func (s *sqlStore) CallWork(ctx context.Context, callID, integrationID string, lease *WorkLease) (*CallWork, error) {
	if s.pool != nil {
		return s.callWorkBatched(ctx, callID, integrationID, lease)
	}
	w := &CallWork{Leased: true}
	if lease != nil {
		ok, err := s.TryLease(ctx, lease.Key, lease.Owner, lease.Now, lease.TTL)
		if err != nil || !ok {
			return &CallWork{}, err
		}
	}
	var raw string
	if err := s.rdb.QueryRowContext(ctx, s.q(callWorkCall), callID).Scan(&raw, &w.GroupKey); err != nil {
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
	if w.Group, err = scanGroupContacts(s.rdb.QueryContext(ctx, s.q(callWorkGroup), integrationID, callID)); err != nil {
		return nil, err
	}
	var revs Revisions
	switch err := s.rdb.QueryRowContext(ctx, s.q(callWorkRevs), integrationID).Scan(&revs.Integration, &revs.Template); {
	case err == nil:
		w.Revisions = &revs
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	return w, nil
}

func (s *sqlStore) callWorkBatched(ctx context.Context, callID, integrationID string, lease *WorkLease) (*CallWork, error) {
	w := &CallWork{Leased: lease == nil}
	found := false
	b := &pgx.Batch{}
	if lease != nil {
		st := leaseTry(lease.Key, lease.Owner, lease.Now, lease.TTL)
		b.Queue(s.q(st.query), st.args...).Exec(func(ct pgconn.CommandTag) error {
			w.Leased = ct.RowsAffected() == 1
			return nil
		})
	}
	b.Queue(s.q(callWorkCall), callID).QueryRow(func(row pgx.Row) error {
		var raw string
		err := row.Scan(&raw, &w.GroupKey)
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
	b.Queue(s.q(callWorkGroup), integrationID, callID).Query(func(rows pgx.Rows) error {
		var err error
		w.Group, err = scanGroupContactRows(rows)
		return err
	})
	b.Queue(s.q(callWorkRevs), integrationID).QueryRow(func(row pgx.Row) error {
		var revs Revisions
		err := row.Scan(&revs.Integration, &revs.Template)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err == nil {
			w.Revisions = &revs
		}
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if !w.Leased {
		return &CallWork{}, nil // what was read is not this job's to use
	}
	if !found {
		return nil, ErrNotFound
	}
	return w, nil
}
