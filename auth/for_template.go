package auth

import (
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/engine"
)

// ErrNeedToken means an oauth2 or bearertoken template was run without an
// access token and none can be obtained here.
var ErrNeedToken = errors.New("an access token is needed")

// ForTemplate returns the authorizer a template's AuthType asks for, given
// the integration's field values and, for oauth2 and bearertoken, an access
// token obtained elsewhere.
func ForTemplate(t *engine.Template, fields engine.Vars, token string) (engine.Authorizer, error) {
	switch at := t.Source.AuthType; at {
	case "none", "":
		return nil, nil
	case "basic":
		return NewBasic(t, fields)
	case "oauth2", "bearertoken":
		if token == "" {
			return nil, fmt.Errorf("AuthType %s: %w; pass one with --token", at, ErrNeedToken)
		}
		return NewStaticToken(token, t.Source.AuthParam("TokenType")), nil
	default:
		return nil, fmt.Errorf("AuthType %q is not supported", at)
	}
}
