package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/configcheck"
)

// ErrNeedToken means an oauth2 template has no token to run with.
var ErrNeedToken = errors.New("an access token is needed")

// Options configure an integration's authorizer. Zero values take the
// defaults noted.
type Options struct {
	// Store keeps tokens. Default: in memory for the process's life.
	Store TokenStore
	// Key names this integration's token in the Store. Default: the
	// template's Key.
	Key string
	// Token is an access token obtained elsewhere (the CLI's --token). It is
	// used as it is and never renewed. Default: none.
	Token string
	// HTTPClient sends token requests. Default: pooled, 30s timeout.
	HTTPClient *http.Client
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// RefreshBefore renews a token this long before it expires. Default 1 min.
	RefreshBefore time.Duration
}

// Defaults of Options.
const (
	DefaultRefreshBefore = time.Minute
	DefaultTokenTimeout  = 30 * time.Second // of the default HTTPClient's token requests
)

// WithDefaults returns the options with their zero fields filled in; the
// Key defaults to the template's.
func (o Options) WithDefaults(t *engine.Template) Options {
	if o.Store == nil {
		o.Store = &MemoryStore{}
	}
	if o.Key == "" {
		o.Key = t.Source.Key
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Transport: cleanhttp.DefaultPooledTransport(), Timeout: DefaultTokenTimeout}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshBefore == 0 {
		o.RefreshBefore = DefaultRefreshBefore
	}
	return o
}

// Validate names the first field that cannot work, the rule, and the fix.
func (o Options) Validate() error {
	return configcheck.NotNegative("auth", configcheck.Duration{Name: "RefreshBefore", Value: o.RefreshBefore, Default: DefaultRefreshBefore})
}

// New returns the authorizer the template's AuthType asks for: nil for
// none, *Basic, *Bearer, *OAuth2, or *StaticToken when opts.Token is set
// for a token method. fields are the integration's custom field values.
func New(t *engine.Template, fields engine.Vars, opts Options) (engine.Authorizer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	switch at := t.Source.AuthType; at {
	case "none", "":
		return nil, nil
	case "basic":
		return NewBasic(t, fields)
	case "oauth2", "bearertoken":
		if opts.Token != "" {
			return NewStaticToken(opts.Token, t.Source.AuthParam("TokenType")), nil
		}
		if at == "bearertoken" {
			return NewBearer(t, fields, opts)
		}
		return NewOAuth2(t, fields, opts)
	default:
		return nil, fmt.Errorf("AuthType %q is not supported", at)
	}
}

func (o Options) manager(t *engine.Template, renew renewFunc, interval time.Duration) *tokenManager {
	return &tokenManager{
		key:      o.Key,
		store:    o.Store,
		renew:    renew,
		now:      o.Now,
		skew:     o.RefreshBefore,
		interval: interval,
		refresh:  !noRefresh(t),
		timeout:  o.HTTPClient.Timeout + 5*time.Second,
	}
}

func noRefresh(t *engine.Template) bool {
	for _, p := range t.Source.AuthParameters("AuthOption") {
		if p.Name == "NoNeedRefreshAccessToken" && strings.TrimSpace(p.Value) == "1" {
			return true
		}
	}
	return false
}

func tokenType(t *engine.Template) string {
	if tt := strings.TrimSpace(t.Source.AuthParam("TokenType")); tt != "" {
		return tt
	}
	return "Bearer"
}

// masker hides the integration's password fields in token errors.
func masker(t *engine.Template, fields engine.Vars) *engine.Masker {
	m := engine.NewMasker()
	for _, name := range t.Source.SecretFields() {
		m.Add(fields[name])
	}
	return m
}

// NewBearer returns the bearertoken authorizer. The token is fetched on
// first use.
func NewBearer(t *engine.Template, fields engine.Vars, opts Options) (*Bearer, error) {
	opts = opts.WithDefaults(t)
	if t.AuthText("TokenEndPoint") == nil {
		return nil, fmt.Errorf("bearertoken: the template has no TokenEndPoint")
	}
	interval := 25 * time.Minute
	if v := strings.TrimSpace(t.Source.AuthParam("TokenRefreshInterval")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bearertoken: TokenRefreshInterval %q is not a whole number of minutes", v)
		}
		interval = time.Duration(n) * time.Minute
	}
	b := &Bearer{tmpl: t, fields: fields, client: opts.HTTPClient, masker: masker(t, fields), tokenType: tokenType(t)}
	// A rendering error is not "empty": fetching reports it.
	if u, err := t.AuthText("TokenEndPoint").Render(fields); err == nil && strings.TrimSpace(u) == "" {
		b.noToken = true
	}
	b.m = opts.manager(t, b.fetch, interval)
	return b, nil
}

// NewOAuth2 returns the oauth2 authorizer. Its token comes from the Store
// (after Exchange); without one, requests fail with ErrNotConnected.
func NewOAuth2(t *engine.Template, fields engine.Vars, opts Options) (*OAuth2, error) {
	opts = opts.WithDefaults(t)
	cfg, err := newOAuth2Config(t, fields)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	o := &OAuth2{tmpl: t, fields: fields, cfg: cfg, client: opts.HTTPClient, masker: masker(t, fields), tokenType: tokenType(t)}
	for _, s := range []string{cfg.ClientSecret, fields["client_secret"]} {
		o.masker.Add(s)
	}
	o.m = opts.manager(t, o.refresh, 0)
	return o, nil
}
