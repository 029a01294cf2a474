package integrations

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/configcheck"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultOAuthStateTTL  = 15 * time.Minute
	DefaultPublicURL      = "http://localhost:8080"
	// DefaultGlobalInfoInterval is how often GetGlobalInfo runs again for
	// every connected integration (besides when the leader starts).
	DefaultGlobalInfoInterval = 6 * time.Hour
	// DefaultTokenRenewalInterval is how often the tokens of connected
	// integrations are renewed when due, used or not.
	DefaultTokenRenewalInterval = time.Hour
)

// Config configures a Runtime. Zero values take the defaults noted.
type Config struct {
	// Store keeps templates, integrations, tokens and request slots.
	// Required.
	Store store.Store
	// Log receives what goes wrong in the background. Default: discard.
	Log *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// TimeZone is the PBX time zone templates format times in. Default
	// time.Local.
	TimeZone *time.Location
	// PublicURL is where the admin's browser comes back to after an OAuth
	// authorization. Default DefaultPublicURL.
	PublicURL string
	// Observe, when set, returns the metric hooks of one integration's
	// requests: every request sent, and requests starting (+1) and
	// stopping (-1) to wait for a free slot.
	Observe func(integrationID string) (func(engine.Observation), func(delta int))
	// Tuning is how remote APIs are reached and how often the runtime's
	// duties run; the service's config carries it as it is.
	Tuning
}

// Tuning is how a Runtime reaches remote APIs and how often it does its
// duties. Zero values take the defaults noted.
type Tuning struct {
	// AllowLinkLocal lets templates reach link-local and cloud metadata
	// addresses. Default false: refused (see outboundTransport).
	AllowLinkLocal bool
	// OutboundProxy, when set, is the HTTP proxy requests to remote APIs
	// go through. Default none; the environment's proxies are ignored.
	OutboundProxy *url.URL
	// RequestTimeout bounds each attempt of a request to a remote API.
	// Default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Retry tunes retries of requests to remote APIs. Zero: the engine's
	// defaults.
	Retry engine.RetryPolicy
	// OAuthStateTTL is how long an authorization may take. Default
	// DefaultOAuthStateTTL.
	OAuthStateTTL time.Duration
	// GlobalInfoInterval is how often one replica runs GetGlobalInfo again
	// for every connected integration; it also runs when the replicas'
	// leader starts. Default DefaultGlobalInfoInterval; negative: never
	// by itself (RefreshGlobalInfo still can be called).
	GlobalInfoInterval time.Duration
	// TokenRenewalInterval is how often one replica renews the tokens of
	// connected integrations that are due by age or expiry, so an idle
	// integration's refresh token stays alive. Default
	// DefaultTokenRenewalInterval; negative: never by itself.
	TokenRenewalInterval time.Duration
}

// WithDefaults returns the tuning with its zero fields filled in.
func (c Tuning) WithDefaults() Tuning {
	configcheck.Default(&c.OAuthStateTTL, DefaultOAuthStateTTL)
	configcheck.Default(&c.RequestTimeout, DefaultRequestTimeout)
	configcheck.Default(&c.GlobalInfoInterval, DefaultGlobalInfoInterval)
	configcheck.Default(&c.TokenRenewalInterval, DefaultTokenRenewalInterval)
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
func (c Tuning) Validate() error {
	if err := configcheck.NotNegative("integrations",
		configcheck.Duration{Name: "RequestTimeout", Value: c.RequestTimeout, Default: DefaultRequestTimeout},
		configcheck.Duration{Name: "OAuthStateTTL", Value: c.OAuthStateTTL, Default: DefaultOAuthStateTTL},
	); err != nil {
		return err
	}
	if u := c.OutboundProxy; u != nil && ((u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return fmt.Errorf("integrations: OutboundProxy %q is not an http(s) proxy URL, e.g. http://proxy.example.com:3128", u.Redacted())
	}
	return c.Retry.Validate()
}

// WithDefaults returns the config with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TimeZone == nil {
		c.TimeZone = time.Local
	}
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	c.Tuning = c.Tuning.WithDefaults()
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
func (c Config) Validate() error {
	if c.Store == nil {
		return errors.New("integrations: Config.Store is required")
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return fmt.Errorf("integrations: PublicURL %q is not an absolute http(s) URL, e.g. https://switchboard.example.com", c.PublicURL)
	}
	return c.Tuning.Validate()
}

// Runtime runs connected templates. It caches compiled templates and one
// connection (engine client, authorizer, settings) per integration; an
// entry is rebuilt when what it was built from changes (contents, not
// UpdatedAt), so a replaced template or changed fields are used at once,
// on every replica, without a restart. An integration's concurrency
// limiter outlives its connections, so the limit holds across rebuilds.
type Runtime struct {
	cfg       Config
	store     store.Store
	log       *slog.Logger
	transport http.RoundTripper
	tokenHTTP *http.Client
	tokens    *auth.DatabaseStore // the integrations' tokens, sealed in the store
	health    *health

	mu       sync.Mutex
	compiled map[string]compiledEntry // by template id
	conns    map[string]*Conn         // by integration id
	current  map[string]currentConn   // by integration id: what ConnByID saw last
	limiters map[string]limiterEntry  // by integration id
	leasers  map[string]*slotLeaser   // by integration id, on a shared store
}

type compiledEntry struct {
	sum [sha256.Size]byte // of the XML
	rev int64             // the stored template's revision, when known (else -1)
	t   *engine.Template
}

type limiterEntry struct {
	size int
	sem  *semaphore.Weighted
}

// Conn is a connected integration ready to run: its compiled template's
// client and authorizer, and its settings with the admin-written texts
// compiled. A Conn is shared and must not be changed.
type Conn struct {
	Client   *engine.Client
	Auth     engine.Authorizer // nil when the template authenticates nothing
	Settings scenarios.Settings
	Texts    scenarios.Texts

	fingerprint string
}

// New returns a runtime.
func New(cfg Config) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	tr := outboundTransport(cfg.AllowLinkLocal, cfg.OutboundProxy)
	return &Runtime{
		cfg:       cfg,
		store:     cfg.Store,
		log:       cfg.Log,
		transport: tr,
		tokenHTTP: &http.Client{Transport: tr, Timeout: cfg.RequestTimeout},
		tokens:    auth.DatabaseTokens(cfg.Store),
		health:    newHealth(cfg.Store, cfg.Log),
		compiled:  map[string]compiledEntry{},
		conns:     map[string]*Conn{},
		current:   map[string]currentConn{},
		limiters:  map[string]limiterEntry{},
		leasers:   map[string]*slotLeaser{},
	}, nil
}

