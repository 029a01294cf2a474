package accounts

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboard/switchboard/internal/configcheck"
	"github.com/switchboard/switchboard/store"
)

// Store is what accounts keeps in the database (store.Store satisfies it):
// the accounts, sessions and setup tokens, and the extensions an agent's
// account must name.
type Store interface {
	store.UserStore
	store.SignInThrottleStore
	GetExtension(ctx context.Context, number string) (*store.Extension, error)
}

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	Store Store // required
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives what is worth knowing (refused sign-ins, throttling);
	// never a password or a hash. Default: discard.
	Log *slog.Logger
	// Tuning is how long sessions last, when sign-ins are throttled and
	// how passwords are hashed; the server's config carries it as it is.
	Tuning
}

// Defaults of Tuning.
const (
	DefaultIdleTimeout           = 12 * time.Hour
	DefaultAbsoluteTimeout       = 7 * 24 * time.Hour
	DefaultMaxFailures           = 5
	DefaultMaxFailuresPerAddress = 20
	DefaultFailureWindow         = 15 * time.Minute
	DefaultSetupTokenTTL         = 24 * time.Hour
	// The argon2id cost: OWASP's recommendation (19 MiB, two passes, one
	// thread), some 20–40 ms of one core per sign-in.
	DefaultHashMemoryKiB   = 19 * 1024
	DefaultHashIterations  = 2
	DefaultHashParallelism = 1
)

// Tuning is how long web sessions last, when sign-ins are refused, and how
// passwords are hashed. Zero values take the defaults.
type Tuning struct {
	// IdleTimeout ends a session not used for this long. Default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in, however
	// busy. Default DefaultAbsoluteTimeout.
	AbsoluteTimeout time.Duration
	// MaxFailures is how many failed sign-ins an account (by the name or
	// e-mail given) may have within FailureWindow before further attempts
	// are refused until the window passes. Default DefaultMaxFailures.
	MaxFailures int
	// MaxFailuresPerAddress is the same for one client address, higher
	// because an office's agents may share one. Default
	// DefaultMaxFailuresPerAddress.
	MaxFailuresPerAddress int
	// FailureWindow is how long a failed sign-in counts. Default
	// DefaultFailureWindow.
	FailureWindow time.Duration
	// SetupTokenTTL is how long the first admin's setup token works.
	// Default DefaultSetupTokenTTL.
	SetupTokenTTL time.Duration
	// Hash is the argon2id cost of new password hashes. Zero fields take
	// the DefaultHash… constants; stored hashes keep the cost they were
	// made with and are made again at the next sign-in when it differs.
	Hash HashParams
}

// HashParams is the cost of an argon2id hash.
type HashParams struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// WithDefaults returns the tuning with its zero fields filled in.
func (t Tuning) WithDefaults() Tuning {
	configcheck.Default(&t.IdleTimeout, DefaultIdleTimeout)
	configcheck.Default(&t.AbsoluteTimeout, DefaultAbsoluteTimeout)
	configcheck.Default(&t.MaxFailures, DefaultMaxFailures)
	configcheck.Default(&t.MaxFailuresPerAddress, DefaultMaxFailuresPerAddress)
	configcheck.Default(&t.FailureWindow, DefaultFailureWindow)
	configcheck.Default(&t.SetupTokenTTL, DefaultSetupTokenTTL)
	configcheck.Default(&t.Hash.MemoryKiB, DefaultHashMemoryKiB)
	configcheck.Default(&t.Hash.Iterations, DefaultHashIterations)
	configcheck.Default(&t.Hash.Parallelism, DefaultHashParallelism)
	return t
}

// Validate names the first field that cannot work, the rule, and the fix.
func (t Tuning) Validate() error {
	if err := configcheck.NotNegative("accounts",
		configcheck.Duration{Name: "IdleTimeout", Value: t.IdleTimeout, Default: DefaultIdleTimeout},
		configcheck.Duration{Name: "AbsoluteTimeout", Value: t.AbsoluteTimeout, Default: DefaultAbsoluteTimeout},
		configcheck.Duration{Name: "FailureWindow", Value: t.FailureWindow, Default: DefaultFailureWindow},
		configcheck.Duration{Name: "SetupTokenTTL", Value: t.SetupTokenTTL, Default: DefaultSetupTokenTTL},
	); err != nil {
		return err
	}
	if err := configcheck.CountNotNegative("accounts", "MaxFailures", t.MaxFailures, DefaultMaxFailures); err != nil {
		return err
	}
	return configcheck.CountNotNegative("accounts", "MaxFailuresPerAddress", t.MaxFailuresPerAddress, DefaultMaxFailuresPerAddress)
}

// WithDefaults returns the config with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Tuning = c.Tuning.WithDefaults()
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
func (c Config) Validate() error {
	if c.Store == nil {
		return errors.New("accounts: Config.Store is required")
	}
	return c.Tuning.Validate()
}
