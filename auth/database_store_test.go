package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/internal/testpeers"
	"github.com/switchboard/switchboard/store"
)

// The database token store is tested on the real databases it runs on:
// its turns are the store's leases.

func openSQLite(t *testing.T) store.Store {
	s, err := store.OpenSQLite(context.Background(), t.TempDir(), testSealer(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t *testing.T) store.Store {
	s, err := store.OpenPostgres(context.Background(), testpeers.PostgresSchema(t), testSealer(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func testSealer(t *testing.T) *store.Sealer {
	s, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	return s
}

func TestDatabaseStore(t *testing.T) {
	tests := map[string]func(t *testing.T, st store.Store){
		"Tokens":       databaseTokens,
		"SavedJSON":    databaseSavedJSON,
		"Renewal":      databaseRenewal,
		"RenewalTurns": databaseRenewalTurns,
	}
	for db, open := range map[string]func(*testing.T) store.Store{"SQLite": openSQLite, "Postgres": openPostgres} {
		t.Run(db, func(t *testing.T) {
			for name, test := range tests {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					test(t, open(t))
				})
			}
		})
	}
}

func dbNow() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// databaseTokens: a token saved is loaded back whole; none is nil without
// an error.
func databaseTokens(t *testing.T, st store.Store) {
	ctx := t.Context()
	s := auth.DatabaseTokens(st)
	tok, err := s.Load(ctx, "i1")
	require.NoError(t, err)
	require.Nil(t, tok)
	want := &auth.Token{AccessToken: "at-1", RefreshToken: "rt-1", TokenType: "Bearer", Expiry: dbNow().Add(time.Hour), ObtainedAt: dbNow()}
	require.NoError(t, s.Save(ctx, "i1", want))
	want.RefreshToken = "rt-2"
	require.NoError(t, s.Save(ctx, "i1", want))
	got, err := s.Load(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, want.RefreshToken, got.RefreshToken)
	require.True(t, want.Expiry.Equal(got.Expiry))
	require.True(t, want.ObtainedAt.Equal(got.ObtainedAt))

	require.NoError(t, st.SaveToken(ctx, "bad", []byte("{not json")))
	_, err = s.Load(ctx, "bad")
	require.ErrorContains(t, err, `the saved token of "bad" is not valid JSON`)
}

// databaseSavedJSON: the bytes in the database are Token's JSON, as
// databases written before the store kept tokens as bytes hold them: those
// tokens are read as they are, and new ones are written the same way.
func databaseSavedJSON(t *testing.T, st store.Store) {
	ctx := t.Context()
	s := auth.DatabaseTokens(st)
	saved := `{"access_token":"at-1","token_type":"Bearer","refresh_token":"rt-1","expiry":"2026-11-22T10:00:00Z","obtained_at":"2026-11-22T09:00:00Z"}`
	require.NoError(t, st.SaveToken(ctx, "old", []byte(saved)))
	tok, err := s.Load(ctx, "old")
	require.NoError(t, err)
	require.Equal(t, &auth.Token{AccessToken: "at-1", TokenType: "Bearer", RefreshToken: "rt-1",
		Expiry: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), ObtainedAt: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}, tok)

	require.NoError(t, s.Save(ctx, "new", tok))
	data, err := st.LoadToken(ctx, "new")
	require.NoError(t, err)
	require.JSONEq(t, saved, string(data))
	require.NoError(t, s.Save(ctx, "bare", &auth.Token{AccessToken: "a"}))
	data, err = st.LoadToken(ctx, "bare")
	require.NoError(t, err)
	require.Equal(t, `{"access_token":"a"}`, string(data), "empty fields are left out")
}

// databaseRenewal: RenewToken hands renew the saved token, saves what it
// returns, keeps the saved one when it returns nil, and gives the lease back
// whatever happens.
func databaseRenewal(t *testing.T, st store.Store) {
	ctx := t.Context()
	s := auth.DatabaseTokens(st)
	const ttl = time.Minute
	var got *auth.Token
	tok, err := s.RenewToken(ctx, "i1", ttl, func(rctx context.Context, saved *auth.Token) (*auth.Token, error) {
		got = saved
		dl, ok := rctx.Deadline()
		require.True(t, ok, "renew's context ends")
		require.False(t, dl.After(time.Now().Add(ttl)), "no later than ttl from now")
		return &auth.Token{AccessToken: "at-1", RefreshToken: "rt-1", Expiry: dbNow().Add(time.Hour)}, nil
	})
	require.NoError(t, err)
	require.Nil(t, got, "nothing saved yet")
	require.Equal(t, "at-1", tok.AccessToken)
	saved, err := s.Load(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, "rt-1", saved.RefreshToken)

	// nil keeps the saved token.
	tok, err = s.RenewToken(ctx, "i1", ttl, func(_ context.Context, saved *auth.Token) (*auth.Token, error) {
		got = saved
		return nil, nil
	})
	require.NoError(t, err)
	require.Equal(t, "at-1", got.AccessToken, "renew sees the saved token")
	require.Equal(t, "rt-1", tok.RefreshToken, "and RenewToken returns it")

	// A failed renewal changes nothing and gives the lease back.
	_, err = s.RenewToken(ctx, "i1", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
		return nil, errors.New("invalid_grant")
	})
	require.ErrorContains(t, err, "invalid_grant")
	saved, err = s.Load(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, "at-1", saved.AccessToken)

	// A token obtained after the caller gave up is saved all the same: it
	// may be the only live one.
	cctx, cancel := context.WithCancel(ctx)
	tok, err = s.RenewToken(cctx, "i1", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
		cancel()
		return &auth.Token{AccessToken: "at-2", RefreshToken: "rt-2"}, nil
	})
	require.NoError(t, err)
	require.Equal(t, "at-2", tok.AccessToken)
	saved, err = s.Load(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, "rt-2", saved.RefreshToken)

	// Keys are renewed independently, and each renewal gave its lease back:
	// none of these waits.
	for _, key := range []string{"i1", "i2"} {
		_, err = s.RenewToken(ctx, key, ttl, func(context.Context, *auth.Token) (*auth.Token, error) { return nil, nil })
		require.NoError(t, err)
	}
}

