package auth

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard/engine"
)

// StaticToken authenticates with an access token obtained elsewhere (the
// CLI's --token). It cannot renew: a TokenInvalid answer ends the run.
type StaticToken struct {
	token     string
	tokenType string
}

// NewStaticToken returns an authorizer for the token. tokenType is the
// template's TokenType parameter (e.g. "Bearer", "Zoho-oauthtoken"); empty
// means Bearer.
func NewStaticToken(token, tokenType string) *StaticToken {
	if strings.TrimSpace(tokenType) == "" {
		tokenType = "Bearer"
	}
	return &StaticToken{token: token, tokenType: strings.TrimSpace(tokenType)}
}

// Credentials implements engine.Authorizer. The token is also the
// AccessToken variable, for templates that put it in their own header.
func (s *StaticToken) Credentials(context.Context) (engine.Credentials, error) {
	return tokenCredentials(s.tokenType, s.token), nil
}
