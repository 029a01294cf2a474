package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// NewID returns a random id with a prefix: "ses_3f9a…".
func NewID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + "_" + hex.EncodeToString(b)
}

// lastSeq orders messages and timeline events: the time in nanoseconds,
// strictly increasing within the process, so two rows made in the same
// nanosecond still have an order.
var lastSeq atomic.Int64

func nextSeq(now time.Time) int64 {
	for {
		prev := lastSeq.Load()
		n := max(now.UnixNano(), prev+1)
		if lastSeq.CompareAndSwap(prev, n) {
			return n
		}
	}
}

// execer is what *sql.DB and *sql.Tx share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a transaction and commits when it returns nil.
func (s *sqlStore) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func marshalList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l) // strings always marshal
	return string(b)
}

func unmarshalList(raw string) ([]string, error) {
	out := []string{}
	if raw == "" {
		return out, nil
	}
	return out, json.Unmarshal([]byte(raw), &out)
}

// --- channels

const channelCols = "id, webhook_key, name, messages_per_second, auto_close_days, verify_token, settings, created_at, updated_at"

func (s *sqlStore) sealToken(ch *Channel) []byte {
	return s.sealer.Seal([]byte(ch.VerifyToken), []byte("channel:"+ch.ID))
}

func (s *sqlStore) CreateChannel(ctx context.Context, in *Integration, ch *Channel) error {
	if in.ID != ch.ID {
		return fmt.Errorf("a channel has its integration's id: %q is not %q", ch.ID, in.ID)
	}
	sealed, err := s.sealSecrets(in)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertIntegration(ctx, tx, in, sealed); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO channels ("+channelCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			ch.ID, ch.WebhookKey, ch.Name, ch.MessagesPerSecond, ch.AutoCloseDays, s.sealToken(ch), settingsJSON(ch.Settings),
			ms(ch.CreatedAt), ms(ch.UpdatedAt)); err != nil {
			if s.d.isUnique(err) {
				return fmt.Errorf("%w: a channel with this id or webhook key", ErrConflict)
			}
			return err
		}
		return s.putNumbers(ctx, tx, ch)
	})
}

func (s *sqlStore) putNumbers(ctx context.Context, tx *sql.Tx, ch *Channel) error {
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM channel_numbers WHERE channel_id = ?"), ch.ID); err != nil {
		return err
	}
	for i, n := range ch.Numbers {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO channel_numbers (channel_id, number, number_id, dest_type, dest_id, allowed_extensions, position) VALUES (?, ?, ?, ?, ?, ?, ?)"),
			ch.ID, n.Number, n.NumberID, n.DestType, n.DestID, marshalList(n.AllowedExtensions), i); err != nil {
			if s.d.isUnique(err) {
				return fmt.Errorf("%w: number %s is given twice or is on another channel", ErrConflict, n.Number)
			}
			return err
		}
	}
	return nil
}

func (s *sqlStore) UpdateChannel(ctx context.Context, ch *Channel) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := affected(tx.ExecContext(ctx, s.q("UPDATE channels SET name = ?, messages_per_second = ?, auto_close_days = ?, verify_token = ?, settings = ?, updated_at = ? WHERE id = ?"),
			ch.Name, ch.MessagesPerSecond, ch.AutoCloseDays, s.sealToken(ch), settingsJSON(ch.Settings), ms(ch.UpdatedAt), ch.ID)); err != nil {
			return err
		}
		return s.putNumbers(ctx, tx, ch)
	})
}

func (s *sqlStore) scanChannel(row interface{ Scan(...any) error }) (*Channel, error) {
	var ch Channel
	var sealed []byte
	var settings string
	var created, updated int64
	if err := row.Scan(&ch.ID, &ch.WebhookKey, &ch.Name, &ch.MessagesPerSecond, &ch.AutoCloseDays, &sealed, &settings, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	token, err := s.sealer.Open(sealed, []byte("channel:"+ch.ID))
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", ch.ID, err)
	}
	ch.VerifyToken, ch.Settings = string(token), []byte(settings)
	ch.CreatedAt, ch.UpdatedAt = fromMS(created), fromMS(updated)
	ch.Numbers = []ChannelNumber{}
	return &ch, nil
}

