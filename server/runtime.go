package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/store"
)

// runtime caches what running an integration needs: compiled templates and
// one engine client per integration. Entries are rebuilt when the template
// or the integration changes (their contents), so a replaced template is
// used at once without a restart. The concurrency limiter of an
// integration outlives its clients, so the limit holds across rebuilds.
type runtime struct {
	s         *Server
	transport http.RoundTripper
	tokenHTTP *http.Client

	mu        sync.Mutex
	compiledT map[string]compiledEntry
	clients   map[string]clientEntry
	limiters  map[string]limiterEntry
}

type compiledEntry struct {
	sum [sha256.Size]byte // of the XML
	t   *engine.Template
}

type clientEntry struct {
	tmpl   *engine.Template // the compiled template it runs
	integ  string           // fingerprint of the integration's values
	client *engine.Client
	authz  engine.Authorizer
}

// fingerprint identifies what an integration's client is built from.
// Contents, not UpdatedAt: that has millisecond precision, and two updates
// within one millisecond would keep the first one's client.
func fingerprint(in *store.Integration) string {
	b, _ := json.Marshal([]any{in.TemplateID, in.Fields, in.Secrets, in.GlobalVars}) // maps of strings always marshal
	sum := sha256.Sum256(b)
	return string(sum[:])
}

type limiterEntry struct {
	size int
	sem  *semaphore.Weighted
}

func newRuntime(s *Server) *runtime {
	tr := outboundTransport(s.cfg.AllowLinkLocal, s.cfg.OutboundProxy)
	return &runtime{
		s:         s,
		transport: tr,
		tokenHTTP: &http.Client{Transport: tr, Timeout: s.cfg.RequestTimeout},
		compiledT: map[string]compiledEntry{},
		clients:   map[string]clientEntry{},
		limiters:  map[string]limiterEntry{},
	}
}

// compiled returns the stored template compiled, from the cache when its
// XML has not changed.
func (rt *runtime) compiled(t *store.Template) (*engine.Template, error) {
	sum := sha256.Sum256(t.XML)
	rt.mu.Lock()
	e, ok := rt.compiledT[t.ID]
	rt.mu.Unlock()
	if ok && e.sum == sum {
		return e.t, nil
	}
	c, problems := engine.Load(t.Key+".xml", t.XML, engine.Options{Location: rt.s.cfg.TimeZone})
	if c == nil {
		return nil, fmt.Errorf("stored template %s (%s) does not load: %v", t.ID, t.Key, problems.Errors())
	}
	rt.mu.Lock()
	rt.compiledT[t.ID] = compiledEntry{sum, c}
	rt.mu.Unlock()
	return c, nil
}

// fieldVars are an integration's custom field values, secret ones included.
func fieldVars(in *store.Integration) engine.Vars {
	v := engine.Vars{}
	for k, x := range in.Fields {
		v[k] = x
	}
	for k, x := range in.Secrets {
		v[k] = x
	}
	return v
}

// client returns the engine client of an integration and its authorizer.
func (rt *runtime) client(ctx context.Context, in *store.Integration) (*engine.Client, engine.Authorizer, error) {
	t, err := rt.s.store.GetTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, nil, fmt.Errorf("the integration's template: %w", err)
	}
	c, err := rt.compiled(t)
	if err != nil {
		return nil, nil, err
	}
	fp := fingerprint(in)
	rt.mu.Lock()
	e, ok := rt.clients[in.ID]
	rt.mu.Unlock()
	if ok && e.tmpl == c && e.integ == fp {
		return e.client, e.authz, nil
	}
	fields := fieldVars(in)
	// auth.DatabaseTokens is a SharedTokenStore: the replicas on one database
	// take turns renewing the token, so a rotated refresh token is spent
	// once.
	authz, err := auth.New(c, fields, auth.Options{Store: auth.DatabaseTokens(rt.s.store), Key: in.ID, HTTPClient: rt.tokenHTTP, Now: rt.s.cfg.Now})
	if err != nil {
		return nil, nil, err
	}
	vars := engine.Vars{}
	for k, x := range in.GlobalVars {
		vars[k] = x
	}
	for k, x := range fields {
		vars[k] = x
	}
	observe, waiting := rt.s.metrics.observer(in.ID)
	limit := c.Source.MaxConcurrentRequest()
	cfg := engine.ClientConfig{Auth: authz, Vars: vars, Transport: rt.transport,
		Limiter: rt.limiter(in.ID, limit), Timeout: rt.s.cfg.RequestTimeout, Retry: rt.s.cfg.RemoteRetry,
		Observe: observe, Waiting: waiting}
	if store.Shared(rt.s.store) {
		// Replicas share the database: MaxConcurrentRequest holds across
		// all of them.
		cfg.Shared = &slotLimiter{st: rt.s.store, id: in.ID, n: limit, ttl: rt.s.cfg.RequestTimeout + 30*time.Second, now: rt.s.cfg.Now}
	}
	client := engine.NewClient(c, cfg)
	rt.mu.Lock()
	rt.clients[in.ID] = clientEntry{c, fp, client, authz}
	rt.mu.Unlock()
	return client, authz, nil
}

func (rt *runtime) limiter(id string, size int) *semaphore.Weighted {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if e, ok := rt.limiters[id]; ok && e.size == size {
		return e.sem
	}
	sem := semaphore.NewWeighted(int64(size))
	rt.limiters[id] = limiterEntry{size, sem}
	return sem
}

// forget drops an integration's cached client (it was deleted).
func (rt *runtime) forget(id string) {
	rt.mu.Lock()
	delete(rt.clients, id)
	delete(rt.limiters, id)
	rt.mu.Unlock()
}

// templateOf returns an integration's template, compiled.
func (rt *runtime) templateOf(ctx context.Context, in *store.Integration) (*engine.Template, error) {
	t, err := rt.s.store.GetTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, fmt.Errorf("the integration's template: %w", err)
	}
	return rt.compiled(t)
}
