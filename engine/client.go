package engine

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/internal/configcheck"
)

// Credentials are what an Authorizer adds to requests.
type Credentials struct {
	// Header holds the auth headers, e.g. Authorization. They are set after
	// the template-wide headers and before the request's own. The engine
	// never modifies Header or Secrets, so an Authorizer may hand out the
	// same ones on every call.
	Header http.Header
	// Vars are variables for templates, e.g. AccessToken.
	Vars Vars
	// Secrets are values to mask in traces (tokens, passwords).
	Secrets []string
}

// Authorizer supplies credentials for requests. Implementations live in the
// auth package.
type Authorizer interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// SharedLimiter hands out slots shared by several processes.
type SharedLimiter interface {
	// Acquire waits for a slot; release gives it back.
	Acquire(ctx context.Context) (release func(), err error)
}

// Refresher is implemented by authorizers that can replace a token the
// remote API rejected. The engine calls Refresh once when a response
// matches the template's TokenErrorMap, then sends the request again with
// fresh credentials.
type Refresher interface {
	Refresh(ctx context.Context, stale Credentials) error
}

// ClientConfig configures a Client. Zero values take the defaults noted.
type ClientConfig struct {
	// Auth supplies credentials. Default: none.
	Auth Authorizer
	// Vars are the integration's variables: custom field values and
	// GetGlobalInfo outputs. Every run sees them.
	Vars Vars
	// Secrets are extra values to mask in traces. Password custom fields
	// in Vars are masked without being listed here.
	Secrets []string
	// Transport is the base HTTP transport. Default: a pooled transport.
	Transport http.RoundTripper
	// Limiter bounds requests in flight to this integration. Share one
	// between Clients of the same integration. Default: a new one sized by
	// the template's MaxConcurrentRequest.
	Limiter *semaphore.Weighted
	// Shared, when set, also bounds requests in flight across processes
	// (replicas sharing a database). A request takes a slot of Limiter
	// first, then one of Shared. Default: none.
	Shared SharedLimiter
	// Timeout bounds each attempt of a request, answer included.
	// Default 30s.
	Timeout time.Duration
	// Retry says what is retried and how. Zero: RetryPolicy defaults.
	Retry RetryPolicy
	// MaxResponseBytes is the largest response read. Default 10 MiB.
	MaxResponseBytes int64
	// Observe, when set, is told of every request sent (for metrics).
	Observe func(Observation)
	// Waiting, when set, is told when requests start (+1) and stop (-1)
	// waiting for a free slot under MaxConcurrentRequest.
	Waiting func(delta int)
}

// WithDefaults returns the config with its zero fields filled in.
func (c ClientConfig) WithDefaults(t *Template) ClientConfig {
	if c.Auth == nil {
		c.Auth = noAuth{}
	}
	if c.Transport == nil {
		c.Transport = defaultBase()
	}
	if c.Limiter == nil {
		c.Limiter = semaphore.NewWeighted(int64(t.Source.MaxConcurrentRequest()))
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.Retry = c.Retry.WithDefaults()
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return c
}

// Defaults of ClientConfig.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 10 << 20
)

// Validate names the first field that cannot work, the rule, and the fix.
// NewClient takes a config as it is: callers validate what they were given.
func (c ClientConfig) Validate() error {
	if err := configcheck.NotNegative("client", configcheck.Duration{Name: "Timeout", Value: c.Timeout, Default: DefaultTimeout}); err != nil {
		return err
	}
	if c.MaxResponseBytes < 0 {
		return fmt.Errorf("client: MaxResponseBytes %d is negative; give a positive size, or 0 for %d", c.MaxResponseBytes, DefaultMaxResponseBytes)
	}
	return c.Retry.Validate()
}

type noAuth struct{}

func (noAuth) Credentials(context.Context) (Credentials, error) { return Credentials{}, nil }

// Client runs the scenarios of one integration: a compiled template with
// its variables and credentials. It is safe for concurrent use; all runs
// share its concurrency limit.
type Client struct {
	tmpl   *Template
	cfg    ClientConfig
	retry  *retryablehttp.Client
	masker *Masker         // the integration's secrets; runs add their credentials'
	base   map[string]Vars // per scenario: its settings under the integration's variables

	mu          sync.Mutex
	credSecrets []string // the credential secrets credMask was made for
	credMask    *Masker  // masker with those secrets, reused while they last
}

// NewClient returns a client for the template.
func NewClient(t *Template, cfg ClientConfig) *Client {
	cfg = cfg.WithDefaults(t)
	secrets := append([]string(nil), cfg.Secrets...)
	for _, name := range t.Source.SecretFields() {
		if v := cfg.Vars[name]; v != "" {
			secrets = append(secrets, v)
		}
	}
	// A run's variables start from the scenario's settings overlaid with
	// the integration's variables; both are fixed, so they are merged once.
	base := make(map[string]Vars, len(t.scenarios))
	for id, sc := range t.scenarios {
		v := make(Vars, len(sc.settings)+len(cfg.Vars))
		maps.Copy(v, sc.settings)
		maps.Copy(v, cfg.Vars)
		base[id] = v
	}
	return &Client{
		tmpl:   t,
		cfg:    cfg,
		retry:  newRetryClient(cfg),
		masker: NewMasker(secrets...),
		base:   base,
	}
}

// Template returns the compiled template the client runs.
func (c *Client) Template() *Template { return c.tmpl }

// Vars returns the integration's variables every run sees (custom fields,
// global info), for rendering outside a run such as a screen-pop URL.
func (c *Client) Vars() Vars { return c.cfg.Vars }

// maskerFor returns a masker for the integration's secrets and the
// credentials' ones. Credentials change rarely (a token renewal), so the
// masker is built once per set of credentials, not once per run.
func (c *Client) maskerFor(cred Credentials) *Masker {
	if len(cred.Secrets) == 0 {
		return c.masker
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.credMask == nil || !slices.Equal(c.credSecrets, cred.Secrets) {
		c.credSecrets, c.credMask = slices.Clone(cred.Secrets), c.masker.With(cred.Secrets...)
	}
	return c.credMask
}
