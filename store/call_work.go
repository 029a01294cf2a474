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

// The statements of CallWork: the call with its link, its extension and
// the integration's revisions in one row (each missing one is NULLs), the
// runs, and the contact group under the call's number. The group's key is
// the call's own column, read by a subquery, so none waits on another's
// answer and all go in one round trip on PostgreSQL; on SQLite, each
// statement is a turn at the connection pool, fewer being cheaper.
const (
	callWorkCall = "SELECT c.data, c.number_key, l.data, e.number, e.first_name, e.last_name, e.email, i.revision, t.revision FROM calls c " +
		"LEFT JOIN call_links l ON l.call_id = c.id AND l.integration_id = ? " +
		"LEFT JOIN extensions e ON e.number = c.extension " +
		"LEFT JOIN integrations i ON i.id = ? " +
		"LEFT JOIN templates t ON t.id = i.template_id " +
		"WHERE c.id = ? AND c.data <> ''"
	callWorkRuns  = "SELECT " + runCols + " FROM runs WHERE call_id = ? AND integration_id = ? ORDER BY created_at, id"
	callWorkGroup = "SELECT " + groupContactCols + " FROM group_contacts WHERE integration_id = ? AND number_key = (SELECT number_key FROM calls WHERE id = ?) AND number_key <> ''"
)

// scanCallWork reads callWorkCall's row into w.
func scanCallWork(row scanner, w *CallWork) error {
	var (
		raw, link, number, first, last, email sql.NullString
		revIntegration, revTemplate           sql.NullInt64
	)
	if err := row.Scan(&raw, &w.GroupKey, &link, &number, &first, &last, &email, &revIntegration, &revTemplate); err != nil {
		return err
	}
	w.Call = []byte(raw.String)
	if link.Valid {
		var err error
		if w.Link, err = decodeLink(link.String); err != nil {
			return err
		}
	}
	if number.Valid {
		w.Extension = &Extension{Number: number.String, FirstName: first.String, LastName: last.String, Email: email.String}
	}
	if revIntegration.Valid && revTemplate.Valid {
		w.Revisions = &Revisions{Integration: revIntegration.Int64, Template: revTemplate.Int64}
	}
	return nil
}

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
	if err := scanCallWork(s.rdb.QueryRowContext(ctx, s.q(callWorkCall), integrationID, integrationID, callID), w); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
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
	if w.Group, err = scanGroupContacts(s.rdb.QueryContext(ctx, s.q(callWorkGroup), integrationID, callID)); err != nil {
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
	b.Queue(s.q(callWorkCall), integrationID, integrationID, callID).QueryRow(func(row pgx.Row) error {
		err := scanCallWork(row, w)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
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
	b.Queue(s.q(callWorkGroup), integrationID, callID).Query(func(rows pgx.Rows) error {
		var err error
		w.Group, err = scanGroupContactRows(rows)
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
