package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/store"
)

var ctx = context.Background()

// clock is a settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cheap hashes fast: the tests check what is done, not its cost.
var cheap = accounts.HashParams{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

type fixture struct {
	svc   *accounts.Service
	store store.Store
	clock *clock
	logs  *bytes.Buffer
}

// newService is the service on a fresh SQLite store with extension 1001,
// its clock set, its logs kept.
func newService(t *testing.T, tune ...func(*accounts.Tuning)) *fixture {
	t.Helper()
	sealer, err := store.NewSealer([]byte("test key"))
	require.NoError(t, err)
	st, err := store.OpenSQLite(ctx, t.TempDir(), sealer)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.PutExtension(ctx, store.Extension{Number: "1001", FirstName: "Dana"}))
	f := &fixture{store: st, clock: &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, logs: &bytes.Buffer{}}
	tuning := accounts.Tuning{Hash: cheap}
	for _, m := range tune {
		m(&tuning)
	}
	f.svc, err = accounts.New(accounts.Config{Store: st, Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(f.logs, nil)), Tuning: tuning})
	require.NoError(t, err)
	return f
}

const password = "correct horse battery"

func (f *fixture) user(t *testing.T, name, role, ext string) *accounts.User {
	t.Helper()
	u, err := f.svc.CreateUser(ctx, accounts.NewUser{Name: name, Email: strings.ToLower(name) + "@acme.test", Role: role, Extension: ext, Password: password})
	require.NoError(t, err)
	return u
}

func invalidField(t *testing.T, err error) string {
	t.Helper()
	var ie *accounts.InvalidError
	require.ErrorAs(t, err, &ie)
	return ie.Field
}

func TestCreateUser(t *testing.T) {
	f := newService(t)
	for _, c := range []struct {
		in      accounts.NewUser
		field   string
		message string
	}{
		{accounts.NewUser{Role: "admin", Password: password}, "name", "name is required"},
		{accounts.NewUser{Name: "dana@acme", Role: "admin", Password: password}, "name", "has an @"},
		{accounts.NewUser{Name: "Dana", Email: "not an address", Role: "admin", Password: password}, "email", `email "not an address" is not an e-mail address`},
		{accounts.NewUser{Name: "Dana", Password: password}, "role", "role is required: admin or agent"},
		{accounts.NewUser{Name: "Dana", Role: "pbx", Password: password}, "role", `role "pbx" is not one of admin, agent`},
		{accounts.NewUser{Name: "Dana", Role: "agent", Password: password}, "extension", "an agent needs the extension"},
		{accounts.NewUser{Name: "Dana", Role: "agent", Extension: "2002", Password: password}, "extension", "extension 2002 does not exist"},
		{accounts.NewUser{Name: "Dana", Role: "admin", Extension: "1001", Password: password}, "extension", "only agents have an extension"},
		{accounts.NewUser{Name: "Dana", Role: "admin", Password: "short1"}, "password", "the password is too short: it needs at least 10 characters (it has 6)"},
	} {
		_, err := f.svc.CreateUser(ctx, c.in)
		require.Equal(t, c.field, invalidField(t, err), "%+v", c.in)
		require.ErrorContains(t, err, c.message)
	}

	u, err := f.svc.CreateUser(ctx, accounts.NewUser{Name: " Dana ", Email: "Dana@Acme.test", Role: "agent", Extension: "1001", Password: password})
	require.NoError(t, err)
	require.Equal(t, accounts.User{ID: u.ID, Name: "Dana", Email: "Dana@Acme.test", Role: "agent", Extension: "1001",
		CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}, *u)
	stored, err := f.store.GetAccount(ctx, u.ID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(stored.PasswordHash, "$argon2id$"), "an argon2id hash: %s", stored.PasswordHash)
	require.NotContains(t, stored.PasswordHash, password)

	_, err = f.svc.CreateUser(ctx, accounts.NewUser{Name: "DANA", Role: "admin", Password: password})
	require.ErrorIs(t, err, store.ErrConflict)
	require.ErrorContains(t, err, `a user named "DANA"`)
	_, err = f.svc.CreateUser(ctx, accounts.NewUser{Name: "Eli", Email: "dana@acme.test", Role: "admin", Password: password})
	require.ErrorIs(t, err, store.ErrConflict)

	list, err := f.svc.ListUsers(ctx)
	require.NoError(t, err)
	require.Equal(t, []accounts.User{*u}, list)
	got, err := f.svc.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, u, got)
	_, err = f.svc.GetUser(ctx, "usr_nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NotContains(t, f.logs.String(), password)
}