// Transport is the guarded base transport (outboundTransport), for other
// fetches a template decides the address of (recordings on the PBX).
func (rt *Runtime) Transport() http.RoundTripper { return rt.transport }

// TimeZone is the PBX time zone templates format times in.
func (rt *Runtime) TimeZone() *time.Location { return rt.cfg.TimeZone }

// Compile returns the stored template compiled, from the cache when its XML
// has not changed.
func (rt *Runtime) Compile(t *store.Template) (*engine.Template, error) {
	return rt.compile(t, -1)
}

// compile is Compile, noting the revision the template was read at.
func (rt *Runtime) compile(t *store.Template, rev int64) (*engine.Template, error) {
	sum := sha256.Sum256(t.XML)
	rt.mu.Lock()
	e, ok := rt.compiled[t.ID]
	if ok && e.sum == sum {
		e.rev = max(e.rev, rev)
		rt.compiled[t.ID] = e
	}
	rt.mu.Unlock()
	if ok && e.sum == sum {
		return e.t, nil
	}
	c, problems := engine.Load(t.Key+".xml", t.XML, engine.Options{Location: rt.cfg.TimeZone})
	if c == nil {
		return nil, fmt.Errorf("stored template %s (%s) does not load: %v", t.ID, t.Key, problems.Errors())
	}
	rt.mu.Lock()
	rt.compiled[t.ID] = compiledEntry{sum, rev, c}
	rt.mu.Unlock()
	return c, nil
}

// TemplateOf returns an integration's template, compiled. The template's
// revision is read first: when the compiled one is of that revision, its
// XML is not read again (a call's work would otherwise read and hash the
// whole template every time). A revision read before the XML is never
// newer than it, so a template replaced meanwhile is read again next time.
func (rt *Runtime) TemplateOf(ctx context.Context, in *store.Integration) (*engine.Template, error) {
	rev, err := rt.store.TemplateRevision(ctx, in.TemplateID)
	if err != nil {
		return nil, fmt.Errorf("the integration's template: %w", err)
	}
	rt.mu.Lock()
	e, ok := rt.compiled[in.TemplateID]
	rt.mu.Unlock()
	if ok && e.rev == rev {
		return e.t, nil
	}
	t, err := rt.store.GetTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, fmt.Errorf("the integration's template: %w", err)
	}
	return rt.compile(t, rev)
}

// Client returns the engine client of an integration.
func (rt *Runtime) Client(ctx context.Context, in *store.Integration) (*engine.Client, error) {
	c, err := rt.Conn(ctx, in)
	if err != nil {
		return nil, err
	}
	return c.Client, nil
}

