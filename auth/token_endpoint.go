package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"

	"github.com/switchboard/switchboard/engine"
)

// TokenEndpointError is a token endpoint's refusal: its status and what the
// provider said, secrets masked.
type TokenEndpointError struct {
	URL         string
	Status      int
	Code        string // RFC 6749 "error", when the provider gave one
	Description string // RFC 6749 "error_description"
	Body        string
}

func (e *TokenEndpointError) Error() string {
	msg := fmt.Sprintf("token endpoint %s answered HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
	switch {
	case e.Code != "" && e.Description != "":
		msg += fmt.Sprintf(": %s: %s", e.Code, e.Description)
	case e.Code != "":
		msg += ": " + e.Code
	case strings.TrimSpace(e.Body) != "":
		msg += ": " + shorten(strings.TrimSpace(e.Body), 300)
	}
	return msg
}

// explain turns an x/oauth2 error into a TokenEndpointError when the
// endpoint answered, so every failure reads the same way.
func explain(err error, tokenURL string, masker *engine.Masker) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return &TokenEndpointError{URL: masker.URL(tokenURL), Status: re.Response.StatusCode, Code: re.ErrorCode,
			Description: masker.String(re.ErrorDescription), Body: masker.Body(string(re.Body))}
	}
	return fmt.Errorf("calling the token endpoint %s: %s", masker.URL(tokenURL), masker.String(err.Error()))
}

// defaultTokenPaths are where bearer token endpoints put the token, tried in
// order when the template names no AccessTokenPath.
var defaultTokenPaths = []string{"access_token", "token", "data.access_token", "data.token"}

// parseTokenResponse reads a bearer token endpoint's JSON answer.
func parseTokenResponse(body []byte, path string, now time.Time) (*Token, error) {
	if !gjson.ValidBytes(body) {
		return nil, fmt.Errorf("the token endpoint's answer is not JSON: %q", shorten(string(body), 200))
	}
	paths := defaultTokenPaths
	if path != "" {
		paths = []string{path}
	}
	tok := &Token{}
	for _, p := range paths {
		if r := gjson.GetBytes(body, p); r.Exists() && r.String() != "" {
			tok.AccessToken = r.String()
			break
		}
	}
	if tok.AccessToken == "" {
		return nil, fmt.Errorf("the token endpoint's answer has no token at %s", strings.Join(paths, ", "))
	}
	for _, p := range []string{"expires_in", "data.expires_in"} {
		if r := gjson.GetBytes(body, p); r.Exists() && r.Int() > 0 {
			tok.Expiry = now.Add(time.Duration(r.Int()) * time.Second)
			break
		}
	}
	tok.TokenType = gjson.GetBytes(body, "token_type").String()
	tok.RefreshToken = gjson.GetBytes(body, "refresh_token").String()
	return tok, nil
}

// doTokenRequest sends a request to a token endpoint and returns its body,
// or a TokenEndpointError for an answer outside 2xx.
func doTokenRequest(ctx context.Context, client *http.Client, req *http.Request, masker *engine.Masker) ([]byte, error) {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("calling the token endpoint %s: %s", masker.URL(req.URL.String()), masker.String(err.Error()))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the token endpoint's answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &TokenEndpointError{URL: masker.URL(req.URL.String()), Status: resp.StatusCode, Body: masker.Body(string(body))}
		var oe struct {
			Error            any    `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		if json.Unmarshal(body, &oe) == nil {
			if s, ok := oe.Error.(string); ok {
				e.Code = s
			}
			e.Description = masker.String(oe.ErrorDescription)
		}
		return nil, e
	}
	return body, nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