func TestSignInAndOut(t *testing.T) {
	f := newService(t)
	u := f.user(t, "Dana", "agent", "1001")

	for _, login := range []string{"Dana", "dana", "DANA@acme.test"} {
		s, err := f.svc.SignIn(ctx, login, password, "10.0.0.1")
		require.NoError(t, err, login)
		require.Equal(t, *u, s.User)
		require.NotEmpty(t, s.Token)
		require.NotEmpty(t, s.CSRFToken)
		require.NotEqual(t, s.Token, s.CSRFToken)
		require.Equal(t, f.clock.Now().Add(accounts.DefaultAbsoluteTimeout), s.ExpiresAt)
		got, err := f.svc.Authenticate(ctx, s.Token)
		require.NoError(t, err)
		require.Equal(t, s.ID, got.ID)
		require.Equal(t, s.CSRFToken, got.CSRFToken)
		require.Empty(t, got.Token, "the token is not kept")
	}

	// Wrong password and unknown account: the same answer.
	_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.1")
	require.ErrorIs(t, err, accounts.ErrBadCredentials)
	_, err = f.svc.SignIn(ctx, "Nobody", password, "10.0.0.1")
	require.ErrorIs(t, err, accounts.ErrBadCredentials)
	_, err = f.svc.SignIn(ctx, "", password, "10.0.0.1")
	require.Equal(t, "login", invalidField(t, err))

	s, err := f.svc.SignIn(ctx, "Dana", password, "10.0.0.1")
	require.NoError(t, err)
	require.NoError(t, f.svc.SignOut(ctx, s.ID))
	_, err = f.svc.Authenticate(ctx, s.Token)
	require.ErrorIs(t, err, accounts.ErrNotSignedIn)
	require.NoError(t, f.svc.SignOut(ctx, s.ID), "signing out twice is no error")
	_, err = f.svc.Authenticate(ctx, "made-up")
	require.ErrorIs(t, err, accounts.ErrNotSignedIn)
	_, err = f.svc.Authenticate(ctx, "")
	require.ErrorIs(t, err, accounts.ErrNotSignedIn)

	require.NotContains(t, f.logs.String(), password, "no password in the logs")
	require.NotContains(t, f.logs.String(), "$argon2id$", "no hash in the logs")
	require.NotContains(t, f.logs.String(), s.Token, "no session token in the logs")
}

// A session ends when idle too long, and when old enough however busy.
func TestSessionExpiry(t *testing.T) {
	f := newService(t, func(t *accounts.Tuning) { t.IdleTimeout, t.AbsoluteTimeout = time.Hour, 3*time.Hour })
	f.user(t, "Dana", "agent", "1001")
	busy, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	idle, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)

	for range 5 { // 2h50m of use, each within the idle hour
		f.clock.advance(34 * time.Minute)
		_, err := f.svc.Authenticate(ctx, busy.Token)
		require.NoError(t, err)
	}
	_, err = f.svc.Authenticate(ctx, idle.Token)
	require.ErrorIs(t, err, accounts.ErrNotSignedIn, "idle for more than an hour")
	f.clock.advance(10 * time.Minute)
	_, err = f.svc.Authenticate(ctx, busy.Token)
	require.ErrorIs(t, err, accounts.ErrNotSignedIn, "three hours after sign-in")
	ids, err := f.store.UserWebSessionIDs(ctx, busy.User.ID)
	require.NoError(t, err)
	require.Empty(t, ids, "ended sessions are deleted")
}

// Sign-ins that open a session drop the sessions nobody signed out of.
func TestSignInDropsStaleSessions(t *testing.T) {
	f := newService(t, func(t *accounts.Tuning) { t.IdleTimeout = time.Hour })
	u := f.user(t, "Dana", "agent", "1001")
	_, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	f.clock.advance(2 * time.Hour)
	s, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	ids, err := f.svc.SessionIDs(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, []string{s.ID}, ids)
}

func throttledFor(t *testing.T, err error) time.Duration {
	t.Helper()
	var te *accounts.ThrottledError
	require.ErrorAs(t, err, &te)
	return te.RetryAfter
}

