package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// rendered is a request ready to send. An empty url means "skip".
type rendered struct {
	method string
	url    string
	header http.Header
	body   string
}

// render builds a request from its compiled template. Headers are merged in
// the order DESIGN §2.2 gives — template-wide, then auth, then the
// request's own, later winning — and a header that renders empty is left
// out. A body declared JSON must be valid JSON once rendered: sending half
// a document would fail remotely with a far worse message, or not at all.
func (c *Client) render(r *Request, vars Vars, cred Credentials) (rendered, error) {
	out := rendered{method: r.Method}
	u, err := r.URL.Render(vars)
	if err != nil {
		return out, fmt.Errorf("rendering URLFormat: %w", err)
	}
	out.url = strings.TrimSpace(u)
	if out.url == "" {
		return out, nil
	}
	if out.header, err = c.baseHeader(vars, cred, len(r.Headers)); err != nil {
		return out, err
	}
	if err := setHeaders(out.header, r.Headers, vars); err != nil {
		return out, err
	}
	if out.body, err = r.Body.Render(vars); err != nil {
		return out, fmt.Errorf("rendering the body: %w", err)
	}
	if strings.TrimSpace(out.body) == "" {
		out.body = ""
		return out, nil
	}
	switch r.Encoding {
	case "form":
		if out.header.Get("Content-Type") == "" {
			out.header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if form, ok := jsonToForm(out.body); ok {
			out.body = form
		}
	default:
		if out.header.Get("Content-Type") == "" {
			out.header.Set("Content-Type", "application/json")
		}
		if strings.Contains(out.header.Get("Content-Type"), "json") && !json.Valid([]byte(out.body)) {
			return out, fmt.Errorf("%w: %s", ErrInvalidJSONBody, jsonProblem(out.body))
		}
	}
	return out, nil
}

// baseHeader is what every request of the integration sends before its
// own headers: the template-wide ones, then the auth header. room is how
// many more the caller will add.
func (c *Client) baseHeader(vars Vars, cred Credentials, room int) (http.Header, error) {
	h := make(http.Header, len(c.tmpl.headers)+room+2)
	if err := setHeaders(h, c.tmpl.headers, vars); err != nil {
		return nil, err
	}
	for name, vs := range cred.Header {
		h[http.CanonicalHeaderKey(name)] = vs
	}
	return h, nil
}

func setHeaders(h http.Header, hs []header, vars Vars) error {
	for _, hd := range hs {
		if hd.fixed != nil {
			// A value no request changes: shared, not copied. Nothing on
			// the way (net/http, retryablehttp) writes into header slices.
			h[hd.key] = hd.fixed
			continue
		}
		if hd.Value.IsConstant() {
			continue // an empty fixed value: the header is left out
		}
		v, err := hd.Value.Render(vars)
		if err != nil {
			return fmt.Errorf("rendering header %s: %w", hd.Name, err)
		}
		if v = strings.TrimSpace(v); v != "" {
			h[hd.key] = []string{v}
		}
	}
	return nil
}

// jsonToForm turns a flat JSON object into a form body, so templates can
// write form requests the same way as JSON ones. An array of plain values
// repeats the field once per value (MediaUrl=a&MediaUrl=b, as Twilio
// wants); other nested values are sent as their JSON text.
func jsonToForm(body string) (string, bool) {
	var m map[string]any
	if !strings.HasPrefix(strings.TrimSpace(body), "{") || json.Unmarshal([]byte(body), &m) != nil {
		return "", false
	}
	form := url.Values{}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			form.Set(k, x)
		case nil:
			form.Set(k, "")
		case float64, bool:
			form.Set(k, fmt.Sprint(x))
		case []any:
			if vals, ok := plainValues(x); ok {
				form[k] = vals
				continue
			}
			b, _ := json.Marshal(x)
			form.Set(k, string(b))
		default:
			b, _ := json.Marshal(x)
			form.Set(k, string(b))
		}
	}
	return form.Encode(), true
}

// plainValues returns the texts of an array of strings, numbers and
// booleans; ok is false when an element is anything else.
func plainValues(a []any) ([]string, bool) {
	out := make([]string, 0, len(a))
	for _, v := range a {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case float64, bool:
			out = append(out, fmt.Sprint(x))
		default:
			return nil, false
		}
	}
	return out, true
}

// jsonProblem describes where a body stops being JSON.
func jsonProblem(body string) string {
	var v any
	err := json.Unmarshal([]byte(body), &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		lo, hi := max(0, off-20), min(len(body), off+20)
		return fmt.Sprintf("%s at byte %d, near %q", se.Error(), off, body[lo:hi])
	}
	if err != nil {
		return err.Error()
	}
	return "invalid JSON"
}
