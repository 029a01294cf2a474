package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

func account(id, name, email string) *store.Account {
	return &store.Account{ID: id, Name: name, Email: email, Role: store.RoleAgent, Extension: "1001",
		PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", CreatedAt: now(), UpdatedAt: now()}
}

func accounts(t *testing.T, s store.Store) {
	n, err := s.CountAccounts(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	dana := account("u1", "Dana", "Dana@Acme.test")
	require.NoError(t, s.CreateAccount(ctx, dana))
	got, err := s.GetAccount(ctx, "u1")
	require.NoError(t, err)
	require.Equal(t, dana, got)

	// Names and e-mails are unique whatever their case; no e-mail is not
	// an e-mail two accounts share.
	err = s.CreateAccount(ctx, account("u2", "dana", ""))
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorContains(t, err, `a user named "dana"`)
	err = s.CreateAccount(ctx, account("u2", "Eli", "dana@acme.TEST"))
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorContains(t, err, `e-mail "dana@acme.TEST"`)
	require.NoError(t, s.CreateAccount(ctx, account("u2", "Eli", "")))
	require.NoError(t, s.CreateAccount(ctx, account("u3", "Fay", "")))

	got, err = s.AccountByName(ctx, "DANA")
	require.NoError(t, err)
	require.Equal(t, "u1", got.ID)
	got, err = s.AccountByEmail(ctx, "dana@acme.test")
	require.NoError(t, err)
	require.Equal(t, "u1", got.ID)
	_, err = s.AccountByEmail(ctx, "")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.AccountByName(ctx, "nobody")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetAccount(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err := s.ListAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)
	n, err = s.CountAccounts(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)

	eli := list[1]
	eli.Role, eli.Extension, eli.Disabled, eli.PasswordHash = store.RoleAdmin, "", true, "$argon2id$other"
	eli.Email, eli.UpdatedAt = "eli@acme.test", now().Add(time.Second)
	require.NoError(t, s.UpdateAccount(ctx, eli))
	got, err = s.GetAccount(ctx, eli.ID)
	require.NoError(t, err)
	require.Equal(t, eli, got)
	eli.Email = "DANA@acme.test"
	require.ErrorIs(t, s.UpdateAccount(ctx, eli), store.ErrConflict)
	require.ErrorIs(t, s.UpdateAccount(ctx, account("nope", "x", "")), store.ErrNotFound)
}

func webSessions(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateAccount(ctx, account("u1", "Dana", "")))
	require.NoError(t, s.CreateAccount(ctx, account("u2", "Eli", "")))
	t0 := now()
	for i, u := range []string{"u1", "u1", "u2"} {
		require.NoError(t, s.CreateWebSession(ctx, &store.WebSession{ID: fmt.Sprint("s", i), UserID: u, CSRFToken: fmt.Sprint("csrf", i),
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), LastSeenAt: t0.Add(time.Duration(i) * time.Minute)}))
	}
	require.ErrorIs(t, s.CreateWebSession(ctx, &store.WebSession{ID: "s0", UserID: "u2", CreatedAt: t0, LastSeenAt: t0}), store.ErrConflict)
	got, err := s.GetWebSession(ctx, "s1")
	require.NoError(t, err)
	require.Equal(t, &store.WebSession{ID: "s1", UserID: "u1", CSRFToken: "csrf1", CreatedAt: t0.Add(time.Minute), LastSeenAt: t0.Add(time.Minute)}, got)
	require.NoError(t, s.TouchWebSession(ctx, "s1", t0.Add(time.Hour)))
	got, err = s.GetWebSession(ctx, "s1")
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), got.LastSeenAt)
	require.ErrorIs(t, s.TouchWebSession(ctx, "nope", t0), store.ErrNotFound)

	ids, err := s.UserWebSessionIDs(ctx, "u1")
	require.NoError(t, err)
	require.Equal(t, []string{"s0", "s1"}, ids)
	ids, err = s.DeleteUserWebSessions(ctx, "u1")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"s0", "s1"}, ids)
	_, err = s.GetWebSession(ctx, "s0")
	require.ErrorIs(t, err, store.ErrNotFound)
	ids, err = s.DeleteUserWebSessions(ctx, "u1")
	require.NoError(t, err)
	require.Empty(t, ids)

	require.NoError(t, s.DeleteWebSession(ctx, "s2"))
	require.ErrorIs(t, s.DeleteWebSession(ctx, "s2"), store.ErrNotFound)

	// Stale: idle too long, or too old however busy.
	for i, at := range []time.Duration{0, time.Hour, 2 * time.Hour} {
		require.NoError(t, s.CreateWebSession(ctx, &store.WebSession{ID: fmt.Sprint("x", i), UserID: "u2", CSRFToken: "c",
			CreatedAt: t0.Add(at), LastSeenAt: t0.Add(at)}))
	}
	require.NoError(t, s.TouchWebSession(ctx, "x0", t0.Add(3*time.Hour)))
	n, err := s.DeleteStaleWebSessions(ctx, t0.Add(90*time.Minute), t0.Add(30*time.Minute))
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "x0 is too old, x1 idle too long")
	ids, err = s.UserWebSessionIDs(ctx, "u2")
	require.NoError(t, err)
	require.Equal(t, []string{"x2"}, ids)
}

