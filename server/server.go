// Package server is Switchboard's HTTP layer: the routes of the API and
// their authentication, request decoding (exact keys, sizes, content
// types), views (the JSON shapes of the API), the mapping of the domain's
// errors to statuses, the OAuth callback page, recordings links, the
// event stream to agents' screens, metrics, and the OpenAPI document. It
// composes the services and starts and stops them as one.
//
// It must not hold the domain: what a call does is calls', the runtime of
// a connected template is integrations', conversations and channels are
// messaging's, storage is store's. A handler decodes, asks a service, and
// shows the answer; no River worker, template compiling, client building
// or business rule lives here. It reads the store itself only for plain
// listings (templates, extensions, dead letters, channel statistics) and
// for its own concerns: API tokens, readiness, the stream's notifications.
// People, passwords and web sessions are accounts'; server only carries
// the session's cookie and checks its CSRF token.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/accounts"
	"github.com/switchboard/switchboard/calls"
	"github.com/switchboard/switchboard/chatjournal"
	"github.com/switchboard/switchboard/examples"
	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/messaging"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/web"
)

// Server serves the API. Create it with New.
type Server struct {
	cfg        Config
	store      store.Store
	recordings *recordings
	hub        *hub
	life       chan struct{} // held (size 1) by Start and Stop
	run        *serverRun    // the running background work; nil when stopped
	log        *slog.Logger
	metrics    *metrics
	registry   *prometheus.Registry
	integ      *integrations.Runtime
	calls      *calls.Service
	msg        *messaging.Service
	accounts   *accounts.Service
	console    *web.Console
	mux        *http.ServeMux
	patterns   []string // the routes, as registered
}

