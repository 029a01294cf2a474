package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// Chat journal statuses.
const (
	JournalPending   = "pending"   // to be written (again) at NextAttemptAt
	JournalSucceeded = "succeeded" // written
	JournalSkipped   = "skipped"   // the template had nothing to send
	JournalFailed    = "failed"    // given up after failing too long
)

// ChatJournal is the journal of a part of a session — its messages after
// FromSeq up to UptoSeq — into one integration.
type ChatJournal struct {
	ID            string
	SessionID     string
	IntegrationID string
	FromSeq       int64
	UptoSeq       int64
	Final         bool   // written when the session closed
	CrmID         string // the helpdesk user bound to the session's agent
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	ContactID     string // the customer's contact, once found or created
	LastError     string
	Trace         []byte // the last attempt's exchanges (masked JSON)
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// JournalCandidate is a session with messages not journaled yet: closed
// (its closing journal is due), or open with JournalSeq behind LastSeq.
type JournalCandidate struct {
	Session     *Session
	JournalSeq  int64 // the last message journaled
	LastSeq     int64 // its last message; 0 with none
	Unjournaled int   // messages after JournalSeq
}

// ChatJournalStore keeps chat journals. Sessions to journal are found by
// their state, so a session closed by any path (an agent, the idle
// sweep, a channel's deletion) is journaled, and nothing is lost between
// closing and journaling: the marks are in the sessions' rows.
type ChatJournalStore interface {
	// SessionsToJournal lists up to limit closed sessions whose closing
	// journal is not queued yet, and, when openAfter > 0, open sessions
	// with at least openAfter messages not journaled yet.
	SessionsToJournal(ctx context.Context, openAfter, limit int) ([]JournalCandidate, error)
	// QueueChatJournals stores journals of a session's messages up to
	// uptoSeq (one already stored for the same integration and uptoSeq is
	// kept) and marks them queued — with final, the session's closing
	// journal — in one transaction.
	QueueChatJournals(ctx context.Context, sessionID string, uptoSeq int64, final bool, js []*ChatJournal) error
	// DueChatJournals lists up to limit pending journals due by now,
	// oldest first.
	DueChatJournals(ctx context.Context, now time.Time, limit int) ([]*ChatJournal, error)
	// SaveChatJournal saves a journal's outcome, and adds ev to its
	// session's timeline when set, in one transaction.
	SaveChatJournal(ctx context.Context, j *ChatJournal, ev *SessionEvent) error
	// ChatJournals lists a session's journals, oldest first.
	ChatJournals(ctx context.Context, sessionID string) ([]*ChatJournal, error)
}

func (s *sqlStore) SessionsToJournal(ctx context.Context, openAfter, limit int) ([]JournalCandidate, error) {
	const last = "(SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.session_id = s.id)"
	const unjournaled = "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id AND m.seq > s.journal_seq AND m.deleted = 0)"
	query := "SELECT s.journal_seq, " + last + ", " + unjournaled + " AS pending, " + prefixed("s.", sessionCols) +
		" FROM sessions s WHERE s.journal_done = 0 AND s.state = 'closed'"
	args := []any{}
	if openAfter > 0 {
		query += " UNION ALL SELECT * FROM (SELECT s.journal_seq, " + last + ", " + unjournaled + " AS pending, " + prefixed("s.", sessionCols) +
			" FROM sessions s WHERE s.state <> 'closed' AND s.assignee <> '') o WHERE o.pending >= ?"
		args = append(args, openAfter)
	}
	query += " LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JournalCandidate
	for rows.Next() {
		var c JournalCandidate
		ses, err := scanSession(prependScan(rows, &c.JournalSeq, &c.LastSeq, &c.Unjournaled))
		if err != nil {
			return nil, err
		}
		c.Session = ses
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *sqlStore) QueueChatJournals(ctx context.Context, sessionID string, uptoSeq int64, final bool, js []*ChatJournal) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, j := range js {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO chat_journals (id, session_id, integration_id, from_seq, upto_seq, final, crm_id, status, attempts, next_attempt_at, created_at, updated_at) "+
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (session_id, integration_id, upto_seq) DO NOTHING"),
				j.ID, j.SessionID, j.IntegrationID, j.FromSeq, j.UptoSeq, b2i(j.Final), j.CrmID, JournalPending, ms(j.NextAttemptAt), ms(j.CreatedAt), ms(j.UpdatedAt)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.q("UPDATE sessions SET journal_seq = CASE WHEN journal_seq > ? THEN journal_seq ELSE ? END, journal_done = CASE WHEN ? = 1 THEN 1 ELSE journal_done END WHERE id = ?"),
			uptoSeq, uptoSeq, b2i(final), sessionID)
		return err
	})
}

const chatJournalCols = "id, session_id, integration_id, from_seq, upto_seq, final, crm_id, status, attempts, next_attempt_at, contact_id, last_error, trace, created_at, updated_at"

func scanChatJournal(row interface{ Scan(...any) error }) (*ChatJournal, error) {
	var j ChatJournal
	var final int
	var next, created, updated int64
	var trace string
	if err := row.Scan(&j.ID, &j.SessionID, &j.IntegrationID, &j.FromSeq, &j.UptoSeq, &final, &j.CrmID, &j.Status, &j.Attempts,
		&next, &j.ContactID, &j.LastError, &trace, &created, &updated); err != nil {
		return nil, err
	}
	j.Final, j.NextAttemptAt, j.CreatedAt, j.UpdatedAt = final == 1, fromMS(next), fromMS(created), fromMS(updated)
	if trace != "" {
		j.Trace = []byte(trace)
	}
	return &j, nil
}

func (s *sqlStore) selectChatJournals(ctx context.Context, where string, args ...any) ([]*ChatJournal, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+chatJournalCols+" FROM chat_journals WHERE "+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ChatJournal
	for rows.Next() {
		j, err := scanChatJournal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (s *sqlStore) DueChatJournals(ctx context.Context, now time.Time, limit int) ([]*ChatJournal, error) {
	return s.selectChatJournals(ctx, "status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", JournalPending, ms(now), limit)
}

func (s *sqlStore) ChatJournals(ctx context.Context, sessionID string) ([]*ChatJournal, error) {
	return s.selectChatJournals(ctx, "session_id = ? ORDER BY created_at, upto_seq, integration_id", sessionID)
}

func (s *sqlStore) SaveChatJournal(ctx context.Context, j *ChatJournal, ev *SessionEvent) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := affected(tx.ExecContext(ctx, s.q("UPDATE chat_journals SET status = ?, attempts = ?, next_attempt_at = ?, contact_id = ?, last_error = ?, trace = ?, updated_at = ? WHERE id = ?"),
			j.Status, j.Attempts, ms(j.NextAttemptAt), j.ContactID, j.LastError, string(j.Trace), ms(j.UpdatedAt), j.ID)); err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		e := *ev
		e.SessionID = j.SessionID
		return s.insertEvent(ctx, tx, &e)
	})
}

// prefixed qualifies each of a comma-separated list of columns.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, c := range parts {
		parts[i] = prefix + c
	}
	return strings.Join(parts, ", ")
}

// prepended scans leading columns into extra before the ones a scan
// function of a row type reads.
type prepended struct {
	rows  *sql.Rows
	extra []any
}

func prependScan(rows *sql.Rows, extra ...any) prepended { return prepended{rows: rows, extra: extra} }

func (p prepended) Scan(dest ...any) error { return p.rows.Scan(append(p.extra, dest...)...) }
