package engine

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
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

// sensitiveWords are the words sensitiveName matches, for the quick check
// below: header and field names come by on every request, and the regular
// expression cost more than the rest of masking a header.
var sensitiveWords = newWordSet("authorization", "token", "secret", "password", "passwd", "apikey", "api-key", "api_key", "cookie", "credential", "signature")

func isSensitiveName(name string) bool {
	switch name {
	case "Accept", "Content-Type", "Content-Length", "Date", "User-Agent", "Server",
		"Connection", "Cache-Control", "Vary", "Etag", "Transfer-Encoding", "Location":
		return false // the usual names, answered without a scan
	}
	if !isASCII(name) {
		return sensitiveName.MatchString(name) // (?i) folds some non-ASCII letters too
	}
	return sensitiveWords.in(name)
}

// secretWords are what a secret-named JSON field's name contains; a body
// without any of them needs no regular-expression pass.
var secretWords = newWordSet("token", "secret", "password", "passwd", "key", "credential", "signature")

func mayHoldSecretFields(body string) bool {
	return !isASCII(body) || secretWords.in(body)
}

// nameWords are the words of sensitiveWords, shortened to what any of its
// spellings contains.
var nameWords = newWordSet("auth", "token", "secret", "password", "passwd", "key", "cookie", "credential", "signature")

// mayHoldSensitiveName is a quick test that s holds no name sensitiveName
// could match, so parsing can be skipped.
func mayHoldSensitiveName(s string) bool {
	return !isASCII(s) || nameWords.in(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wordSet finds lower-case ASCII words in text, ignoring ASCII case, in one
// pass and without a lower-cased copy: each byte looks up the words that
// start with it.
type wordSet struct {
	byFirst [256][]string
}

func newWordSet(words ...string) *wordSet {
	ws := &wordSet{}
	for _, w := range words {
		c := w[0]
		ws.byFirst[c] = append(ws.byFirst[c], w)
		if 'a' <= c && c <= 'z' {
			ws.byFirst[c-('a'-'A')] = append(ws.byFirst[c-('a'-'A')], w)
		}
	}
	return ws
}

// in reports whether s contains one of the words.
func (ws *wordSet) in(s string) bool {
	for i := 0; i < len(s); i++ {
		for _, w := range ws.byFirst[s[i]] {
			if len(s)-i >= len(w) && equalFoldASCII(s[i+1:i+len(w)], w[1:]) {
				return true
			}
		}
	}
	return false
}

// equalFoldASCII reports whether s equals the lower-case word w, ignoring
// ASCII case.
func equalFoldASCII(s, w string) bool {
	for i := 0; i < len(w); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// Masker hides secrets in what is shown to people: traces, errors, logs.
type Masker struct {
	secrets []string // every spelling, longest first, so one containing another is masked whole
	// detect are the spellings that contain no other: text holds a
	// spelling only if it holds one of them. Looking for them alone first
	// halves the work on text that holds none, the usual case.
	detect []string
}

// NewMasker returns a masker for the given secret values.
func NewMasker(secrets ...string) *Masker {
	m := &Masker{}
	m.Add(secrets...)
	return m
}

// With returns a masker for m's secrets and more, leaving m as it is.
func (m *Masker) With(secrets ...string) *Masker {
	out := &Masker{secrets: slices.Clone(m.secrets)}
	out.Add(secrets...)
	return out
}

// Add registers more secret values, and the forms derived from them that
// a trace may hold (derivedForms).
func (m *Masker) Add(secrets ...string) {
	for _, s := range secrets {
		if len(s) < minSecretLen {
			continue
		}
		for _, v := range derivedForms(s) {
			// Most secrets read the same in several forms: each once.
			if len(v) >= minSecretLen && !slices.Contains(m.secrets, v) {
				m.secrets = append(m.secrets, v)
			}
		}
	}
	sort.SliceStable(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
	m.detect = m.detect[:0]
	for i, sec := range m.secrets {
		contains := false
		for _, shorter := range m.secrets[i+1:] {
			if len(shorter) < len(sec) && strings.Contains(sec, shorter) {
				contains = true
				break
			}
		}
		if !contains {
			m.detect = append(m.detect, sec)
		}
	}
}

// String replaces every known secret in s.
func (m *Masker) String(s string) string {
	if m == nil || len(m.secrets) == 0 || len(s) < len(m.secrets[len(m.secrets)-1]) {
		return s // shorter than the shortest secret: nothing to find
	}
	found := false
	for _, sec := range m.detect {
		if len(sec) <= len(s) && strings.Contains(s, sec) {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	for _, sec := range m.secrets {
		if len(sec) <= len(s) && strings.Contains(s, sec) {
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
			v = maskCredential(v)
		case isSensitiveName(name):
			v = Mask
		default:
			v = m.String(v)
		}
		out[name] = v
	}
	return out
}

// maskCredential masks an Authorization value but its scheme.
func maskCredential(v string) string {
	scheme, _, ok := strings.Cut(v, " ")
	switch {
	case !ok:
		return Mask
	case scheme == "Basic":
		return "Basic " + Mask // constant: no allocation on every request
	case scheme == "Bearer":
		return "Bearer " + Mask
	}
	return scheme + " " + Mask
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
