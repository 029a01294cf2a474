package templates

import (
	"strconv"
	"strings"
)

// Limits of the Yeastar product, kept so that templates written for
// Switchboard also load there.
const (
	// MaxCustomFields is the most user-input fields for none, basic and
	// oauth2 templates.
	MaxCustomFields = 5
	// MaxCustomFieldsBearer is the most user-input fields for bearertoken
	// templates.
	MaxCustomFieldsBearer = 10
	// MaxCustomFieldsSMPP is the most fields of a Transport="smpp" channel
	// template: Yeastar has no such channels, and seed 004's SMPP
	// connection asks for more than ten settings.
	MaxCustomFieldsSMPP = 20
	// MaxHeaders is the most headers one request may carry from the
	// template (template-wide plus its own).
	MaxHeaders = 20
	// MaxCustomTemplates is the most custom templates one installation keeps.
	MaxCustomTemplates = 10
	// MaxConcurrentRequestCeiling bounds MaxConcurrentRequest.
	MaxConcurrentRequestCeiling = 100
	// DefaultMaxConcurrentRequest applies when the attribute is absent.
	DefaultMaxConcurrentRequest = 10
)

// MaxConcurrentRequest returns the template's limit on requests in flight,
// or DefaultMaxConcurrentRequest when it is absent or invalid (Validate
// reports the invalid case).
func (t *Template) MaxConcurrentRequest() int {
	n, ok := parseUint(t.MaxConcur)
	if !ok || n < 1 || n > MaxConcurrentRequestCeiling {
		return DefaultMaxConcurrentRequest
	}
	return n
}

func parseUint(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 0
}
