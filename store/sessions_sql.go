package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

const sessionCols = "id, channel_id, number, customer, state, queue_id, assignee, removed, created_at, updated_at, last_message_at, last_inbound_at, closed_at"

func scanSession(row interface{ Scan(...any) error }) (*Session, error) {
	var ses Session
	var removed int
	var created, updated, last, inbound, closed int64
	if err := row.Scan(&ses.ID, &ses.ChannelID, &ses.Number, &ses.Customer, &ses.State, &ses.QueueID, &ses.Assignee, &removed,
		&created, &updated, &last, &inbound, &closed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	ses.Removed = removed == 1
	ses.CreatedAt, ses.UpdatedAt, ses.LastMessageAt = fromMS(created), fromMS(updated), fromMS(last)
	ses.LastInboundAt, ses.ClosedAt = optMS(inbound), optMS(closed)
	return &ses, nil
}

// optMS reads a time that 0 means "none of".
func optMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

// msOpt writes a time that may be zero as 0.
func msOpt(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// selectSessions reads sessions; those deleted from the history are never
// read again.
func (s *sqlStore) selectSessions(ctx context.Context, x execer, where string, args ...any) ([]*Session, error) {
	rows, err := x.QueryContext(ctx, s.q("SELECT "+sessionCols+" FROM sessions WHERE deleted = 0 AND "+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		ses, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ses)
	}
	return out, rows.Err()
}

func (s *sqlStore) insertSession(ctx context.Context, x execer, ses *Session) error {
	_, err := x.ExecContext(ctx, s.q("INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		ses.ID, ses.ChannelID, ses.Number, ses.Customer, ses.State, ses.QueueID, ses.Assignee, b2i(ses.Removed),
		ms(ses.CreatedAt), ms(ses.UpdatedAt), ms(ses.LastMessageAt), msOpt(ses.LastInboundAt), msOpt(ses.ClosedAt))
	return err
}

func (s *sqlStore) insertEvent(ctx context.Context, x execer, ev *SessionEvent) error {
	if ev.ID == "" {
		ev.ID = NewID("evt")
	}
	detail, _ := json.Marshal(ev.Detail) // a map of strings always marshals
	if ev.Detail == nil {
		detail = []byte("{}")
	}
	_, err := x.ExecContext(ctx, s.q("INSERT INTO session_events (id, session_id, type, actor, detail, at, seq) VALUES (?, ?, ?, ?, ?, ?, ?)"),
		ev.ID, ev.SessionID, ev.Type, ev.Actor, string(detail), ms(ev.At), nextSeq(ev.At))
	return err
}

const messageCols = "id, seq, session_id, channel_id, number, customer, direction, author, text, media_urls, provider_id, status, error, attempts, next_attempt_at, created_at, sent_at, updated_at"

func scanMessage(row interface{ Scan(...any) error }) (*Message, error) {
	var m Message
	var media string
	var next, created, sent, updated int64
	if err := row.Scan(&m.ID, &m.Seq, &m.SessionID, &m.ChannelID, &m.Number, &m.Customer, &m.Direction, &m.Author, &m.Text, &media,
		&m.ProviderID, &m.Status, &m.Error, &m.Attempts, &next, &created, &sent, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	var err error
	m.MediaURLs, err = unmarshalList(media)
	m.NextAttemptAt, m.CreatedAt, m.SentAt, m.UpdatedAt = optMS(next), fromMS(created), optMS(sent), fromMS(updated)
	return &m, err
}

func (s *sqlStore) insertMessage(ctx context.Context, x execer, m *Message) error {
	if m.Seq == 0 {
		m.Seq = nextSeq(m.CreatedAt)
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
	_, err := x.ExecContext(ctx, s.q("INSERT INTO messages ("+messageCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		m.ID, m.Seq, m.SessionID, m.ChannelID, m.Number, m.Customer, m.Direction, m.Author, m.Text, marshalList(m.MediaURLs),
		m.ProviderID, m.Status, m.Error, m.Attempts, msOpt(m.NextAttemptAt), ms(m.CreatedAt), msOpt(m.SentAt), ms(m.UpdatedAt))
	return err
}

// selectMessages reads messages; those deleted from the history (kept for
// the numbers' figures) are never read again.
func (s *sqlStore) selectMessages(ctx context.Context, x execer, where string, args ...any) ([]*Message, error) {
	rows, err := x.QueryContext(ctx, s.q("SELECT "+messageCols+" FROM messages WHERE deleted = 0 AND "+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// liveSession returns the customer's session on a number that is not
// closed, locked, or nil.
func (s *sqlStore) liveSession(ctx context.Context, tx *sql.Tx, channelID, number, customer string) (*Session, error) {
	list, err := s.selectSessions(ctx, tx, "channel_id = ? AND number = ? AND customer = ? AND state <> 'closed'"+s.forUpdate(), channelID, number, customer)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// touchLiveSession opens the customer's live session on the number again
// and sets its times to the inbound message's, and returns it as it is
// now; nil when the customer has no live session.
func (s *sqlStore) touchLiveSession(ctx context.Context, tx *sql.Tx, in Inbound) (*Session, error) {
	now := ms(in.Now)
	rows, err := tx.QueryContext(ctx, s.q("UPDATE sessions SET state = 'open', last_message_at = ?, last_inbound_at = ?, updated_at = ? "+
		"WHERE channel_id = ? AND number = ? AND customer = ? AND state <> 'closed' AND deleted = 0 RETURNING "+sessionCols),
		now, now, now, in.ChannelID, in.Number, in.Customer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ses *Session
	for rows.Next() {
		if ses, err = scanSession(rows); err != nil {
			return nil, err
		}
	}
	return ses, rows.Err()
}

func (s *sqlStore) ReceiveInbound(ctx context.Context, in Inbound) (*InboundResult, error) {
	res, err := s.ReceiveInbounds(ctx, []Inbound{in})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

func (s *sqlStore) ReceiveInbounds(ctx context.Context, ins []Inbound) ([]*InboundResult, error) {
	// Two first messages of one customer on two replicas both find no live
	// session; the unique index lets one create it, and the other, tried
	// again, joins it.
	for attempt := 0; ; attempt++ {
		res, err := s.receiveOnce(ctx, ins)
		if err != nil && s.d.isUnique(err) && attempt < 3 {
			continue
		}
		return res, err
	}
}

func (s *sqlStore) InboundWriters() int {
	if s.d.name == "sqlite" {
		return 1
	}
	return sqlConns / 2 // leaving connections for the rest of the service
}

// receiveOnce stores the messages in one transaction. They are stored in
// the order of the sessions they go to — a customer's messages in their
// own order, each seeing what the ones before it did (the session the
// first message of a new customer opened) — so that transactions storing
// side by side (PostgreSQL) lock sessions in the same order and never
// wait for each other in a circle.
func (s *sqlStore) receiveOnce(ctx context.Context, ins []Inbound) ([]*InboundResult, error) {
	order := make([]int, len(ins))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := ins[a], ins[b]
		return cmp.Or(strings.Compare(x.ChannelID, y.ChannelID), strings.Compare(x.Number, y.Number), strings.Compare(x.Customer, y.Customer))
	})
	out := make([]*InboundResult, len(ins))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, i := range order {
			res, err := s.receiveIn(ctx, tx, ins[i])
			if err != nil {
				return err
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// receiveIn stores one message in tx.
func (s *sqlStore) receiveIn(ctx context.Context, tx *sql.Tx, in Inbound) (*InboundResult, error) {
	res := &InboundResult{}
	if in.ProviderID != "" {
		r, err := tx.ExecContext(ctx, s.q("INSERT INTO webhook_receipts (channel_id, provider_id, received_at) VALUES (?, ?, ?) ON CONFLICT (channel_id, provider_id) DO NOTHING"),
			in.ChannelID, in.ProviderID, ms(in.Now))
		if err != nil {
			return nil, err
		}
		if n, err := r.RowsAffected(); err != nil {
			return nil, err
		} else if n == 0 {
			res.Duplicate = true
			return res, nil
		}
	}
	// The customer's live session takes the message: it is open again (a
	// message brings an archived session back to the agent's recent list)
	// and its times move, in the one statement that finds and locks it.
	ses, err := s.touchLiveSession(ctx, tx, in)
	if err != nil {
		return nil, err
	}
	if ses == nil {
		ses = &Session{ID: NewID("ses"), ChannelID: in.ChannelID, Number: in.Number, Customer: in.Customer, State: SessionOpen,
			QueueID: in.Route.QueueID, Assignee: in.Route.Assignee, CreatedAt: in.Now, UpdatedAt: in.Now, LastMessageAt: in.Now,
			LastInboundAt: in.Now}
		if err := s.insertSession(ctx, tx, ses); err != nil {
			return nil, err
		}
		detail := map[string]string{"customer": in.Customer}
		if in.Route.QueueID != "" {
			detail["queue"] = in.Route.QueueID
		} else {
			detail["extension"] = in.Route.Assignee
		}
		if err := s.insertEvent(ctx, tx, &SessionEvent{SessionID: ses.ID, Type: EventCreated, Actor: "customer", Detail: detail, At: in.Now}); err != nil {
			return nil, err
		}
		res.Created = true
	}
	m := in.Message
	m.SessionID, m.ChannelID, m.Number, m.Customer = ses.ID, in.ChannelID, in.Number, in.Customer
	m.Direction, m.Status, m.ProviderID = DirectionIn, MessageReceived, in.ProviderID
	if err := s.insertMessage(ctx, tx, m); err != nil {
		return nil, err
	}
	res.Session, res.Message = ses, m
	return res, nil
}

func (s *sqlStore) QueueOutbound(ctx context.Context, m *Message) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q("UPDATE sessions SET state = 'open', last_message_at = ?, updated_at = ? WHERE id = ? AND state <> 'closed'"),
			ms(m.CreatedAt), ms(m.CreatedAt), m.SessionID)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := s.selectOne(ctx, tx, m.SessionID); err != nil {
				return err
			}
			return ErrSessionClosed
		}
		return s.insertMessage(ctx, tx, m)
	})
}

func (s *sqlStore) selectOne(ctx context.Context, x execer, id string) (*Session, error) {
	list, err := s.selectSessions(ctx, x, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ErrNotFound
	}
	return list[0], nil
}

func (s *sqlStore) OpenSession(ctx context.Context, ses *Session, first *Message, ev *SessionEvent) (*Session, error) {
	var existing *Session
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		live, err := s.liveSession(ctx, tx, ses.ChannelID, ses.Number, ses.Customer)
		if err != nil {
			return err
		}
		if live != nil {
			existing = live
			return ErrConflict
		}
		if err := s.insertSession(ctx, tx, ses); err != nil {
			return err
		}
		ev.SessionID = ses.ID
		if err := s.insertEvent(ctx, tx, ev); err != nil {
			return err
		}
		first.SessionID = ses.ID
		return s.insertMessage(ctx, tx, first)
	})
	if err != nil && s.d.isUnique(err) {
		// Another replica opened it just now.
		list, lerr := s.selectSessions(ctx, s.db, "channel_id = ? AND number = ? AND customer = ? AND state <> 'closed'", ses.ChannelID, ses.Number, ses.Customer)
		if lerr == nil && len(list) > 0 {
			existing = list[0]
		}
		err = ErrConflict
	}
	if errors.Is(err, ErrConflict) {
		return existing, err
	}
	return ses, err
}

func (s *sqlStore) DueOutbound(ctx context.Context, channelID string, now time.Time, limit int) ([]*Message, error) {
	return s.selectMessages(ctx, s.db, "channel_id = ? AND status = 'queued' AND next_attempt_at <= ? ORDER BY seq LIMIT ?", channelID, ms(now), limit)
}

func (s *sqlStore) UpdateDelivery(ctx context.Context, m *Message) error {
	return affected(s.exec(ctx, "UPDATE messages SET status = ?, provider_id = ?, error = ?, attempts = ?, next_attempt_at = ?, sent_at = ?, updated_at = ? WHERE id = ?",
		m.Status, m.ProviderID, m.Error, m.Attempts, msOpt(m.NextAttemptAt), msOpt(m.SentAt), ms(m.UpdatedAt), m.ID))
}

// statusRank orders delivery statuses: a report only moves a message
// forward.
var statusRank = map[string]int{MessageQueued: 0, MessageSending: 1, MessageSent: 2, MessageDelivered: 3, MessageRead: 4}

func (s *sqlStore) ApplyReport(ctx context.Context, channelID, providerID, status, errText string, now time.Time) (*Message, error) {
	var out *Message
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		list, err := s.selectMessages(ctx, tx, "channel_id = ? AND provider_id = ? AND direction <> 'in'"+s.forUpdate(), channelID, providerID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrNotFound
		}
		m := list[0]
		out = m
		old, known := statusRank[m.Status]
		switch {
		case status == MessageFailed && known && old <= statusRank[MessageSent]:
		case status != MessageFailed && known && statusRank[status] > old:
		default:
			return nil // nothing newer
		}
		m.Status, m.UpdatedAt = status, now
		if status == MessageFailed {
			m.Error = errText
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE messages SET status = ?, error = ?, updated_at = ? WHERE id = ?"), m.Status, m.Error, ms(now), m.ID)
		return err
	})
	return out, err
}

func (s *sqlStore) RequeueSending(ctx context.Context, channelID string, now time.Time) (int, error) {
	r, err := s.exec(ctx, "UPDATE messages SET status = 'queued', next_attempt_at = 0, updated_at = ? WHERE channel_id = ? AND status = 'sending'", ms(now), channelID)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

func (s *sqlStore) GetSession(ctx context.Context, id string) (*Session, error) {
	return s.selectOne(ctx, s.db, id)
}

func (s *sqlStore) ListSessions(ctx context.Context, f SessionFilter) ([]*Session, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(f.States) > 0 {
		a := make([]any, len(f.States))
		for i, st := range f.States {
			a[i] = st
		}
		add("state IN ("+placeholders(len(a))+")", a...)
	}
	if f.ChannelID != "" {
		add("channel_id = ?", f.ChannelID)
	}
	if f.Number != "" {
		add("number = ?", f.Number)
	}
	if f.Customer != "" {
		add("customer = ?", f.Customer)
	}
	if f.Agent != "" {
		add("assignee = ?", f.Agent)
	}
	if !f.IncludeRemoved {
		add("removed = 0")
	}
	if !f.From.IsZero() {
		add("created_at >= ?", ms(f.From))
	}
	if !f.To.IsZero() {
		add("created_at < ?", ms(f.To))
	}
	if v := f.Visible; v != nil {
		cond := "assignee = ?"
		a := []any{v.Extension}
		if len(v.Queues) > 0 {
			cond = "(assignee = ? OR (assignee = '' AND queue_id IN (" + placeholders(len(v.Queues)) + ")))"
			for _, q := range v.Queues {
				a = append(a, q)
			}
		}
		add(cond, a...)
	}
	if len(where) == 0 {
		where = []string{"1 = 1"}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit, max(f.Offset, 0))
	return s.selectSessions(ctx, s.db, strings.Join(where, " AND ")+" ORDER BY last_message_at DESC, id LIMIT ? OFFSET ?", args...)
}

func (s *sqlStore) ChangeSession(ctx context.Context, c SessionChange) (*Session, error) {
	var out *Session
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		list, err := s.selectSessions(ctx, tx, "id = ?"+s.forUpdate(), c.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrNotFound
		}
		ses := list[0]
		out = ses
		if len(c.States) > 0 && !slices.Contains(c.States, ses.State) {
			if ses.State == SessionClosed {
				return ErrSessionClosed
			}
			return fmt.Errorf("%w: the session is %s", ErrConflict, ses.State)
		}
		if c.UnassignedOnly && ses.Assignee != "" {
			return fmt.Errorf("%w: extension %s has taken the session over", ErrConflict, ses.Assignee)
		}
		return s.applyChange(ctx, tx, ses, c)
	})
	return out, err
}

// applyChange writes a change to a locked session and records its event.
func (s *sqlStore) applyChange(ctx context.Context, tx *sql.Tx, ses *Session, c SessionChange) error {
	if c.State != nil {
		if *c.State == SessionClosed && ses.State != SessionClosed {
			ses.ClosedAt = c.Now
		}
		ses.State = *c.State
	}
	if c.QueueID != nil {
		ses.QueueID = *c.QueueID
	}
	if c.Assignee != nil {
		ses.Assignee = *c.Assignee
	}
	if c.Removed != nil {
		ses.Removed = *c.Removed
	}
	ses.UpdatedAt = c.Now
	if _, err := tx.ExecContext(ctx, s.q("UPDATE sessions SET state = ?, queue_id = ?, assignee = ?, removed = ?, updated_at = ?, closed_at = ? WHERE id = ?"),
		ses.State, ses.QueueID, ses.Assignee, b2i(ses.Removed), ms(c.Now), msOpt(ses.ClosedAt), ses.ID); err != nil {
		return err
	}
	if c.Event == nil {
		return nil
	}
	ev := *c.Event
	ev.SessionID, ev.At = ses.ID, c.Now
	return s.insertEvent(ctx, tx, &ev)
}

func (s *sqlStore) CloseIdleSessions(ctx context.Context, channelID string, idleBefore, now time.Time) ([]*Session, error) {
	var out []*Session
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		idle, err := s.selectSessions(ctx, tx, "channel_id = ? AND state <> 'closed' AND last_message_at < ?"+s.forUpdate(), channelID, ms(idleBefore))
		if err != nil {
			return err
		}
		closed := SessionClosed
		for _, ses := range idle {
			if err := s.applyChange(ctx, tx, ses, SessionChange{State: &closed, Now: now,
				Event: &SessionEvent{Type: EventClosed, Actor: "system", Detail: map[string]string{"reason": "idle"}}}); err != nil {
				return err
			}
		}
		out = idle
		return nil
	})
	return out, err
}

// DeleteSession removes a session from the history: its messages lose
// their content (and are no longer sent) but keep counting in the numbers'
// figures; its timeline goes.
func (s *sqlStore) DeleteSession(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := affected(tx.ExecContext(ctx, s.q("UPDATE sessions SET deleted = 1, state = 'closed', journal_done = 1 WHERE id = ? AND deleted = 0"), id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE messages SET deleted = 1, text = '', media_urls = '[]', error = '' WHERE session_id = ?"), id); err != nil {
			return err
		}
		// Its content is gone: what was not journaled yet never will be.
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM chat_journals WHERE session_id = ? AND status = ?"), id, JournalPending); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM session_events WHERE session_id = ?"), id)
		return err
	})
}

