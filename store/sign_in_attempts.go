package store

import (
	"context"
	"database/sql"
	"time"
)

// SignInThrottleStore counts sign-in attempts per key (an account's login,
// a client address) for every replica alike, so that spreading attempts
// over replicas gains an attacker nothing.
type SignInThrottleStore interface {
	// AddSignInAttempt records one attempt under each key, at at.
	AddSignInAttempt(ctx context.Context, attemptID string, keys []string, at time.Time) error
	// SignInAttempts answers the times of key's attempts at or after
	// since, oldest first.
	SignInAttempts(ctx context.Context, key string, since time.Time) ([]time.Time, error)
	// ForgetSignInAttempt takes back an attempt under every key, and, when
	// clearKey is not "", every attempt under that key.
	ForgetSignInAttempt(ctx context.Context, attemptID, clearKey string) error
	// DropSignInAttempts drops every attempt made before before.
	DropSignInAttempts(ctx context.Context, before time.Time) error
}

func (s *sqlStore) AddSignInAttempt(ctx context.Context, attemptID string, keys []string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO sign_in_attempts (attempt_id, throttle_key, attempted_at) VALUES (?, ?, ?)"), attemptID, k, ms(at)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *sqlStore) SignInAttempts(ctx context.Context, key string, since time.Time) ([]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT attempted_at FROM sign_in_attempts WHERE throttle_key = ? AND attempted_at >= ? ORDER BY attempted_at"), key, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []time.Time{}
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, fromMS(at))
	}
	return out, rows.Err()
}

func (s *sqlStore) ForgetSignInAttempt(ctx context.Context, attemptID, clearKey string) error {
	_, err := s.exec(ctx, "DELETE FROM sign_in_attempts WHERE attempt_id = ? OR (throttle_key = ? AND ? <> '')", attemptID, clearKey, clearKey)
	return err
}

func (s *sqlStore) DropSignInAttempts(ctx context.Context, before time.Time) error {
	_, err := s.exec(ctx, "DELETE FROM sign_in_attempts WHERE attempted_at < ?", ms(before))
	return err
}