func TestThrottlePerAccount(t *testing.T) {
	f := newService(t)
	f.user(t, "Dana", "agent", "1001")
	for i := range accounts.DefaultMaxFailures {
		_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.1")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
		if i == 0 {
			f.clock.advance(5 * time.Minute) // the first failure leaves the window first
		}
	}
	// The right password too is refused now, whatever the address and
	// however the name is spelt.
	_, err := f.svc.SignIn(ctx, "DANA", password, "10.9.9.9")
	require.Equal(t, 10*time.Minute, throttledFor(t, err))
	require.Contains(t, err.Error(), "try again in 10m0s")
	f.clock.advance(10 * time.Minute)
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.9.9.9")
	require.NoError(t, err, "the first failure has left the window")

	// A success forgets the account's failures.
	for range accounts.DefaultMaxFailures - 1 {
		_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.2")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.0.0.3")
	require.NoError(t, err)
	for range accounts.DefaultMaxFailures - 1 {
		_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.4")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.0.0.5")
	require.NoError(t, err)

	// Names that do not exist are throttled alike: nothing tells them apart.
	for range accounts.DefaultMaxFailures {
		_, err := f.svc.SignIn(ctx, "Ghost", "wrong password!", "10.0.1.1")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err = f.svc.SignIn(ctx, "Ghost", "wrong password!", "10.0.1.2")
	require.Equal(t, accounts.DefaultFailureWindow, throttledFor(t, err))
}

func TestThrottlePerAddress(t *testing.T) {
	f := newService(t, func(t *accounts.Tuning) { t.MaxFailuresPerAddress = 3 })
	f.user(t, "Dana", "agent", "1001")
	for _, name := range []string{"a", "b", "c"} {
		_, err := f.svc.SignIn(ctx, name, "wrong password!", "10.0.0.1")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err := f.svc.SignIn(ctx, "Dana", password, "10.0.0.1")
	require.Equal(t, accounts.DefaultFailureWindow, throttledFor(t, err))
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.0.0.2")
	require.NoError(t, err, "another address is not refused")
	// A success does not reset the address: one valid account would
	// otherwise open it for guessing others.
	f.clock.advance(accounts.DefaultFailureWindow)
	for _, name := range []string{"a", "b"} {
		_, err := f.svc.SignIn(ctx, name, "wrong password!", "10.0.0.1")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.0.0.1")
	require.NoError(t, err)
	_, err = f.svc.SignIn(ctx, "c", "wrong password!", "10.0.0.1")
	require.ErrorIs(t, err, accounts.ErrBadCredentials)
	_, err = f.svc.SignIn(ctx, "Dana", password, "10.0.0.1")
	throttledFor(t, err)
}

// Concurrent guesses cannot all slip under the limit: each counts from
// its start (for every replica: the count is in the store). At the limit
// two concurrent guesses may both be refused, never both let through;
// those refused do not count, so what is left of the limit is left.
func TestThrottleConcurrentAttempts(t *testing.T) {
	f := newService(t)
	f.user(t, "Dana", "agent", "1001")
	var wg sync.WaitGroup
	var mu sync.Mutex
	tried := 0
	for range 20 {
		wg.Go(func() {
			_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.1")
			if errors.Is(err, accounts.ErrBadCredentials) {
				mu.Lock()
				tried++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, tried, accounts.DefaultMaxFailures)
	for range accounts.DefaultMaxFailures - tried {
		_, err := f.svc.SignIn(ctx, "Dana", "wrong password!", "10.0.0.1")
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	_, err := f.svc.SignIn(ctx, "Dana", password, "10.0.0.1")
	throttledFor(t, err)
}

func TestDisableAndEnable(t *testing.T) {
	f := newService(t)
	admin := f.user(t, "Root", "admin", "")
	u := f.user(t, "Dana", "agent", "1001")
	s1, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	s2, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)

	f.clock.advance(time.Minute)
	got, ended, err := f.svc.DisableUser(ctx, u.ID)
	require.NoError(t, err)
	require.True(t, got.Disabled)
	require.Equal(t, f.clock.Now(), got.UpdatedAt)
	require.ElementsMatch(t, []string{s1.ID, s2.ID}, ended)
	_, err = f.svc.Authenticate(ctx, s1.Token)
	require.ErrorIs(t, err, accounts.ErrNotSignedIn)
	_, err = f.svc.SignIn(ctx, "Dana", password, "a")
	require.ErrorIs(t, err, accounts.ErrDisabled)
	_, err = f.svc.SignIn(ctx, "Dana", "wrong password!", "a")
	require.ErrorIs(t, err, accounts.ErrBadCredentials, "a wrong password does not learn the account is disabled")

	got, err = f.svc.EnableUser(ctx, u.ID)
	require.NoError(t, err)
	require.False(t, got.Disabled)
	_, err = f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)

	_, _, err = f.svc.DisableUser(ctx, admin.ID)
	require.ErrorIs(t, err, accounts.ErrLastAdmin)
	other := f.user(t, "Ops", "admin", "")
	_, _, err = f.svc.DisableUser(ctx, admin.ID)
	require.NoError(t, err)
	_, _, err = f.svc.DisableUser(ctx, other.ID)
	require.ErrorIs(t, err, accounts.ErrLastAdmin, "the other admin is disabled")
	_, _, err = f.svc.DisableUser(ctx, "usr_nope")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestSetPassword(t *testing.T) {
	f := newService(t)
	u := f.user(t, "Dana", "agent", "1001")
	s, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	_, err = f.svc.SetPassword(ctx, u.ID, "tiny")
	require.Equal(t, "password", invalidField(t, err))
	ended, err := f.svc.SetPassword(ctx, u.ID, "a new password, long")
	require.NoError(t, err)
	require.Equal(t, []string{s.ID}, ended, "who knew the old password is signed out")
	_, err = f.svc.Authenticate(ctx, s.Token)
	require.ErrorIs(t, err, accounts.ErrNotSignedIn)
	_, err = f.svc.SignIn(ctx, "Dana", password, "a")
	require.ErrorIs(t, err, accounts.ErrBadCredentials)
	_, err = f.svc.SignIn(ctx, "Dana", "a new password, long", "a")
	require.NoError(t, err)
	_, err = f.svc.SetPassword(ctx, "usr_nope", "a new password, long")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestUpdateUser(t *testing.T) {
	f := newService(t)
	require.NoError(t, f.store.PutExtension(ctx, store.Extension{Number: "1002"}))
	root := f.user(t, "Root", "admin", "")
	u := f.user(t, "Dana", "agent", "1001")
	s, err := f.svc.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	str := func(v string) *string { return &v }

	got, sessions, err := f.svc.UpdateUser(ctx, u.ID, accounts.Change{Extension: str("1002")})
	require.NoError(t, err)
	require.Equal(t, "1002", got.Extension)
	require.Equal(t, []string{s.ID}, sessions, "its streams must end, to open again with the new extension")
	_, err = f.svc.Authenticate(ctx, s.Token)
	require.NoError(t, err, "the session stays")

	_, _, err = f.svc.UpdateUser(ctx, u.ID, accounts.Change{Extension: str("3003")})
	require.Equal(t, "extension", invalidField(t, err))
	_, _, err = f.svc.UpdateUser(ctx, u.ID, accounts.Change{Role: str("admin"), Extension: str("1002")})
	require.Equal(t, "extension", invalidField(t, err))
	got, _, err = f.svc.UpdateUser(ctx, u.ID, accounts.Change{Role: str("admin")})
	require.NoError(t, err)
	require.Equal(t, accounts.User{ID: u.ID, Name: "Dana", Email: "dana@acme.test", Role: "admin", CreatedAt: u.CreatedAt, UpdatedAt: f.clock.Now()}, *got)
	_, _, err = f.svc.UpdateUser(ctx, u.ID, accounts.Change{Role: str("agent")})
	require.Equal(t, "extension", invalidField(t, err), "an agent needs an extension")
	_, _, err = f.svc.UpdateUser(ctx, u.ID, accounts.Change{Role: str("agent"), Extension: str("1001")})
	require.NoError(t, err)
	_, _, err = f.svc.UpdateUser(ctx, root.ID, accounts.Change{Role: str("agent"), Extension: str("1002")})
	require.ErrorIs(t, err, accounts.ErrLastAdmin)
	_, _, err = f.svc.UpdateUser(ctx, root.ID, accounts.Change{Role: str("pbx")})
	require.Equal(t, "role", invalidField(t, err))
}

func TestSetup(t *testing.T) {
	f := newService(t, func(t *accounts.Tuning) { t.SetupTokenTTL = time.Hour })
	expired, err := f.svc.EnsureSetupToken(ctx)
	require.NoError(t, err)
	f.clock.advance(time.Hour)
	token, err := f.svc.EnsureSetupToken(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, token)
	require.NotEqual(t, expired, token)

	_, err = f.svc.CompleteSetup(ctx, expired, "Root", "", password)
	require.ErrorIs(t, err, accounts.ErrBadSetupToken)
	_, err = f.svc.CompleteSetup(ctx, "made-up", "Root", "", password)
	require.ErrorIs(t, err, accounts.ErrBadSetupToken)
	_, err = f.svc.CompleteSetup(ctx, token, "Root", "", "short")
	require.Equal(t, "password", invalidField(t, err))

	u, err := f.svc.CompleteSetup(ctx, token, "Root", "root@acme.test", password)
	require.NoError(t, err)
	require.Equal(t, "admin", u.Role)
	_, err = f.svc.SignIn(ctx, "root@acme.test", password, "a")
	require.NoError(t, err)

	_, err = f.svc.CompleteSetup(ctx, token, "Other", "", password)
	require.ErrorIs(t, err, accounts.ErrSetupDone)
	again, err := f.svc.EnsureSetupToken(ctx)
	require.NoError(t, err)
	require.Empty(t, again, "no setup token once someone can sign in")
	needed, err := f.svc.SetupNeeded(ctx)
	require.NoError(t, err)
	require.False(t, needed)
}

// A hash made at another cost is made again at the current one when its
// owner signs in.
func TestRehashAtSignIn(t *testing.T) {
	f := newService(t)
	u := f.user(t, "Dana", "agent", "1001")
	before, err := f.store.GetAccount(ctx, u.ID)
	require.NoError(t, err)
	require.Contains(t, before.PasswordHash, "m=64,t=1,p=1")

	dearer, err := accounts.New(accounts.Config{Store: f.store, Tuning: accounts.Tuning{Hash: accounts.HashParams{MemoryKiB: 128, Iterations: 2, Parallelism: 1}}})
	require.NoError(t, err)
	_, err = dearer.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
	after, err := f.store.GetAccount(ctx, u.ID)
	require.NoError(t, err)
	require.Contains(t, after.PasswordHash, "m=128,t=2,p=1")
	_, err = dearer.SignIn(ctx, "Dana", password, "a")
	require.NoError(t, err)
}

func TestConfig(t *testing.T) {
	_, err := accounts.New(accounts.Config{})
	require.EqualError(t, err, "accounts: Config.Store is required")
	require.EqualError(t, accounts.Tuning{IdleTimeout: -time.Second}.Validate(),
		"accounts: IdleTimeout -1s is negative; give a positive duration, or 0 for 12h0m0s")
	require.EqualError(t, accounts.Tuning{MaxFailures: -1}.Validate(),
		"accounts: MaxFailures -1 is negative; give a positive number, or 0 for 5")
	d := accounts.Tuning{}.WithDefaults()
	require.Equal(t, accounts.DefaultAbsoluteTimeout, d.AbsoluteTimeout)
	require.Equal(t, accounts.HashParams{MemoryKiB: accounts.DefaultHashMemoryKiB, Iterations: accounts.DefaultHashIterations,
		Parallelism: accounts.DefaultHashParallelism}, d.Hash)
}

// Replicas share the count: failures spread over two services on one
// store throttle the account on both.
func TestThrottleAcrossReplicas(t *testing.T) {
	f := newService(t)
	f.user(t, "Dana", "agent", "1001")
	other, err := accounts.New(accounts.Config{Store: f.store, Now: f.clock.Now, Tuning: accounts.Tuning{Hash: cheap}})
	require.NoError(t, err)
	for i := range accounts.DefaultMaxFailures {
		svc := f.svc
		if i%2 == 1 {
			svc = other
		}
		_, err := svc.SignIn(ctx, "Dana", "wrong password!", fmt.Sprintf("10.0.0.%d", i))
		require.ErrorIs(t, err, accounts.ErrBadCredentials)
	}
	for _, svc := range []*accounts.Service{f.svc, other} {
		_, err := svc.SignIn(ctx, "Dana", password, "10.9.9.9")
		require.Equal(t, accounts.DefaultFailureWindow, throttledFor(t, err))
	}
}