func (s *sqlStore) Messages(ctx context.Context, sessionID string) ([]*Message, error) {
	return s.selectMessages(ctx, s.db, "session_id = ? ORDER BY seq", sessionID)
}

func (s *sqlStore) DeleteMessage(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var dir string
		err := tx.QueryRowContext(ctx, s.q("SELECT direction FROM messages WHERE id = ? AND deleted = 0"), id).Scan(&dir)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if dir == DirectionSystem {
			return fmt.Errorf("%w: messages the system sent cannot be deleted", ErrInUse)
		}
		// The content goes; the row stays, counted in its number's figures.
		return affected(tx.ExecContext(ctx, s.q("UPDATE messages SET deleted = 1, text = '', media_urls = '[]', error = '' WHERE id = ?"), id))
	})
}

func (s *sqlStore) Timeline(ctx context.Context, sessionID string) ([]*SessionEvent, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id, session_id, type, actor, detail, at FROM session_events WHERE session_id = ? ORDER BY seq"), sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SessionEvent
	for rows.Next() {
		var ev SessionEvent
		var detail string
		var at int64
		if err := rows.Scan(&ev.ID, &ev.SessionID, &ev.Type, &ev.Actor, &detail, &at); err != nil {
			return nil, err
		}
		ev.At = fromMS(at)
		if err := json.Unmarshal([]byte(detail), &ev.Detail); err != nil {
			return nil, err
		}
		out = append(out, &ev)
	}
	return out, rows.Err()
}

