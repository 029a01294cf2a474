package engine

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrTokenInvalid is matched (errors.Is) by a TokenInvalidError: the remote
// API said the access token is not valid, as the template's TokenErrorMap
// describes. The auth layer refreshes the token and the request is sent
// once more.
var ErrTokenInvalid = errors.New("access token is invalid")

// ErrInvalidJSONBody means a body declared JSON was not valid JSON after
// rendering; the request was not sent.
var ErrInvalidJSONBody = errors.New("rendered body is not valid JSON")

// ErrNoScenario means the template has no scenario with the requested id.
var ErrNoScenario = errors.New("no such scenario")

// HTTPStatusError is a response outside 2xx.
type HTTPStatusError struct {
	Status int
	Body   string // masked, shortened
}

func (e *HTTPStatusError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if b := strings.TrimSpace(e.Body); b != "" {
		msg += ": " + b
	}
	return msg
}

// TokenInvalidError is an HTTPStatusError whose body carries a TokenErrorMap
// value.
type TokenInvalidError struct {
	HTTPStatusError
	Match string // the TokenErrorMap value found
}

func (e *TokenInvalidError) Error() string {
	return fmt.Sprintf("access token is invalid (the answer contains %q): %s", e.Match, e.HTTPStatusError.Error())
}

// Is makes errors.Is(err, ErrTokenInvalid) true.
func (e *TokenInvalidError) Is(target error) bool { return target == ErrTokenInvalid }

// shorten keeps error messages readable when a server answers with a page.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
