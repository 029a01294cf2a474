package engine

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Mask is what a secret is replaced with in traces and errors.
const Mask = "****"

// minSecretLen is the shortest secret replaced wherever it appears. Shorter
// ones would mask unrelated text ("1" everywhere); they are still masked
// where a secret is expected: credential headers and secret-named fields.
const minSecretLen = 4

// sensitiveName matches header, query and JSON field names whose values are
// secrets whatever they are.
var sensitiveName = regexp.MustCompile(`(?i)(authorization|token|secret|password|passwd|api[-_]?key|apikey|cookie|credential|signature|client[-_]?secret)`)

// jsonSecretField matches "name": "value" pairs with a secret-looking name.
var jsonSecretField = regexp.MustCompile(`("(?i:[a-z0-9_\-]*(?:token|secret|password|passwd|api[-_]?key|apikey|credential|signature)[a-z0-9_\-]*)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// sensitiveNames caches sensitiveName's verdict per header or field name:
// the same few names come back on every request.
var sensitiveNames sync.Map

func isSensitiveName(name string) bool {
	if v, ok := sensitiveNames.Load(name); ok {
		return v.(bool)
	}
	v := sensitiveName.MatchString(name)
	sensitiveNames.Store(name, v)
	return v
}

// secretWords are what a secret-named JSON field's name contains; a body
// without any of them needs no regular-expression pass.
var secretWords = []string{"token", "secret", "password", "passwd", "key", "credential", "signature"}

func mayHoldSecretFields(body string) bool {
	lower := strings.ToLower(body)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// mayHoldSensitiveName is a quick test that s holds no name sensitiveName
// could match, so parsing can be skipped.
func mayHoldSensitiveName(s string) bool {
	lower := strings.ToLower(s)
	for _, w := range []string{"auth", "token", "secret", "password", "passwd", "key", "cookie", "credential", "signature"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Masker hides secrets in what is shown to people: traces, errors, logs.
type Masker struct {
	secrets []string // longest first, so a secret containing another is masked whole
}

// NewMasker returns a masker for the given secret values.
func NewMasker(secrets ...string) *Masker {
	m := &Masker{}
	m.Add(secrets...)
	return m
}

// With returns a masker for m's secrets and more, leaving m as it is.
func (m *Masker) With(secrets ...string) *Masker {
	out := &Masker{secrets: append([]string(nil), m.secrets...)}
	out.Add(secrets...)
	return out
}

// Add registers more secret values.
func (m *Masker) Add(secrets ...string) {
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			m.secrets = append(m.secrets, s, url.QueryEscape(s), URLEncode(s))
		}
	}
	sort.Slice(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
}

// String replaces every known secret in s.
func (m *Masker) String(s string) string {
	if m == nil {
		return s
	}
	for _, sec := range m.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// Headers returns the headers for display: credential headers masked (the
// Authorization scheme stays visible: "Basic ****"), known secrets masked
// in the rest.
func (m *Masker) Headers(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, vs := range h {
		v := strings.Join(vs, ", ")
		switch {
		case strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization"):
			if scheme, _, ok := strings.Cut(v, " "); ok {
				v = scheme + " " + Mask
			} else {
				v = Mask
			}
		case isSensitiveName(name):
			v = Mask
		default:
			v = m.String(v)
		}
		out[name] = v
	}
	return out
}

// URL masks secret-named query parameters and known secrets in a URL.
func (m *Masker) URL(raw string) string {
	_, query, hasQuery := strings.Cut(raw, "?")
	if !strings.Contains(raw, "@") && (!hasQuery || !mayHoldSensitiveName(query)) {
		return m.String(raw) // no user info and no secret-named parameter: nothing to parse
	}
	u, err := url.Parse(raw)
	if err == nil && u.RawQuery != "" {
		if q, changed := maskValues(u.Query()); changed {
			u.RawQuery = q
			raw = u.String()
		}
	}
	if err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			raw = strings.Replace(raw, u.User.String()+"@", u.User.Username()+":"+Mask+"@", 1)
		}
	}
	return m.String(raw)
}

// Body masks secret-named JSON fields and form values, then known secrets.
func (m *Masker) Body(b string) string {
	if b == "" {
		return b
	}
	trimmed := strings.TrimSpace(b)
	switch {
	case strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "["):
		if mayHoldSecretFields(b) {
			b = jsonSecretField.ReplaceAllString(b, `$1"`+Mask+`"`)
		}
	case strings.Contains(b, "=") && !strings.ContainsAny(trimmed, " <\n"):
		if q, err := url.ParseQuery(trimmed); err == nil {
			if masked, changed := maskValues(q); changed {
				b = masked
			}
		}
	}
	return m.String(b)
}

// maskValues masks the values of secret-named query or form fields and
// returns the encoded result, and whether anything was masked.
func maskValues(q url.Values) (string, bool) {
	changed := false
	for k := range q {
		if isSensitiveName(k) {
			q[k] = []string{Mask}
			changed = true
		}
	}
	if !changed {
		return "", false
	}
	return strings.ReplaceAll(q.Encode(), url.QueryEscape(Mask), Mask), true
}