// withNumbers loads the numbers of the channels.
func (s *sqlStore) withNumbers(ctx context.Context, chs []*Channel) ([]*Channel, error) {
	if len(chs) == 0 {
		return chs, nil
	}
	byID := map[string]*Channel{}
	ids := make([]any, 0, len(chs))
	for _, ch := range chs {
		byID[ch.ID] = ch
		ids = append(ids, ch.ID)
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT channel_id, number, number_id, dest_type, dest_id, allowed_extensions FROM channel_numbers WHERE channel_id IN ("+
		placeholders(len(ids))+") ORDER BY channel_id, position"), ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, allowed string
		var n ChannelNumber
		if err := rows.Scan(&id, &n.Number, &n.NumberID, &n.DestType, &n.DestID, &allowed); err != nil {
			return nil, err
		}
		if n.AllowedExtensions, err = unmarshalList(allowed); err != nil {
			return nil, err
		}
		byID[id].Numbers = append(byID[id].Numbers, n)
	}
	return chs, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *sqlStore) GetChannel(ctx context.Context, id string) (*Channel, error) {
	return s.oneChannel(ctx, "id", id)
}

func (s *sqlStore) ChannelByWebhookKey(ctx context.Context, key string) (*Channel, error) {
	return s.oneChannel(ctx, "webhook_key", key)
}

func (s *sqlStore) ChannelStamp(ctx context.Context, key string) (string, error) {
	// Every column the channel's use of its rows reads, hashed. Numbers
	// are not read: they change only with the channel's row
	// (UpdateChannel), whose verify token is sealed again then, with a
	// fresh nonce, so the stamp changes even when nothing else does.
	var (
		chID, name, settings, tplID, fields, inSettings, globals, tplKey string
		mps, autoClose, chUpdated, inUpdated, tplUpdated                 int64
		token, secrets, xml                                              []byte
	)
	err := s.db.QueryRowContext(ctx, s.q("SELECT c.id, c.name, c.messages_per_second, c.auto_close_days, c.verify_token, c.settings, c.updated_at, "+
		"i.template_id, i.fields, i.secrets, i.settings, i.global_vars, i.updated_at, t.key, t.xml, t.updated_at "+
		"FROM channels c JOIN integrations i ON i.id = c.id JOIN templates t ON t.id = i.template_id WHERE c.webhook_key = ?"), key).
		Scan(&chID, &name, &mps, &autoClose, &token, &settings, &chUpdated, &tplID, &fields, &secrets, &inSettings, &globals, &inUpdated,
			&tplKey, &xml, &tplUpdated)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, v := range [][]byte{[]byte(chID), []byte(name), []byte(settings), []byte(tplID), []byte(fields), []byte(inSettings),
		[]byte(globals), []byte(tplKey), token, secrets, xml} {
		// Each value with its length, so that no two rows hash alike by
		// moving bytes from one column to the next.
		_ = binary.Write(h, binary.BigEndian, int64(len(v)))
		h.Write(v)
	}
	_ = binary.Write(h, binary.BigEndian, []int64{mps, autoClose, chUpdated, inUpdated, tplUpdated})
	return chID + ":" + hex.EncodeToString(h.Sum(nil)), nil
}

func (s *sqlStore) oneChannel(ctx context.Context, col, v string) (*Channel, error) {
	ch, err := s.scanChannel(s.db.QueryRowContext(ctx, s.q("SELECT "+channelCols+" FROM channels WHERE "+col+" = ?"), v))
	if err != nil {
		return nil, err
	}
	chs, err := s.withNumbers(ctx, []*Channel{ch})
	if err != nil {
		return nil, err
	}
	return chs[0], nil
}

func (s *sqlStore) ListChannels(ctx context.Context) ([]*Channel, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+channelCols+" FROM channels ORDER BY created_at, id")
	if err != nil {
		return nil, err
	}
	var out []*Channel
	for rows.Next() {
		ch, err := s.scanChannel(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, ch)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	return s.withNumbers(ctx, out)
}