// databaseRenewalTurns: renewals of one token never overlap, across
// replicas (each with its own DatabaseStore over the one database). A
// renewal that finds one running waits for it (or for its context), then
// sees the token it saved; the lease of a holder that died lapses.
func databaseRenewalTurns(t *testing.T, st store.Store) {
	ctx := t.Context()
	replica := func() *auth.DatabaseStore { return auth.DatabaseTokens(st) }
	const ttl = time.Minute
	require.NoError(t, replica().Save(ctx, "i1", &auth.Token{AccessToken: "0"}))

	// One renewal holds the token; another gives up waiting and never runs.
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := replica().RenewToken(ctx, "i1", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
			close(entered)
			<-release
			return &auth.Token{AccessToken: "held"}, nil
		})
		done <- err
	}()
	<-entered
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := replica().RenewToken(wctx, "i1", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
		t.Error("renewed while another renewal held the token")
		return nil, nil
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	require.NoError(t, <-done)

	// Many at once: each runs alone and sees what the one before saved, so
	// no increment is lost.
	const n = 8
	var inside atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := replica().RenewToken(ctx, "i2", ttl, func(_ context.Context, saved *auth.Token) (*auth.Token, error) {
				if inside.Add(1) != 1 {
					t.Error("two renewals of one token ran at once")
				}
				defer inside.Add(-1)
				k := 0
				if saved != nil {
					k, _ = strconv.Atoi(saved.AccessToken)
				}
				return &auth.Token{AccessToken: fmt.Sprint(k + 1)}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	saved, err := replica().Load(ctx, "i2")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(n), saved.AccessToken)

	// A replica that died holding the lease (its key is "token:" and the
	// token's key) blocks renewals only until it lapses.
	ok, err := st.TryLease(ctx, "token:i3", "dead-replica", time.Now().Add(-2*time.Hour), time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = replica().RenewToken(ctx, "i3", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
		return &auth.Token{AccessToken: "after"}, nil
	})
	require.NoError(t, err)
	ok, err = st.TryLease(ctx, "token:i4", "live-replica", time.Now(), time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	wctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = replica().RenewToken(wctx, "i4", ttl, func(context.Context, *auth.Token) (*auth.Token, error) {
		t.Error("renewed under another replica's live lease")
		return nil, nil
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