// Conn returns an integration's connection, built anew when the
// integration or its template changed since the last one.
func (rt *Runtime) Conn(ctx context.Context, in *store.Integration) (*Conn, error) {
	c, err := rt.TemplateOf(ctx, in)
	if err != nil {
		return nil, err
	}
	fp := fingerprint(c, in)
	rt.mu.Lock()
	cached := rt.conns[in.ID]
	rt.mu.Unlock()
	if cached != nil && cached.fingerprint == fp {
		return cached, nil
	}
	settings := scenarios.ParseSettings(in.Settings)
	texts, err := scenarios.CompileTexts(settings, rt.cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	client, authz, err := rt.newClient(c, in)
	if err != nil {
		return nil, err
	}
	conn := &Conn{Client: client, Auth: authz, Settings: settings, Texts: texts, fingerprint: fp}
	rt.mu.Lock()
	rt.conns[in.ID] = conn
	rt.mu.Unlock()
	return conn, nil
}

// currentConn is a connection with the integration it was built from and
// the revisions read before that integration was.
type currentConn struct {
	revs store.Revisions
	in   *store.Integration
	conn *Conn
}

// ConnByID returns an integration, as stored, and its connection. It reads
// the integration's and its template's revisions first: when they are the
// ones the last connection was built at, neither the integration (its
// secrets opened) nor the template is read again. Revisions read before
// the rows are never newer than them, so a change meanwhile is read next
// time. The integration returned is shared and must not be changed;
// store.ErrNotFound when there is none.
func (rt *Runtime) ConnByID(ctx context.Context, id string) (*Conn, *store.Integration, error) {
	revs, err := rt.store.Revisions(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return rt.ConnAt(ctx, id, &revs)
}

// ConnAt is ConnByID with the revisions already read (by the caller, with
// its other reads); nil revisions mean the integration is gone.
func (rt *Runtime) ConnAt(ctx context.Context, id string, revs *store.Revisions) (*Conn, *store.Integration, error) {
	if revs == nil {
		return nil, nil, store.ErrNotFound
	}
	rt.mu.Lock()
	cur, ok := rt.current[id]
	rt.mu.Unlock()
	if ok && cur.revs == *revs {
		return cur.conn, cur.in, nil
	}
	in, err := rt.store.GetIntegration(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	conn, err := rt.Conn(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	rt.mu.Lock()
	rt.current[id] = currentConn{revs: *revs, in: in, conn: conn}
	rt.mu.Unlock()
	return conn, in, nil
}

// fingerprint identifies what an integration's connection is built from:
// the compiled template and the integration's values. Contents, not
// UpdatedAt: that has millisecond precision, and two updates within one
// millisecond would keep the first one's connection.
func fingerprint(c *engine.Template, in *store.Integration) string {
	b, _ := json.Marshal([]any{fmt.Sprintf("%p", c), in.Fields, in.Secrets, in.GlobalVars, json.RawMessage(orEmpty(in.Settings))}) // plain values always marshal
	sum := sha256.Sum256(b)
	return string(sum[:])
}

func orEmpty(raw []byte) []byte {
	if len(raw) == 0 || !json.Valid(raw) {
		return []byte("null")
	}
	return raw
}

func (rt *Runtime) limiter(id string, size int) *semaphore.Weighted {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if e, ok := rt.limiters[id]; ok && e.size == size {
		return e.sem
	}
	sem := semaphore.NewWeighted(int64(size))
	rt.limiters[id] = limiterEntry{size, sem}
	return sem
}

// sharedSlots returns the leaser of an integration's request slots across
// replicas, sized by its limit. Like the limiter it outlives the
// integration's connections, so the slots it holds serve the rebuilt one.
func (rt *Runtime) sharedSlots(id string, size int) *slotLeaser {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if l, ok := rt.leasers[id]; ok && l.n == size {
		return l
	}
	if old := rt.leasers[id]; old != nil {
		go old.close()
	}
	l := newSlotLeaser(rt.store, id, size, rt.cfg.RequestTimeout+slotLease, rt.cfg.Now, rt.log)
	rt.leasers[id] = l
	return l
}

// Forget drops an integration's cached connection, limiter and the
// request slots it holds (it was deleted).
func (rt *Runtime) Forget(id string) {
	rt.mu.Lock()
	delete(rt.conns, id)
	delete(rt.current, id)
	delete(rt.limiters, id)
	leaser := rt.leasers[id]
	delete(rt.leasers, id)
	rt.mu.Unlock()
	if leaser != nil {
		leaser.close()
	}
	rt.health.forget(id)
}

// ForgetTemplate drops a template's compiled form (it was replaced or
// deleted); connections built on it are rebuilt on their next use.
func (rt *Runtime) ForgetTemplate(id string) {
	rt.mu.Lock()
	delete(rt.compiled, id)
	rt.mu.Unlock()
}

// FieldVars are an integration's custom field values, secret ones
// included.
func FieldVars(in *store.Integration) engine.Vars {
	v := engine.Vars{}
	for k, x := range in.Fields {
		v[k] = x
	}
	for k, x := range in.Secrets {
		v[k] = x
	}
	return v
}
