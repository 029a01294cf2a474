package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/configcheck"
	"github.com/switchboard/switchboard/internal/groupcommit"
	"github.com/switchboard/switchboard/store"
)

// Integrations is what messaging needs of the runtime of connected
// templates (integrations.Runtime satisfies it): stored templates compiled
// once, one engine client per integration — with the whole outbound HTTP
// chain and the template's MaxConcurrentRequest, shared with every other
// request to the integration — and the check of field values against a
// template. Messaging compiles no template and builds no client itself.
type Integrations interface {
	// Compile returns a stored template compiled.
	Compile(t *store.Template) (*engine.Template, error)
	// Client returns the engine client of an integration (a channel's
	// integration has the channel's id).
	Client(ctx context.Context, in *store.Integration) (*engine.Client, error)
	// SplitFields checks field values against the template's custom
	// fields and splits them into plain and secret ones; keep holds the
	// secret values already stored, which a secret left out keeps. Its
	// error, listing every problem, is handed on as it is.
	SplitFields(t *engine.Template, in, keep map[string]string) (fields, secrets map[string]string, err error)
	// Forget drops what is kept for an integration that was deleted.
	Forget(id string)
}

// Event is something agents' screens show: a new session, a message, a
// change. Extensions are the agents it concerns; admins see every event.
type Event struct {
	Type       string
	Extensions []string
	Data       any
}

// Event types.
const (
	EventSessionCreated = "session.created"
	EventSessionUpdated = "session.updated"
	EventMessageCreated = "message.created"
	EventMessageStatus  = "message.status"
)

// Config configures a Service. Zero values take the defaults noted.
type Config struct {
	Store        store.Store  // required
	Integrations Integrations // required
	// PublicURL is where providers reach the webhooks, e.g.
	// https://switchboard.example.com.
	PublicURL string
	// Publish delivers events to agents' streams. Default: dropped.
	Publish func(ctx context.Context, e Event)
	// Count, when set, counts what happens, for metrics: a webhook's
	// result ("webhook", result), a message ("in"/"out", status).
	Count func(channelID, what, result string)
	// Notifier wakes other replicas' senders when a message is queued.
	// Default: none (one process).
	Notifier store.Notifier
	Now      func() time.Time
	Log      *slog.Logger
	// Owner names this process in leases. Default: a random id.
	Owner string
	// Tuning is how often the service looks for work and how it retries;
	// the service's config carries it as it is.
	Tuning
}

// Defaults of Tuning.
const (
	DefaultPollInterval   = time.Second
	DefaultSweepInterval  = time.Minute
	DefaultVerifyInterval = 10 * time.Minute
	DefaultMaxAttempts    = 5
	DefaultRetryWait      = 2 * time.Second
	DefaultLeaseTTL       = 30 * time.Second
	DefaultBindRetryWait  = time.Second
)

// Tuning is how often the messaging service looks for work, and how it
// retries messages. Zero values take the defaults.
type Tuning struct {
	// PollInterval is how often senders look for due messages without
	// being woken, and the manager for channels to send for. Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// SweepInterval is how often idle sessions are closed. Default
	// DefaultSweepInterval.
	SweepInterval time.Duration
	// VerifyInterval is how often channels' connections are checked.
	// Default DefaultVerifyInterval; negative: never (only when a
	// channel is saved).
	VerifyInterval time.Duration
	// MaxAttempts bounds how often a temporarily failing message is tried.
	// Default DefaultMaxAttempts.
	MaxAttempts int
	// RetryWait is the wait before the second attempt, doubling after
	// each (at most 5 minutes). Default DefaultRetryWait.
	RetryWait time.Duration
	// LeaseTTL is how long a replica holds a channel's sender without
	// renewing it. Default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// BindRetryWait is how long an SMPP channel waits to bind again after
	// a bind failed, doubling after each (at most a minute). Default
	// DefaultBindRetryWait.
	BindRetryWait time.Duration
}