func setupTokens(t *testing.T, s store.Store) {
	t0 := now()
	require.NoError(t, s.SaveSetupToken(ctx, "old", t0.Add(time.Minute), t0))
	require.NoError(t, s.SaveSetupToken(ctx, "h1", t0.Add(time.Hour), t0))
	require.ErrorIs(t, s.SaveSetupToken(ctx, "h1", t0.Add(time.Hour), t0), store.ErrConflict)

	// Unknown and expired tokens create nobody.
	require.ErrorIs(t, s.CreateFirstAccount(ctx, account("u0", "Root", ""), "nope", t0), store.ErrNotFound)
	require.ErrorIs(t, s.CreateFirstAccount(ctx, account("u0", "Root", ""), "old", t0.Add(time.Minute)), store.ErrNotFound)
	// A token saved later drops the expired ones.
	require.NoError(t, s.SaveSetupToken(ctx, "h2", t0.Add(2*time.Hour), t0.Add(2*time.Minute)))
	require.ErrorIs(t, s.CreateFirstAccount(ctx, account("u0", "Root", ""), "old", t0), store.ErrNotFound)

	admin := account("u1", "Root", "")
	admin.Role, admin.Extension = store.RoleAdmin, ""
	require.NoError(t, s.CreateFirstAccount(ctx, admin, "h1", t0.Add(time.Minute)))
	got, err := s.GetAccount(ctx, "u1")
	require.NoError(t, err)
	require.Equal(t, admin, got)
	// Once there is an account, setup is over, and every token is spent.
	require.ErrorIs(t, s.CreateFirstAccount(ctx, account("u2", "Other", ""), "h2", t0), store.ErrConflict)
}

// Two setups at once, each with a token of its own, create one account.
func setupRace(t *testing.T, s store.Store) {
	const tries = 8
	t0 := now()
	for i := range tries {
		require.NoError(t, s.SaveSetupToken(ctx, fmt.Sprint("h", i), t0.Add(time.Hour), t0))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := range tries {
		wg.Go(func() {
			err := s.CreateFirstAccount(ctx, account(fmt.Sprint("u", i), fmt.Sprint("admin", i), ""), fmt.Sprint("h", i), t0)
			switch {
			case err == nil:
				mu.Lock()
				created++
				mu.Unlock()
			case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, created)
	n, err := s.CountAccounts(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// Sign-in attempts are counted per key in a window; one is taken back
// under every key, a key can be cleared, and old ones dropped.
func signInAttempts(t *testing.T, s store.Store) {
	t0 := now()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	require.NoError(t, s.AddSignInAttempt(ctx, "a1", []string{"login:dana", "addr:1.2.3.4"}, at(0)))
	require.NoError(t, s.AddSignInAttempt(ctx, "a2", []string{"login:dana", "addr:5.6.7.8"}, at(time.Minute)))
	require.NoError(t, s.AddSignInAttempt(ctx, "a3", []string{"login:eli", "addr:1.2.3.4"}, at(2*time.Minute)))
	times := func(key string, since time.Time) []time.Time {
		t.Helper()
		got, err := s.SignInAttempts(ctx, key, since)
		require.NoError(t, err)
		return got
	}
	require.Equal(t, []time.Time{at(0), at(time.Minute)}, times("login:dana", at(0)))
	require.Equal(t, []time.Time{at(time.Minute)}, times("login:dana", at(time.Second)), "since bounds the window")
	require.Equal(t, []time.Time{at(0), at(2 * time.Minute)}, times("addr:1.2.3.4", at(-time.Hour)))
	require.Empty(t, times("login:nobody", at(-time.Hour)))

	// a3 succeeded: taken back under both keys, and eli's count cleared.
	require.NoError(t, s.ForgetSignInAttempt(ctx, "a3", "login:eli"))
	require.Empty(t, times("login:eli", at(-time.Hour)))
	require.Equal(t, []time.Time{at(0)}, times("addr:1.2.3.4", at(-time.Hour)))
	// Taken back without clearing: the other keys keep theirs.
	require.NoError(t, s.ForgetSignInAttempt(ctx, "a2", ""))
	require.Equal(t, []time.Time{at(0)}, times("login:dana", at(-time.Hour)))
	require.Empty(t, times("addr:5.6.7.8", at(-time.Hour)))

	require.NoError(t, s.DropSignInAttempts(ctx, at(time.Second)))
	require.Empty(t, times("login:dana", at(-time.Hour)))
	require.Empty(t, times("addr:1.2.3.4", at(-time.Hour)))
}
