package accounts

import (
	"context"
	"runtime"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Password lengths, in characters.
const (
	MinPasswordLength = 10
	// MaxPasswordLength bounds the work a sign-in can ask of the hash.
	MaxPasswordLength = 1024
)

// checkPassword says what is wrong with a new password.
func checkPassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return invalid("password", "the password is too short: it needs at least %d characters (it has %d)", MinPasswordLength, n)
	case n > MaxPasswordLength:
		return invalid("password", "the password is too long: at most %d characters (it has %d)", MaxPasswordLength, n)
	}
	return nil
}

// hasher makes and checks argon2id hashes, a few at a time: each takes
// Hash.MemoryKiB of memory, and a flood of sign-ins must not take it all.
type hasher struct {
	params *argon2id.Params
	slots  chan struct{}
	// dummy is a hash to check unknown accounts' passwords against, so
	// they take as long to refuse as known ones.
	dummy     string
	dummyOnce sync.Once
}

func newHasher(p HashParams) *hasher {
	return &hasher{
		params: &argon2id.Params{Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism, SaltLength: 16, KeyLength: 32},
		slots:  make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

func (h *hasher) take(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	if err := h.take(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.slots }()
	return argon2id.CreateHash(password, h.params)
}

// check reports whether password matches hash ("" checks against a dummy
// and is false), and whether the hash should be made again at the
// current cost.
func (h *hasher) check(ctx context.Context, password, hash string) (ok, stale bool, err error) {
	dummy := hash == ""
	if dummy {
		h.dummyOnce.Do(func() { h.dummy, _ = argon2id.CreateHash("not a password of anyone", h.params) })
		hash = h.dummy
	}
	if err := h.take(ctx); err != nil {
		return false, false, err
	}
	defer func() { <-h.slots }()
	ok, p, err := argon2id.CheckHash(password, hash)
	if err != nil || dummy {
		return false, false, err
	}
	stale = p.Memory != h.params.Memory || p.Iterations != h.params.Iterations || p.Parallelism != h.params.Parallelism
	return ok, stale, nil
}