// WithDefaults returns the tuning with its zero fields filled in.
func (t Tuning) WithDefaults() Tuning {
	configcheck.Default(&t.PollInterval, DefaultPollInterval)
	configcheck.Default(&t.SweepInterval, DefaultSweepInterval)
	configcheck.Default(&t.VerifyInterval, DefaultVerifyInterval)
	configcheck.Default(&t.RetryWait, DefaultRetryWait)
	configcheck.Default(&t.LeaseTTL, DefaultLeaseTTL)
	configcheck.Default(&t.MaxAttempts, DefaultMaxAttempts)
	configcheck.Default(&t.BindRetryWait, DefaultBindRetryWait)
	return t
}

// Validate names the first field that cannot work, the rule, and the fix.
func (t Tuning) Validate() error {
	if err := configcheck.NotNegative("messaging",
		configcheck.Duration{Name: "PollInterval", Value: t.PollInterval, Default: DefaultPollInterval},
		configcheck.Duration{Name: "SweepInterval", Value: t.SweepInterval, Default: DefaultSweepInterval},
		configcheck.Duration{Name: "RetryWait", Value: t.RetryWait, Default: DefaultRetryWait},
		configcheck.Duration{Name: "LeaseTTL", Value: t.LeaseTTL, Default: DefaultLeaseTTL},
	); err != nil {
		return err
	}
	return configcheck.CountNotNegative("messaging", "MaxAttempts", t.MaxAttempts, DefaultMaxAttempts)
}