// numberCounts are the four counts of NumberStats, as SQL.
const numberCounts = "SUM(CASE WHEN direction <> 'in' AND status IN ('sent', 'delivered', 'read', 'failed') THEN 1 ELSE 0 END), " +
	"SUM(CASE WHEN direction <> 'in' AND status IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END), " +
	"SUM(CASE WHEN direction <> 'in' AND status = 'failed' THEN 1 ELSE 0 END), " +
	"SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END) "

func (s *sqlStore) NumberStats(ctx context.Context, channelID string, from, to time.Time) ([]NumberStats, error) {
	q := "SELECT number, " + numberCounts + "FROM messages WHERE channel_id = ?"
	args := []any{channelID}
	if !from.IsZero() {
		q += " AND created_at >= ?"
		args = append(args, ms(from))
	}
	if !to.IsZero() {
		q += " AND created_at < ?"
		args = append(args, ms(to))
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+" GROUP BY number ORDER BY number"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NumberStats
	for rows.Next() {
		st := NumberStats{ChannelID: channelID}
		if err := rows.Scan(&st.Number, &st.Sent, &st.Succeeded, &st.Failed, &st.Received); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *sqlStore) NumberStatsSeries(ctx context.Context, channelID string, from, to time.Time, step time.Duration) ([]NumberStatsBucket, error) {
	size := step.Milliseconds()
	if size <= 0 {
		return nil, fmt.Errorf("a series needs a step of a millisecond or more, not %s", step)
	}
	// Integer division: both databases truncate, and created_at >= from.
	q := "SELECT number, (created_at - ?) / ? AS bucket, " + numberCounts +
		"FROM messages WHERE channel_id = ? AND created_at >= ? AND created_at < ? GROUP BY number, bucket ORDER BY number, bucket"
	rows, err := s.db.QueryContext(ctx, s.q(q), ms(from), size, channelID, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NumberStatsBucket
	for rows.Next() {
		st := NumberStatsBucket{NumberStats: NumberStats{ChannelID: channelID}}
		var bucket int64
		if err := rows.Scan(&st.Number, &bucket, &st.Sent, &st.Succeeded, &st.Failed, &st.Received); err != nil {
			return nil, err
		}
		st.Start = from.UTC().Add(time.Duration(bucket) * step)
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *sqlStore) SetOptOut(ctx context.Context, channelID, number, customer string, out bool, now time.Time) error {
	if !out {
		_, err := s.exec(ctx, "DELETE FROM opt_outs WHERE channel_id = ? AND number = ? AND customer = ?", channelID, number, customer)
		return err
	}
	_, err := s.exec(ctx, "INSERT INTO opt_outs (channel_id, number, customer, at) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id, number, customer) DO UPDATE SET at = excluded.at",
		channelID, number, customer, ms(now))
	return err
}

func (s *sqlStore) OptedOut(ctx context.Context, channelID, number, customer string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM opt_outs WHERE channel_id = ? AND number = ? AND customer = ?"), channelID, number, customer).Scan(&n)
	return n > 0, err
}