func (s *sqlStore) DeleteChannel(ctx context.Context, id string, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		live, err := s.selectSessions(ctx, tx, "channel_id = ? AND state <> 'closed'"+s.forUpdate(), id)
		if err != nil {
			return err
		}
		for _, ses := range live {
			closed := SessionClosed
			if err := s.applyChange(ctx, tx, ses, SessionChange{State: &closed, Now: now,
				Event: &SessionEvent{Type: EventClosed, Actor: "system", Detail: map[string]string{"reason": "the channel was deleted"}}}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE messages SET status = 'failed', error = 'the channel was deleted', updated_at = ? WHERE channel_id = ? AND status IN ('queued', 'sending')"),
			ms(now), id); err != nil {
			return err
		}
		for _, q := range []string{
			"DELETE FROM channel_numbers WHERE channel_id = ?",
			"DELETE FROM opt_outs WHERE channel_id = ?",
			"DELETE FROM helpdesk_users WHERE integration_id = ?",
			"DELETE FROM oauth_states WHERE integration_id = ?",
			"DELETE FROM auth_tokens WHERE key = ?",
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return err
			}
		}
		if err := affected(tx.ExecContext(ctx, s.q("DELETE FROM channels WHERE id = ?"), id)); err != nil {
			return err
		}
		return affected(tx.ExecContext(ctx, s.q("DELETE FROM integrations WHERE id = ?"), id))
	})
}

// --- queues

const queueCols = "id, name, agents, created_at, updated_at"

func scanQueue(row interface{ Scan(...any) error }) (*MessageQueue, error) {
	var q MessageQueue
	var agents string
	var created, updated int64
	if err := row.Scan(&q.ID, &q.Name, &agents, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	var err error
	q.Agents, err = unmarshalList(agents)
	q.CreatedAt, q.UpdatedAt = fromMS(created), fromMS(updated)
	return &q, err
}

func (s *sqlStore) CreateQueue(ctx context.Context, q *MessageQueue) error {
	_, err := s.exec(ctx, "INSERT INTO message_queues ("+queueCols+") VALUES (?, ?, ?, ?, ?)",
		q.ID, q.Name, marshalList(q.Agents), ms(q.CreatedAt), ms(q.UpdatedAt))
	if err != nil && s.d.isUnique(err) {
		return ErrConflict
	}
	return err
}

func (s *sqlStore) UpdateQueue(ctx context.Context, q *MessageQueue) error {
	return affected(s.exec(ctx, "UPDATE message_queues SET name = ?, agents = ?, updated_at = ? WHERE id = ?",
		q.Name, marshalList(q.Agents), ms(q.UpdatedAt), q.ID))
}

func (s *sqlStore) GetQueue(ctx context.Context, id string) (*MessageQueue, error) {
	return scanQueue(s.db.QueryRowContext(ctx, s.q("SELECT "+queueCols+" FROM message_queues WHERE id = ?"), id))
}

func (s *sqlStore) ListQueues(ctx context.Context) ([]*MessageQueue, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+queueCols+" FROM message_queues ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*MessageQueue
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func (s *sqlStore) DeleteQueue(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var numbers []string
		rows, err := tx.QueryContext(ctx, s.q("SELECT number FROM channel_numbers WHERE dest_type = 'queue' AND dest_id = ? ORDER BY number"), id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			numbers = append(numbers, n)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(numbers) > 0 {
			return fmt.Errorf("%w: channel number(s) %s route to the queue; route them elsewhere first", ErrInUse, strings.Join(numbers, ", "))
		}
		var waiting int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM sessions WHERE queue_id = ? AND assignee = '' AND state <> 'closed'"), id).Scan(&waiting); err != nil {
			return err
		}
		if waiting > 0 {
			return fmt.Errorf("%w: %d session(s) wait in the queue; take them over or transfer them first", ErrInUse, waiting)
		}
		return affected(tx.ExecContext(ctx, s.q("DELETE FROM message_queues WHERE id = ?"), id))
	})
}

func (s *sqlStore) AddDeadLetter(ctx context.Context, d DeadLetter) error {
	_, err := s.exec(ctx, "INSERT INTO dead_letters (id, channel_id, reason, payload, created_at) VALUES (?, ?, ?, ?, ?)",
		d.ID, d.ChannelID, d.Reason, string(d.Payload), ms(d.CreatedAt))
	return err
}

func (s *sqlStore) ListDeadLetters(ctx context.Context, channelID string, limit int) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	q, args := "SELECT id, channel_id, reason, payload, created_at FROM dead_letters", []any{}
	if channelID != "" {
		q += " WHERE channel_id = ?"
		args = append(args, channelID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+" ORDER BY created_at DESC, id DESC LIMIT ?"), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		var payload string
		var created int64
		if err := rows.Scan(&d.ID, &d.ChannelID, &d.Reason, &payload, &created); err != nil {
			return nil, err
		}
		d.Payload, d.CreatedAt = []byte(payload), fromMS(created)
		out = append(out, d)
	}
	return out, rows.Err()
}