// New returns a server over the store, with the built-in templates loaded.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger, registry: prometheus.NewRegistry(), life: make(chan struct{}, 1)}
	s.metrics = newMetrics(s.registry)
	integ, err := integrations.New(integrations.Config{Store: cfg.Store, Log: cfg.Logger, Now: cfg.Now, TimeZone: cfg.TimeZone,
		PublicURL: cfg.PublicURL, Observe: s.metrics.observer, Tuning: cfg.Integrations})
	if err != nil {
		return nil, err
	}
	s.integ = integ
	s.hub = newHub(cfg.Now)
	msg, err := messaging.New(messaging.Config{Store: cfg.Store, Integrations: integ, PublicURL: cfg.PublicURL,
		Publish: s.publishMessaging, Count: s.metrics.countMessaging, Notifier: cfg.Store.Notifier(), Now: cfg.Now, Log: cfg.Logger,
		Tuning: cfg.Messaging})
	if err != nil {
		return nil, err
	}
	s.msg = msg
	if s.accounts, err = accounts.New(accounts.Config{Store: cfg.Store, Now: cfg.Now, Log: cfg.Logger, Tuning: cfg.Accounts}); err != nil {
		return nil, err
	}
	s.recordings = newRecordings(cfg, &http.Client{Transport: integ.Transport(), Timeout: 5 * time.Minute})
	if err := integ.InstallBuiltins(ctx, examples.Templates); err != nil {
		return nil, fmt.Errorf("installing the built-in templates: %w", err)
	}
	journal, err := chatjournal.New(chatjournal.Config{Store: cfg.Store, Runtime: integ, Interval: cfg.ChatJournal.Interval,
		RetryWait: cfg.ChatJournal.RetryWait,
		TimeZone:  cfg.TimeZone, Now: cfg.Now, Log: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.calls, err = calls.New(ctx, calls.Config{Store: cfg.Store, Runtime: integ, Queue: journal.AddJobs(msg.AddJobs(integ.AddJobs(cfg.Queue))),
		OpenQueue: func(ctx context.Context, qc store.QueueConfig) (store.Queue, error) {
			return store.OpenQueue(ctx, cfg.Store, qc)
		},
		Publish: s.publishScreenPop, RecordURL: s.recordings.url, Count: s.metrics.countStep,
		TimeZone: cfg.TimeZone, Now: cfg.Now, Log: cfg.Logger})
	if err != nil {
		return nil, err
	}
	s.metrics.state.read, s.metrics.state.log = s.readState, cfg.Logger
	if s.console, err = web.New(web.Config{Log: cfg.Logger, Role: s.pageRole}); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// serverRun is one Start of the server: what Stop ends and waits for.
type serverRun struct {
	stopListen context.CancelFunc
	listened   chan struct{} // closed when the stream listener has returned
}

// Start begins, in the background, working queued jobs (call events and
// their work), sending queued messages, and listening for other replicas'
// stream events. ctx's values are kept but its end is not: only Stop ends
// the work, so that a signal's context ending lets Stop finish running
// jobs rather than cut them off. Start while running does nothing; after
// Stop it starts again. The background parts follow River's startstop
// rules (rivershared/startstop).
func (s *Server) Start(ctx context.Context) error {
	s.life <- struct{}{}
	defer func() { <-s.life }()
	if s.run != nil {
		return nil
	}
	bg := context.WithoutCancel(ctx)
	lctx, cancel := context.WithCancel(bg)
	r := &serverRun{stopListen: cancel, listened: make(chan struct{})}
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		defer close(r.listened)
		s.listenStream(lctx, func() { once.Do(func() { close(ready) }) })
	}()
	wait := time.NewTimer(10 * time.Second)
	select {
	case <-ready:
	case <-wait.C:
		s.log.Warn("not listening for other replicas' stream events yet; retrying in the background")
	}
	wait.Stop()
	if err := s.calls.Start(bg); err != nil {
		cancel()
		<-r.listened
		return err
	}
	s.msg.Start(bg)
	s.run = r
	return nil
}

// Stop ends the background work and waits for it: jobs not started stay
// queued, and so do messages not yet sent; running jobs and messages
// already out are waited for. When ctx ends first, what still runs is cut
// off (jobs run again, messages are sent again with the same
// Idempotency-Key), Stop waits for it to unwind and returns ctx's error.
// Stop without Start, or once stopped, does nothing.
func (s *Server) Stop(ctx context.Context) error {
	select {
	case s.life <- struct{}{}:
	default:
		select { // another Start or Stop is under way
		case s.life <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("stopping the server: %w", context.Cause(ctx))
		}
	}
	defer func() { <-s.life }()
	r := s.run
	if r == nil {
		return nil
	}
	s.run = nil
	var msgErr, queueErr error
	var wg sync.WaitGroup
	wg.Go(func() { msgErr = s.msg.Stop(ctx) })
	wg.Go(func() { queueErr = s.calls.Stop(ctx) })
	wg.Wait()
	// The listener goes last: the work stopping above may still publish.
	r.stopListen()
	<-r.listened
	return errors.Join(msgErr, queueErr)
}

// Accounts is the service of the people who sign in to the web console:
// the command line asks it for the first admin's setup link.
func (s *Server) Accounts() *accounts.Service { return s.accounts }

// Routes lists the routes the service serves ("GET /api/v1/calls/{callId}"),
// for documentation checks.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// Handler is the HTTP handler of the whole service.
func (s *Server) Handler() http.Handler { return s.metrics.wrap(s.mux) }

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) routes() {
	m := http.NewServeMux()
	handle := func(pattern string, h http.Handler) {
		s.patterns = append(s.patterns, pattern)
		m.Handle(pattern, h)
	}
	admin := func(h handler) http.Handler { return s.authorize(h, store.RoleAdmin) }
	// Templates.
	handle("POST /api/v1/templates", admin(s.createTemplate))
	handle("GET /api/v1/templates", admin(s.listTemplates))
	handle("POST /api/v1/templates/validate", admin(s.validateTemplate))
	handle("POST /api/v1/templates/run", admin(s.runTemplate))
	handle("GET /api/v1/templates/{id}", admin(s.getTemplate))
	handle("GET /api/v1/templates/{id}/xml", admin(s.downloadTemplate))
	handle("PUT /api/v1/templates/{id}", admin(s.replaceTemplate))
	handle("DELETE /api/v1/templates/{id}", admin(s.deleteTemplate))
	// The web console: signing in and out, the first admin, and the
	// people who sign in.
	handle("POST /api/v1/auth/setup", s.serve(s.setup))
	handle("POST /api/v1/auth/login", s.serve(s.login))
	handle("POST /api/v1/auth/logout", s.authorize(s.logout, store.RoleAdmin, store.RoleAgent))
	handle("GET /api/v1/auth/me", s.authorize(s.me, store.RoleAdmin, store.RoleAgent))
	handle("POST /api/v1/users", admin(s.createAccount))
	handle("GET /api/v1/users", admin(s.listAccounts))
	handle("PATCH /api/v1/users/{id}", admin(s.patchAccount))
	handle("POST /api/v1/users/{id}/disable", admin(s.disableAccount))
	handle("POST /api/v1/users/{id}/enable", admin(s.enableAccount))
	handle("PUT /api/v1/users/{id}/password", admin(s.setAccountPassword))
	// API tokens.
	handle("POST /api/v1/tokens", admin(s.createToken))
	handle("GET /api/v1/tokens", admin(s.listTokens))
	handle("DELETE /api/v1/tokens/{id}", admin(s.deleteToken))
	// Integrations.
	handle("POST /api/v1/integrations", admin(s.createIntegration))
	handle("GET /api/v1/integrations", admin(s.listIntegrations))
	handle("GET /api/v1/integrations/{id}", admin(s.getIntegration))
	handle("DELETE /api/v1/integrations/{id}", admin(s.deleteIntegration))
	handle("PUT /api/v1/integrations/{id}/fields", admin(s.updateFields))
	handle("PUT /api/v1/integrations/{id}/settings", admin(s.updateSettings))
	handle("PATCH /api/v1/integrations/{id}/settings", admin(s.patchSettings))
	handle("POST /api/v1/integrations/{id}/users/sync", admin(s.syncUsers))
	handle("GET /api/v1/integrations/{id}/users", admin(s.listUsers))
	handle("POST /api/v1/integrations/{id}/users/autobind", admin(s.autobindUsers))
	handle("PUT /api/v1/integrations/{id}/users/{userId}", admin(s.bindUser))
	handle("GET /api/v1/integrations/{id}/contacts/search", s.authorize(s.searchContacts, store.RoleAdmin, store.RoleAgent))
	handle("GET /integration/callback/api/{kind}/{id}/", s.serve(s.oauthCallback))
	// Extensions.
	handle("PUT /api/v1/extensions/{number}", admin(s.putExtension))
	handle("GET /api/v1/extensions", s.authorize(s.listExtensions, store.RoleAdmin, store.RolePBX))
	// Calls.
	// The PBX's events: API tokens only, never a browser's session.
	handle("POST /api/v1/events/calls", s.authorizeToken(s.postCallEvent, store.RolePBX, store.RoleAdmin))
	handle("POST /api/v1/events/yeastar", s.authorizeToken(s.postYeastarEvent, store.RolePBX, store.RoleAdmin))
	// A Yeastar PBX's own webhook cannot send a token: its URL's last
	// segment is the credential (pbx_webhooks_api.go).
	handle("POST /api/v1/events/yeastar/{secret}", s.serve(s.postYeastarWebhook))
	handle("POST /api/v1/pbx-webhooks", admin(s.createPBXWebhook))
	handle("GET /api/v1/pbx-webhooks", admin(s.listPBXWebhooks))
	handle("POST /api/v1/pbx-webhooks/{id}/rotate", admin(s.rotatePBXWebhook))
	handle("DELETE /api/v1/pbx-webhooks/{id}", admin(s.deletePBXWebhook))
	handle("GET /api/v1/calls", s.authorize(s.listCalls, store.RoleAdmin, store.RoleAgent))
	handle("GET /api/v1/calls/{callId}", admin(s.getCall))
	handle("GET /api/v1/calls/{callId}/popup", s.authorize(s.callPopup, store.RoleAdmin, store.RoleAgent))
	handle("GET /api/v1/runs", admin(s.listRuns))
	handle("POST /api/v1/runs/{id}/retry", admin(s.retryRun))
	handle("GET /recordings/{token}", s.serve(s.serveRecording))
	handle("GET /api/v1/stream", s.authorize(s.stream, store.RoleAdmin, store.RoleAgent))
	handle("POST /api/v1/integrations/{id}/contacts", s.authorize(s.createContact, store.RoleAdmin, store.RoleAgent))
	handle("GET /api/v1/integrations/{id}/contacts/group", s.authorize(s.contactGroup, store.RoleAdmin, store.RoleAgent))
	// Messaging: channels, queues, webhooks.
	handle("POST /api/v1/channels", admin(s.createChannel))
	handle("GET /api/v1/channels", admin(s.listChannels))
	handle("GET /api/v1/channels/{id}", admin(s.getChannel))
	handle("PUT /api/v1/channels/{id}", admin(s.updateChannel))
	handle("DELETE /api/v1/channels/{id}", admin(s.deleteChannel))
	handle("GET /api/v1/channels/{id}/stats", admin(s.channelStats))
	handle("POST /api/v1/channels/{id}/verify", admin(s.verifyChannel))
	handle("GET /api/v1/dead-letters", admin(s.listDeadLetters))
	handle("POST /api/v1/queues", admin(s.createQueue))
	handle("GET /api/v1/queues", s.authorize(s.listQueues, store.RoleAdmin, store.RoleAgent))
	handle("GET /api/v1/queues/{id}", s.authorize(s.getQueue, store.RoleAdmin, store.RoleAgent))
	handle("PUT /api/v1/queues/{id}", admin(s.updateQueue))
	handle("DELETE /api/v1/queues/{id}", admin(s.deleteQueue))
	handle("POST /webhooks/channels/{key}", s.serve(s.channelWebhook))
	handle("GET /webhooks/channels/{key}", s.serve(s.channelHandshake))
	// Messaging: sessions, for agents (their own and their queues') and
	// admins (all).
	agentOrAdmin := func(h handler) http.Handler { return s.authorize(h, store.RoleAdmin, store.RoleAgent) }
	handle("GET /api/v1/sessions", agentOrAdmin(s.listSessions))
	handle("POST /api/v1/sessions", agentOrAdmin(s.startSession))
	handle("GET /api/v1/sessions/numbers", agentOrAdmin(s.startNumbers))
	handle("GET /api/v1/sessions/{id}", agentOrAdmin(s.getSession))
	handle("DELETE /api/v1/sessions/{id}", agentOrAdmin(s.removeSession))
	handle("GET /api/v1/sessions/{id}/messages", agentOrAdmin(s.sessionMessages))
	handle("GET /api/v1/sessions/{id}/events", agentOrAdmin(s.sessionEvents))
	handle("POST /api/v1/sessions/{id}/messages", agentOrAdmin(s.sendMessage))
	handle("GET /api/v1/sessions/{id}/messages/{messageId}/media/{n}", agentOrAdmin(s.messageMedia))
	handle("POST /api/v1/sessions/{id}/takeover", agentOrAdmin(s.takeOver))
	handle("POST /api/v1/sessions/{id}/transfer", agentOrAdmin(s.transferSession))
	handle("POST /api/v1/sessions/{id}/archive", agentOrAdmin(s.setSessionState(store.SessionArchived)))
	handle("POST /api/v1/sessions/{id}/unarchive", agentOrAdmin(s.setSessionState(store.SessionOpen)))
	handle("POST /api/v1/sessions/{id}/close", agentOrAdmin(s.setSessionState(store.SessionClosed)))
	// Messaging: history, for admins.
	handle("GET /api/v1/history/sessions", admin(s.historySessions))
	handle("GET /api/v1/history/sessions/{id}/timeline", admin(s.sessionTimeline))
	handle("GET /api/v1/history/sessions/{id}/messages", admin(s.historyMessages))
	handle("DELETE /api/v1/history/sessions/{id}", admin(s.deleteHistorySession))
	handle("DELETE /api/v1/history/messages/{id}", admin(s.deleteHistoryMessage))
	handle("GET /api/v1/history/export", admin(s.exportHistory))
	// The console's overview.
	handle("GET /api/v1/overview", admin(s.overview))
	// Operations.
	handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) }))
	handle("GET /readyz", s.serve(s.readyz))
	if !s.cfg.MetricsElsewhere {
		handle("GET /metrics", s.metricsHandler())
	}
	handle("GET /openapi.yaml", http.HandlerFunc(serveOpenAPI))
	handle("/api/", s.serve(s.noRoute))
	// The console: pages and their files (package web).
	for pattern, h := range s.console.Routes() {
		handle(pattern, h)
	}
	s.mux = m
}

// noRoute answers API paths no route takes: 405 with Allow when the path
// has routes for other methods, else 404. (The mux would say 405 itself,
// but this catch-all, which gives API clients JSON errors, matches every
// method first.)
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return errorf(http.StatusNotFound, "not_found", "no such API route: %s", maskedPath(r))
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s; use %s", r.Method, maskedPath(r), strings.Join(allow, " or "))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return errorf(http.StatusServiceUnavailable, "not_ready", "the database does not answer: %v", err)
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
	return nil
}
