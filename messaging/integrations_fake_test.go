package messaging_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
)

// The runtime the service is given in production is the integrations
// package's.
var _ messaging.Integrations = (*integrations.Runtime)(nil)

// fakeIntegrations is the runtime of connected templates as messaging sees
// it, built the way integrations.Runtime builds it, without its outbound
// guards and metrics: templates compiled once per XML, one engine client
// per integration, built again when its values change, and one limiter
// per integration (the template's MaxConcurrentRequest) that all its
// clients share.
type fakeIntegrations struct {
	st store.Store
	// waiting, when set, is told when requests (and senders) start (+1)
	// and stop (-1) waiting for one of an integration's slots.
	waiting chan int

	mu        sync.Mutex
	compiled  map[string]*engine.Template // by XML
	clients   map[string]fakeClient       // by integration id
	limiters  map[string]*semaphore.Weighted
	forgotten []string
}

type fakeClient struct {
	built string // what the client was built from
	c     *engine.Client
}

func newFakeIntegrations(st store.Store) *fakeIntegrations {
	return &fakeIntegrations{st: st, compiled: map[string]*engine.Template{}, clients: map[string]fakeClient{},
		limiters: map[string]*semaphore.Weighted{}}
}

func (f *fakeIntegrations) Compile(t *store.Template) (*engine.Template, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.compiled[string(t.XML)]; c != nil {
		return c, nil
	}
	c, problems := engine.Load(t.Key+".xml", t.XML, engine.Options{Location: time.UTC})
	if c == nil {
		return nil, fmt.Errorf("template %s does not load: %v", t.Key, problems.Errors())
	}
	f.compiled[string(t.XML)] = c
	return c, nil
}

func (f *fakeIntegrations) Client(ctx context.Context, in *store.Integration) (*engine.Client, error) {
	t, err := f.st.GetTemplate(ctx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	et, err := f.Compile(t)
	if err != nil {
		return nil, err
	}
	fields := engine.Vars{}
	for k, v := range in.Fields {
		fields[k] = v
	}
	for k, v := range in.Secrets {
		fields[k] = v
	}
	built := fmt.Sprintf("%p %v", et, fields) // fmt prints maps sorted
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[in.ID]; ok && c.built == built {
		return c.c, nil
	}
	authz, err := auth.New(et, fields, auth.Options{})
	if err != nil {
		return nil, err
	}
	sem := f.limiters[in.ID]
	if sem == nil {
		sem = semaphore.NewWeighted(int64(et.Source.MaxConcurrentRequest()))
		f.limiters[in.ID] = sem
	}
	cfg := engine.ClientConfig{Vars: fields, Auth: authz, Limiter: sem,
		Retry: engine.RetryPolicy{Max: 1, WaitMin: time.Millisecond, WaitMax: time.Millisecond}}
	if f.waiting != nil {
		cfg.Waiting = func(delta int) {
			select {
			case f.waiting <- delta:
			default: // nobody looks at that many
			}
		}
	}
	c := engine.NewClient(et, cfg)
	f.clients[in.ID] = fakeClient{built, c}
	return c, nil
}

func (f *fakeIntegrations) SplitFields(t *engine.Template, in, keep map[string]string) (map[string]string, map[string]string, error) {
	return integrations.SplitFields(t, in, keep)
}

func (f *fakeIntegrations) Forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, id)
	delete(f.limiters, id)
	f.forgotten = append(f.forgotten, id)
}

func (f *fakeIntegrations) wasForgotten(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.forgotten, id)
}
