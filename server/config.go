package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/internal/configcheck"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	// Store is where everything is kept. Required.
	Store store.Store
	// Logger receives structured logs. Default: discard.
	Logger *slog.Logger
	// AdminToken, when set (SWITCHBOARD_ADMIN_TOKEN), is accepted as an
	// admin API token besides those in the store.
	AdminToken string
	// PublicURL is where the PBX, browsers and providers reach this
	// service, e.g. https://switchboard.example.com; OAuth redirect URIs are
	// built from it. Default: http://localhost:8080.
	PublicURL string
	// TimeZone is the PBX time zone for TimeFormat. Default time.Local.
	TimeZone *time.Location
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// SigningKey signs recording links; replicas must share it. Default: a
	// random key (links then last as long as the process).
	SigningKey []byte
	// RecordingsDir is where recordings named by file live. Default: none
	// (only recordings given as URLs are served).
	RecordingsDir string
	// RecordingTTL is how long a recording link works. Default 30 days.
	RecordingTTL time.Duration
	// Queue tunes the durable work queue (pipeline of call events).
	Queue store.QueueConfig
	// Integrations tunes how remote APIs are reached (link-local
	// addresses, proxy, timeouts, retries) and how often the integrations'
	// duties run. Zero: the integrations package's defaults.
	Integrations integrations.Tuning
	// Messaging tunes the conversations' background work. Zero: the
	// messaging package's defaults.
	Messaging messaging.Tuning
	// Accounts tunes the web console's sign-in: how long sessions last,
	// throttling, password hashing. Zero: the accounts package's
	// defaults.
	Accounts accounts.Tuning
	// MetricsToken, when set, is the bearer token /metrics asks for
	// (Authorization: Bearer <token>, compared in constant time); other
	// requests get 401. Default: none, /metrics is open to whoever reaches
	// it.
	MetricsToken string
	// MetricsElsewhere leaves /metrics off Handler: the caller serves
	// MetricsHandler on an address of its own (serve --metrics-addr), one
	// the public cannot reach. Default false: /metrics is on Handler.
	MetricsElsewhere bool
	// ChatJournal tunes how often closed sessions are looked for and
	// their transcripts journaled, and how failed journals are retried.
	// Zero: the chatjournal package's defaults.
	ChatJournal ChatJournalTuning
}

// Defaults of Config.
const (
	DefaultPublicURL    = integrations.DefaultPublicURL
	DefaultRecordingTTL = 30 * 24 * time.Hour
)

// WithDefaults returns the config with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.TimeZone == nil {
		c.TimeZone = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RecordingTTL == 0 {
		c.RecordingTTL = DefaultRecordingTTL
	}
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
// The parts the server is made of check their own configs too.
func (c Config) Validate() error {
	if c.Store == nil {
		return errors.New("server: Config.Store is required")
	}
	if err := configcheck.NotNegative("server",
		configcheck.Duration{Name: "RecordingTTL", Value: c.RecordingTTL, Default: DefaultRecordingTTL},
	); err != nil {
		return err
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("server: PublicURL %q is not an absolute http(s) URL, e.g. https://switchboard.example.com", c.PublicURL)
		}
	}
	if err := c.Integrations.Validate(); err != nil {
		return err
	}
	if err := c.Messaging.Validate(); err != nil {
		return err
	}
	if err := c.Accounts.Validate(); err != nil {
		return err
	}
	return c.Queue.Validate()
}

// ChatJournalTuning tunes chat journaling (chatjournal.Config).
type ChatJournalTuning struct {
	Interval  time.Duration // default chatjournal.DefaultInterval
	RetryWait time.Duration // default chatjournal.DefaultRetryWait
}
