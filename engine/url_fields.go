package engine

import (
	"slices"
	"strings"
	"text/template/parse"
)

// URLFields lists the custom fields whose value begins a URL the template
// requests — URLFormat="{{.base_url}}/api/v2/…", or an auth endpoint — so
// their values must be absolute http(s) URLs: "mycompany.zendesk.com"
// without a scheme would make every request fail.
func (t *Template) URLFields() []string {
	custom := map[string]bool{}
	for _, f := range t.Source.CustomFields() {
		custom[f.Name] = true
	}
	var out []string
	add := func(x *Text) {
		if name := leadingField(x); custom[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, name := range []string{"AuthEndPoint", "TokenEndPoint"} {
		add(t.auth[name])
	}
	for _, s := range t.scenarios {
		for _, r := range s.Requests {
			add(r.URL)
		}
	}
	slices.Sort(out)
	return out
}

// leadingField returns the variable a template string starts with, when it
// starts with a plain {{.name}} (after white space); "" otherwise.
func leadingField(x *Text) string {
	if x == nil || x.tmpl == nil || x.tmpl.Tree == nil || x.tmpl.Tree.Root == nil {
		return ""
	}
	for _, n := range x.tmpl.Tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			if strings.TrimSpace(string(n.Text)) == "" {
				continue
			}
			return ""
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
				return ""
			}
			if f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode); ok && len(f.Ident) == 1 {
				return f.Ident[0]
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}
