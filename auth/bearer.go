package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard/engine"
)

// Bearer is the bearertoken method: a token fetched from the template's
// TokenEndPoint when the integration connects, renewed every
// TokenRefreshInterval minutes, before an expires_in runs out, and when the
// API calls it invalid.
//
// Template parameters (AuthMethod scenario):
//   - TokenEndPoint: the URL, a template over the custom fields.
//   - TokenRequestMethod: POST (default) or GET.
//   - TokenRequestBody: the body, a template; sent as JSON when it looks
//     like JSON, else as a form. Default: none.
//   - AccessTokenPath: GJSON path of the token in the answer. Default: the
//     first of access_token, token, data.access_token, data.token.
//   - TokenRefreshInterval: minutes; empty is 25, 0 is never by age.
//   - TokenType: the Authorization scheme; default Bearer.
//
// Template-wide headers are sent to the token endpoint too, except those
// that use {{.AccessToken}}.
//
// A TokenEndPoint that renders empty for the integration's fields means no
// token: its requests carry the template's own headers alone. A template
// may so offer a second way to sign in, chosen by the fields given
// (Bandwidth: OAuth2 client credentials, or an API user's Basic
// credentials until Bandwidth retires them).
type Bearer struct {
	tmpl      *engine.Template
	fields    engine.Vars
	client    *http.Client
	masker    *engine.Masker
	tokenType string
	m         *tokenManager
	noToken   bool // TokenEndPoint renders empty
}

func (b *Bearer) fetch(ctx context.Context, _ *Token) (*Token, error) {
	t := b.tmpl
	u, err := t.AuthText("TokenEndPoint").Render(b.fields)
	if err != nil {
		return nil, fmt.Errorf("rendering TokenEndPoint: %w", err)
	}
	body, err := t.AuthText("TokenRequestBody").Render(b.fields)
	if err != nil {
		return nil, fmt.Errorf("rendering TokenRequestBody: %w", err)
	}
	method := strings.ToUpper(strings.TrimSpace(t.Source.AuthParam("TokenRequestMethod")))
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSpace(u), strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("TokenEndPoint %q: %w", b.masker.URL(u), err)
	}
	if req.Header, err = t.HeadersWithoutToken(b.fields); err != nil {
		return nil, err
	}
	if body = strings.TrimSpace(body); body != "" && req.Header.Get("Content-Type") == "" {
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	req.Header.Set("Accept", "application/json")
	answer, err := doTokenRequest(ctx, b.client, req, b.masker)
	if err != nil {
		return nil, err
	}
	return parseTokenResponse(answer, strings.TrimSpace(t.Source.AuthParam("AccessTokenPath")), b.m.now())
}

// Credentials implements engine.Authorizer.
func (b *Bearer) Credentials(ctx context.Context) (engine.Credentials, error) {
	if b.noToken {
		return engine.Credentials{}, nil
	}
	tok, err := b.m.Token(ctx)
	if err != nil {
		return engine.Credentials{}, fmt.Errorf("bearer token: %w", err)
	}
	return tokenCredentials(b.tokenType, tok.AccessToken), nil
}

// Refresh implements engine.Refresher.
func (b *Bearer) Refresh(ctx context.Context, stale engine.Credentials) error {
	_, err := b.m.Invalidate(ctx, stale.Vars["AccessToken"])
	return err
}

// tokenCredentials are the credentials of an access token: the
// Authorization header and the AccessToken variable.
func tokenCredentials(tokenType, token string) engine.Credentials {
	h := http.Header{}
	h.Set("Authorization", tokenType+" "+token)
	return engine.Credentials{Header: h, Vars: engine.Vars{"AccessToken": token}, Secrets: []string{token}}
}
