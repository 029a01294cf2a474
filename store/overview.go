package store

import (
	"context"
	"time"
)

// Hours is a period of whole hours, [From, From + Count hours), counted
// hour by hour.
type Hours struct {
	From  time.Time
	Count int
}

// To is the end of the period (excluded).
func (h Hours) To() time.Time { return h.From.Add(time.Duration(h.Count) * time.Hour) }

// CallCounts counts calls and their runs for an overview.
type CallCounts struct {
	// ByHour counts the calls first stored in each hour of the period.
	ByHour []int
	// FailedRuns counts the runs that failed and last changed in the
	// period (a failed run retried since is no longer failed).
	FailedRuns int
	// PendingRuns counts the runs pending or running now, whenever they
	// started.
	PendingRuns int
}

// MessageCounts counts messages and offers for an overview.
type MessageCounts struct {
	// ByHour counts the messages of every direction stored in each hour
	// of the period.
	ByHour []int
	// Of the period's messages: the customers' (Received), the agents'
	// and automatic ones that went out (Succeeded: sent, delivered or
	// read), and those that could not be sent (Failed).
	Received, Succeeded, Failed int
	// Outbound counts the messages waiting to be sent now (queued or
	// being sent), whenever they were written.
	Outbound int
	// Offers counts the live sessions waiting in a queue for an agent to
	// take them over.
	Offers int
}

// addHour adds n to the count of an hour of the period.
func addHour(byHour []int, hour int64, n int) {
	if hour >= 0 && hour < int64(len(byHour)) {
		byHour[hour] += n
	}
}

const msPerHour = int64(time.Hour / time.Millisecond)

func (s *sqlStore) CallCounts(ctx context.Context, p Hours) (CallCounts, error) {
	out := CallCounts{ByHour: make([]int, max(p.Count, 0))}
	if p.Count <= 0 {
		return out, nil
	}
	from, to := ms(p.From), ms(p.To())
	// calls_created (00010) bounds the scan to the period's calls; a row
	// without data is a first event being stored.
	rows, err := s.db.QueryContext(ctx, s.q("SELECT (created_at - ?) / ?, COUNT(*) FROM calls WHERE created_at >= ? AND created_at < ? AND data <> '' GROUP BY 1"),
		from, msPerHour, from, to)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var hour int64
		var n int
		if err := rows.Scan(&hour, &n); err != nil {
			return out, err
		}
		addHour(out.ByHour, hour, n)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	// runs_status (status, updated_at) serves both.
	if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM runs WHERE status = ? AND updated_at >= ? AND updated_at < ?"),
		RunFailed, from, to).Scan(&out.FailedRuns); err != nil {
		return out, err
	}
	err = s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM runs WHERE status IN (?, ?)"), RunPending, RunRunning).Scan(&out.PendingRuns)
	return out, err
}

func (s *sqlStore) MessageCounts(ctx context.Context, p Hours) (MessageCounts, error) {
	out := MessageCounts{ByHour: make([]int, max(p.Count, 0))}
	if p.Count > 0 {
		from, to := ms(p.From), ms(p.To())
		// messages_created (00010) bounds the scan to the period.
		rows, err := s.db.QueryContext(ctx, s.q("SELECT (created_at - ?) / ?, COUNT(*), "+
			"SUM(CASE WHEN direction = 'in' THEN 1 ELSE 0 END), "+
			"SUM(CASE WHEN direction <> 'in' AND status IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END), "+
			"SUM(CASE WHEN direction <> 'in' AND status = 'failed' THEN 1 ELSE 0 END) "+
			"FROM messages WHERE created_at >= ? AND created_at < ? GROUP BY 1"), from, msPerHour, from, to)
		if err != nil {
			return out, err
		}
		defer rows.Close()
		for rows.Next() {
			var hour int64
			var n, in, succeeded, failed int
			if err := rows.Scan(&hour, &n, &in, &succeeded, &failed); err != nil {
				return out, err
			}
			addHour(out.ByHour, hour, n)
			out.Received += in
			out.Succeeded += succeeded
			out.Failed += failed
		}
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	// messages_status (00010): the few messages not sent yet.
	if err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM messages WHERE status IN (?, ?)"), MessageQueued, MessageSending).Scan(&out.Outbound); err != nil {
		return out, err
	}
	// sessions_assignee (assignee, state): the unassigned live sessions.
	err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM sessions WHERE assignee = '' AND state IN (?, ?) AND queue_id <> '' AND removed = 0"),
		SessionOpen, SessionArchived).Scan(&out.Offers)
	return out, err
}

// LastHours is the period of n whole hours, in UTC, that ends with the
// hour now is in: the last one is under way.
func LastHours(now time.Time, n int) Hours {
	end := now.UTC().Truncate(time.Hour).Add(time.Hour)
	return Hours{From: end.Add(-time.Duration(n) * time.Hour), Count: n}
}