// WithDefaults returns the config with its zero fields filled in.
func (c Config) WithDefaults() Config {
	if c.Publish == nil {
		c.Publish = func(context.Context, Event) {}
	}
	if c.Count == nil {
		c.Count = func(string, string, string) {}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Owner == "" {
		c.Owner = store.NewID("replica")
	}
	c.Tuning = c.Tuning.WithDefaults()
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

// Validate names the first field that cannot work, the rule, and the fix.
func (c Config) Validate() error {
	if c.Store == nil || c.Integrations == nil {
		return errors.New("messaging: Config.Store and Config.Integrations are required")
	}
	return c.Tuning.Validate()
}

// Service runs the conversations: it takes providers' webhooks, keeps
// sessions, and sends agents' messages at each channel's rate.
type Service struct {
	cfg   Config
	store store.Store
	log   *slog.Logger

	integ Integrations
	defs  sync.Map // template Key → definedEntry: one definition per compiled template
	hooks sync.Map // webhook key → hookEntry: each channel read once per stamp for its webhooks

	intake     *groupcommit.Committer[*inboundItem] // inbound messages stored in batches (newIntake)
	stamps     sharedReads[string]                  // channels' stamps by webhook key, read once for the webhooks asking together
	queueReads sharedReads[*store.MessageQueue]     // queues by id, read once for those asking together

	mu      sync.Mutex
	senders map[string]*sender // channels whose messages this process sends
	pacers  map[string]*pacer  // each channel's pace, kept across its senders
	binders map[string]*binder // SMPP channels this process keeps bound (their senders own them)

	smppSent  sync.Map   // message id → []string: ids of a long message's parts the SMSC took before its bind ended
	smppParts partLedger // long messages' parts, for their per-part receipts
	parts     assembler  // incoming messages that come in parts, held until whole

	life chan struct{} // held (size 1) by Start and Stop
	run  *run          // the running background work; nil when stopped
}

// New returns a service. Start begins sending.
func New(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	return &Service{cfg: cfg, store: cfg.Store, log: cfg.Log, integ: cfg.Integrations, senders: map[string]*sender{}, pacers: map[string]*pacer{}, binders: map[string]*binder{},
		intake: newIntake(cfg.Store), life: make(chan struct{}, 1)}, nil
}

// WebhookURL is a channel's webhook address, to paste into the provider's
// console.
func (s *Service) WebhookURL(ch *store.Channel) string {
	return s.cfg.PublicURL + "/webhooks/channels/" + ch.WebhookKey
}

// channelWebhookURL is the URL the provider is to call for a channel: its
// webhook, with the token in the query when the template checks webhooks
// by one (Definition.WebhookURL). The token renders with the channel's
// verify token and its fields that are not secret, so the URL never shows
// a secret the API keeps back.
func (s *Service) channelWebhookURL(ch *store.Channel, d *Definition, in *store.Integration) string {
	vars := engine.Vars{}
	for k, v := range in.Fields {
		vars[k] = v
	}
	vars["VerifyToken"] = ch.VerifyToken
	return d.WebhookURL(s.WebhookURL(ch), vars)
}

// Problem kinds: what went wrong, for the API's status codes.
const (
	KindInvalid       = "invalid"        // the request itself is wrong
	KindForbidden     = "forbidden"      // not this caller's to do
	KindNotFound      = "not_found"      //
	KindConflict      = "conflict"       // the session is not in a state for it
	KindClosed        = "session_closed" // the session is closed
	KindOptedOut      = "opted_out"      // the customer replied STOP
	KindOutsideWindow = "outside_window" // WhatsApp's 24 hours are over
	KindBadSignature  = "bad_signature"  // a webhook that does not verify
	KindNotChallenge  = "not_challenge"  // a GET that is not the provider's handshake
	KindNumberTaken   = "number_taken"   // another channel has the number
	KindQueueInUse    = "queue_in_use"   // a number routes to the queue, or sessions wait in it
	KindSystemMessage = "system_message" // what the system sent stays in the history
)

// Problem is an error the caller can act on.
type Problem struct {
	Kind    string
	Message string
	// Details, when set, lists every problem found: a channel with
	// several things wrong is refused with all of them at once.
	Details []string
}

func (p *Problem) Error() string { return p.Message }

func problem(kind, format string, args ...any) *Problem {
	return &Problem{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Actor is who asks: an agent (with an extension) or an admin.
type Actor struct {
	Admin     bool
	Extension string
}

func (a Actor) name() string {
	if a.Admin && a.Extension == "" {
		return "admin"
	}
	return a.Extension
}

// queuesOf returns the ids of the queues an extension is an agent of.
func (s *Service) queuesOf(ctx context.Context, ext string) ([]string, error) {
	qs, err := s.store.ListQueues(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, q := range qs {
		if slices.Contains(q.Agents, ext) {
			out = append(out, q.ID)
		}
	}
	return out, nil
}

// Visibility is what an actor may see; nil for admins (everything).
func (s *Service) Visibility(ctx context.Context, a Actor) (*store.Visibility, error) {
	if a.Admin {
		return nil, nil
	}
	qs, err := s.queuesOf(ctx, a.Extension)
	if err != nil {
		return nil, err
	}
	return &store.Visibility{Extension: a.Extension, Queues: qs}, nil
}

// audience is who a session's events are for: the agent answering it, or
// every agent of the queue it is offered in.
func (s *Service) audience(ctx context.Context, ses *store.Session) []string {
	if ses.Assignee != "" {
		return []string{ses.Assignee}
	}
	if ses.QueueID == "" {
		return nil
	}
	q, err := s.queueReads.get(ctx, ses.QueueID, func(ctx context.Context) (*store.MessageQueue, error) {
		return s.store.GetQueue(ctx, ses.QueueID)
	})
	if err != nil {
		return nil
	}
	return slices.Clone(q.Agents) // q is shared with the others who read it
}

func (s *Service) publish(ctx context.Context, typ string, to []string, data any) {
	s.cfg.Publish(ctx, Event{Type: typ, Extensions: to, Data: data})
}

// channelNumber finds a channel's number entry.
func channelNumber(ch *store.Channel, number string) (store.ChannelNumber, bool) {
	for _, n := range ch.Numbers {
		if SameNumber(n.Number, number) {
			return n, true
		}
	}
	return store.ChannelNumber{}, false
}

// routeOf is where a number's new sessions go.
func routeOf(n store.ChannelNumber) store.Route {
	if n.DestType == store.DestQueue {
		return store.Route{QueueID: n.DestID}
	}
	return store.Route{Assignee: n.DestID}
}
