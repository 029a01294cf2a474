package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/switchboard/switchboard/engine"
)

// OAuth2 is the oauth2 method: the authorization-code flow with
// golang.org/x/oauth2. The admin is sent to AuthorizeURL; the callback's
// code is exchanged at the TokenEndPoint; the token is renewed with its
// refresh token before it expires and when the API calls it invalid, unless
// the template sets NoNeedRefreshAccessToken=1.
//
// Template parameters (AuthMethod scenario), all templates over the custom
// fields: AuthEndPoint, TokenEndPoint, Scope (sent as written: providers
// differ on commas and spaces), AdditionalQueryString (appended to the
// authorize URL), ClientId and ClientSecret (default {{.client_id}} and
// {{.client_secret}}), and ClientAuthStyle — how the token endpoint wants
// the client credentials: "header" (HTTP Basic), "body" (form fields),
// "query" (in the TokenEndPoint URL) or "auto" (the default: header, then
// body if refused; "query" when the TokenEndPoint already carries
// client_id).
type OAuth2 struct {
	tmpl      *engine.Template
	fields    engine.Vars
	cfg       oauth2.Config
	client    *http.Client
	masker    *engine.Masker
	tokenType string
	m         *tokenManager
}

func newOAuth2Config(t *engine.Template, fields engine.Vars) (oauth2.Config, error) {
	render := func(name, def string) (string, error) {
		text := t.AuthText(name)
		if text == nil || strings.TrimSpace(text.Source()) == "" {
			return fields[def], nil
		}
		v, err := text.Render(fields)
		if err != nil {
			return "", fmt.Errorf("rendering %s: %w", name, err)
		}
		return strings.TrimSpace(v), nil
	}
	tokenURL, err := render("TokenEndPoint", "")
	if err != nil {
		return oauth2.Config{}, err
	}
	id, err := render("ClientId", "client_id")
	if err != nil {
		return oauth2.Config{}, err
	}
	secret, err := render("ClientSecret", "client_secret")
	if err != nil {
		return oauth2.Config{}, err
	}
	cfg := oauth2.Config{ClientID: id, ClientSecret: secret}
	u, err := url.Parse(tokenURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return oauth2.Config{}, fmt.Errorf("TokenEndPoint renders %q, which is not an http(s) URL", tokenURL)
	}
	style := strings.ToLower(strings.TrimSpace(t.Source.AuthParam("ClientAuthStyle")))
	if style == "" || style == "auto" {
		if u.Query().Has("client_id") {
			style = "query"
		}
	}
	switch style {
	case "header", "basic":
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	case "body", "params", "form":
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	case "query":
		q := u.Query()
		if !q.Has("client_id") && id != "" {
			q.Set("client_id", id)
		}
		if !q.Has("client_secret") && secret != "" {
			q.Set("client_secret", secret)
		}
		u.RawQuery = q.Encode()
		// The URL carries the credentials; send them nowhere else.
		cfg.ClientID, cfg.ClientSecret = "", ""
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	case "", "auto":
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleAutoDetect
	default:
		return oauth2.Config{}, fmt.Errorf("ClientAuthStyle %q is not one of header, body, query, auto", style)
	}
	cfg.Endpoint.TokenURL = u.String()
	return cfg, nil
}

// AuthorizeURL is where the admin authorizes Switchboard: the rendered
// AuthEndPoint with response_type, client_id (unless the template put it
// there), redirect_uri, state, the Scope as written and the
// AdditionalQueryString.
func (o *OAuth2) AuthorizeURL(redirectURI, state string) (string, error) {
	t := o.tmpl
	raw, err := t.AuthText("AuthEndPoint").Render(o.fields)
	if err != nil {
		return "", fmt.Errorf("rendering AuthEndPoint: %w", err)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("AuthEndPoint renders %q, which is not an http(s) URL", o.masker.URL(raw))
	}
	have := u.Query()
	var add []string
	param := func(k, v string) {
		if v != "" && !have.Has(k) {
			add = append(add, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	param("response_type", "code")
	id, _ := o.clientID()
	param("client_id", id)
	param("redirect_uri", redirectURI)
	param("state", state)
	scope, err := t.AuthText("Scope").Render(o.fields)
	if err != nil {
		return "", fmt.Errorf("rendering Scope: %w", err)
	}
	param("scope", strings.TrimSpace(scope))
	extra, err := t.AuthText("AdditionalQueryString").Render(o.fields)
	if err != nil {
		return "", fmt.Errorf("rendering AdditionalQueryString: %w", err)
	}
	if extra = strings.TrimLeft(strings.TrimSpace(extra), "?&"); extra != "" {
		add = append(add, extra)
	}
	if len(add) > 0 {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += strings.Join(add, "&")
	}
	return u.String(), nil
}

// clientID is the client id as the authorize URL needs it, whatever the
// token endpoint's style.
func (o *OAuth2) clientID() (string, error) {
	if text := o.tmpl.AuthText("ClientId"); text != nil && strings.TrimSpace(text.Source()) != "" {
		return text.Render(o.fields)
	}
	return o.fields["client_id"], nil
}

// Exchange trades the authorization code from the callback for a token and
// saves it.
func (o *OAuth2) Exchange(ctx context.Context, code, redirectURI string) error {
	if strings.TrimSpace(code) == "" {
		return fmt.Errorf("the callback carries no authorization code")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.client)
	tok, err := o.cfg.Exchange(ctx, code, oauth2.SetAuthURLParam("redirect_uri", redirectURI))
	if err != nil {
		return explain(err, o.cfg.Endpoint.TokenURL, o.masker)
	}
	return o.m.set(ctx, fromOAuth2(tok, o.m.now()))
}

func (o *OAuth2) refresh(ctx context.Context, cur *Token) (*Token, error) {
	if cur == nil {
		return nil, fmt.Errorf("%w: authorize the integration first", ErrNotConnected)
	}
	if cur.RefreshToken == "" {
		return nil, fmt.Errorf("the token cannot be renewed: the provider gave no refresh token; authorize the integration again")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.client)
	// An expired token makes x/oauth2 use the refresh token.
	ts := o.cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: cur.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := ts.Token()
	if err != nil {
		return nil, explain(err, o.cfg.Endpoint.TokenURL, o.masker)
	}
	return fromOAuth2(tok, o.m.now()), nil
}

// fromOAuth2 converts x/oauth2's token. The expiry is counted from now, the
// manager's clock, as the bearer method does: x/oauth2 counts it from the
// system clock, and the two must agree on when a token is stale.
func fromOAuth2(t *oauth2.Token, now time.Time) *Token {
	tok := &Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
	if t.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	return tok
}

// Credentials implements engine.Authorizer.
func (o *OAuth2) Credentials(ctx context.Context) (engine.Credentials, error) {
	tok, err := o.m.Token(ctx)
	if err != nil {
		return engine.Credentials{}, fmt.Errorf("oauth2: %w", err)
	}
	creds := tokenCredentials(o.tokenType, tok.AccessToken)
	if tok.RefreshToken != "" {
		creds.Secrets = append(creds.Secrets, tok.RefreshToken)
	}
	return creds, nil
}

// Refresh implements engine.Refresher.
func (o *OAuth2) Refresh(ctx context.Context, stale engine.Credentials) error {
	_, err := o.m.Invalidate(ctx, stale.Vars["AccessToken"])
	return err
}

// NewState returns a random state value for an authorization request.
func NewState() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
