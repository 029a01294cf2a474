package templatecheck

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// missingPath follows an output's GJSON path through an answer's schema
// and says where it leaves it ("" when the whole path is there, or when
// the path goes where the schema cannot tell: a query, a modifier, an
// object that declares no properties).
func missingPath(s *openapi3.SchemaRef, path string) string {
	if path == "" || strings.ContainsAny(path, "|@()*?!=<>%") {
		return ""
	}
	walked := []string{}
	for _, seg := range splitPath(path) {
		if s == nil || s.Value == nil {
			return ""
		}
		v := s.Value
		if seg == "#" || isIndex(seg) {
			if !v.Type.Is("array") {
				if v.Type == nil || v.Type.Is("object") && len(v.Properties) == 0 {
					return ""
				}
				return fmt.Sprintf("%q (%s is not a list)", path, where(walked))
			}
			s, walked = v.Items, append(walked, seg)
			continue
		}
		next, known := property(v, seg)
		if !known {
			return ""
		}
		if next == nil {
			return fmt.Sprintf("%q (%s has no property %q)", path, where(walked), seg)
		}
		s, walked = next, append(walked, seg)
	}
	return ""
}

// property finds a property of an object schema, through allOf, oneOf and
// anyOf. known is false when the schema declares no properties at all: a
// free-form object, where any path may be.
func property(v *openapi3.Schema, name string) (p *openapi3.SchemaRef, known bool) {
	if p, ok := v.Properties[name]; ok {
		return p, true
	}
	known = len(v.Properties) > 0
	for _, group := range []openapi3.SchemaRefs{v.AllOf, v.OneOf, v.AnyOf} {
		for _, sub := range group {
			if sub == nil || sub.Value == nil {
				continue
			}
			sp, sk := property(sub.Value, name)
			if sp != nil {
				return sp, true
			}
			if !sk {
				return nil, false
			}
			known = true
		}
	}
	return nil, known
}

// splitPath cuts a GJSON path at its dots, keeping escaped ones.
func splitPath(path string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i])
		case c == '.':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func where(walked []string) string {
	if len(walked) == 0 {
		return "the answer"
	}
	return strings.Join(walked, ".")
}

// undeclaredIn lists the properties of a request body — JSON, or the
// fields of a form — that the operation's schema does not declare, where
// it declares some and does not say others are welcome: vendors' schemas
// mostly allow any other property, which lets a misspelt field through
// validation. They are warnings: a vendor may take a field its document
// leaves out.
func undeclaredIn(op *openapi3.Operation, contentType string, body []byte) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil || len(body) == 0 {
		return nil
	}
	kind := "json"
	var v any
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		fields := map[string]any{}
		for k := range form {
			name, _, _ := strings.Cut(k, "[") // a[b] is a field of a
			fields[name] = nil
		}
		kind, v = "x-www-form-urlencoded", fields
	} else if json.Unmarshal(body, &v) != nil {
		return nil
	}
	for ct, mt := range op.RequestBody.Value.Content {
		if strings.Contains(ct, kind) && mt.Schema != nil {
			var out []string
			undeclared(mt.Schema, v, "", &out)
			sort.Strings(out)
			return out
		}
	}
	return nil
}

func undeclared(ref *openapi3.SchemaRef, v any, at string, out *[]string) {
	if ref == nil || ref.Value == nil {
		return
	}
	s := ref.Value
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			undeclared(s.Items, item, fmt.Sprintf("%s[%d]", at, i), out)
		}
	case map[string]any:
		open := s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has || s.AdditionalProperties.Schema != nil
		for k, item := range x {
			p, known := property(s, k)
			switch {
			case p != nil:
				undeclared(p, item, join(at, k), out)
			case known && !open:
				*out = append(*out, fmt.Sprintf("the body's %s is not a property the contract declares (misspelt, or undocumented)", join(at, k)))
			}
		}
	}
}

func join(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}
