package integrations

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// FieldsError lists every way field values do not fit their template.
type FieldsError struct{ Problems []string }

func (e *FieldsError) Error() string {
	return "the fields do not fit the template: " + strings.Join(e.Problems, "; ")
}

// SplitFields checks field values against the template's custom fields —
// unknown names, missing required ones, list values outside their options
// — and splits them into plain and secret values. keep holds the secret
// values already stored: a secret field left out of an update keeps its
// value.
func SplitFields(c *engine.Template, in map[string]string, keep map[string]string) (map[string]string, map[string]string, error) {
	fields, secrets := map[string]string{}, map[string]string{}
	var problems []string
	defs := c.Source.CustomFields()
	names := make([]string, 0, len(defs))
	for _, f := range defs {
		names = append(names, f.Name)
	}
	for k := range in {
		if !slices.Contains(names, k) {
			problems = append(problems, fmt.Sprintf("unknown field %q%s", k, templates.DidYouMean(k, names)))
		}
	}
	urlFields := c.URLFields()
	for _, f := range defs {
		v, given := in[f.Name]
		if !given && f.IsSecret() && keep[f.Name] != "" {
			v, given = keep[f.Name], true
		}
		if strings.TrimSpace(v) == "" {
			v = f.DefaultValue()
		}
		switch {
		case strings.TrimSpace(v) == "" && f.Required():
			problems = append(problems, fmt.Sprintf("field %q (%s) is required", f.Name, f.Title))
			continue
		case f.EditorKind() == "list" && v != "" && !slices.Contains(f.Options(), v):
			problems = append(problems, fmt.Sprintf("field %q must be one of %s, not %q", f.Name, strings.Join(f.Options(), ", "), v))
			continue
		case v != "" && slices.Contains(urlFields, f.Name):
			if msg := urlProblem(v); msg != "" {
				problems = append(problems, fmt.Sprintf("field %q (%s): %s", f.Name, f.Title, msg))
				continue
			}
		}
		if f.IsSecret() {
			if v != "" {
				secrets[f.Name] = v
			}
		} else {
			fields[f.Name] = v
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, nil, &FieldsError{Problems: problems}
	}
	return fields, secrets, nil
}

// SplitFields is the package's SplitFields, for those that take the runtime
// through an interface (messaging.Integrations).
func (rt *Runtime) SplitFields(c *engine.Template, in, keep map[string]string) (map[string]string, map[string]string, error) {
	return SplitFields(c, in, keep)
}

// urlProblem says what is wrong with the value of a field that begins the
// template's request URLs, or "" when it is an absolute http(s) URL.
func urlProblem(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	switch {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return ""
	case err == nil && u.Scheme == "" && !strings.HasPrefix(v, "/"):
		return fmt.Sprintf("%q is not a URL: it needs a scheme, e.g. \"https://%s\"", v, strings.TrimSpace(v))
	}
	return fmt.Sprintf("%q is not an absolute http or https URL, e.g. \"https://example.com\"", v)
}
