package engine

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// Vars are the variables a template string is rendered with. Values are
// strings, as the Yeastar engine has them; a missing name renders as "".
type Vars map[string]string

// Text is one compiled template string. Strings without "{{" are kept as
// they are and cost nothing to render.
type Text struct {
	src   string
	tmpl  *template.Template // nil for constant strings
	fast  *fastText          // the same, without reflection; nil if it uses more than fasttext.go covers
	loops bool               // it has a {{range}}: renders count iterations against a budget
}

// Source returns the string as written in the template.
func (t *Text) Source() string {
	if t == nil {
		return ""
	}
	return t.src
}

// IsConstant reports whether rendering always gives the source.
func (t *Text) IsConstant() bool { return t == nil || t.tmpl == nil }

// Render executes the template with vars. A nil Text renders as "". A
// render that goes past MaxRenderBytes, MaxRenderLoops or MaxRenderTime
// fails with an error matching ErrRenderLimit.
func (t *Text) Render(vars Vars) (string, error) {
	if t == nil {
		return "", nil
	}
	if t.tmpl == nil {
		return t.src, nil
	}
	if t.fast != nil {
		if s, ok := t.fast.render(vars); ok {
			return s, nil
		}
	}
	return t.execute(vars)
}

// RenderLayers renders with the variables of layers, a later layer's value
// over an earlier one's: what Render gives for their merge, without making
// it where the string renders through closures.
func (t *Text) RenderLayers(layers ...Vars) (string, error) {
	if t == nil {
		return "", nil
	}
	if t.tmpl == nil {
		return t.src, nil
	}
	if t.fast != nil {
		if s, ok := t.fast.renderLayers(layers); ok {
			return s, nil
		}
	}
	n := 0
	for _, l := range layers {
		n += len(l)
	}
	merged := make(Vars, n)
	for _, l := range layers {
		maps.Copy(merged, l)
	}
	return t.execute(merged)
}

// execute renders through text/template, within the bounds of
// render_limits.go. Only a string with a loop pays for a budget: a copy
// of the variables, whose identity the loops find it by.
func (t *Text) execute(vars Vars) (string, error) {
	var w limitWriter
	w.b.Grow(min(len(t.src), MaxRenderBytes))
	data := map[string]string(vars)
	if t.loops {
		data = make(map[string]string, len(vars))
		maps.Copy(data, vars)
		w.budget = &renderBudget{start: time.Now()}
		key := reflect.ValueOf(data).UnsafePointer()
		budgets.Store(key, w.budget)
		defer budgets.Delete(key)
	}
	if err := t.tmpl.Execute(&w, data); err != nil {
		return "", cleanExecError(err)
	}
	return w.b.String(), nil
}

// CompileText compiles one template string with the given functions.
func CompileText(src string, funcs template.FuncMap) (*Text, error) {
	return newTextCompiler(funcs).compile(src)
}

// textCompiler compiles the strings of one template. Its strings share one
// function table: text/template copies the function map into every
// template given Funcs, and with sprig's two hundred functions that copy
// was most of the cost of loading a template.
type textCompiler struct {
	base  *template.Template
	funcs template.FuncMap
	n     int
}

// newTextCompiler sets "missingkey=zero": on a map of strings it makes a
// missing variable render as "" rather than "<no value>". The engine's own
// functions are added to the table; refuseInternal keeps authors from
// calling them.
func newTextCompiler(funcs template.FuncMap) *textCompiler {
	return &textCompiler{base: template.New("base").Option("missingkey=zero").Funcs(funcs).Funcs(internalFuncs), funcs: funcs}
}

// textKind says what a string is for, which decides how values are
// escaped in it.
type textKind int

const (
	plainText textKind = iota // printed as written
	bodyText                  // a request body: escaped by JSON context when it looks like JSON
)

func (c *textCompiler) compile(src string) (*Text, error) {
	t, _, err := c.compileAs(src, plainText)
	return t, err
}

// compileAs parses a string, checks it, escapes it for its kind, puts the
// render bounds in, and compiles the closures, in that order: the
// closures run the same tree text/template does.
func (c *textCompiler) compileAs(src string, kind textKind) (*Text, []string, error) {
	if !strings.Contains(src, "{{") {
		return &Text{src: src}, nil, nil
	}
	if err := refuseDefinitions(src); err != nil {
		return nil, nil, fmt.Errorf("template: %w", err)
	}
	c.n++
	tmpl, err := c.base.New(fmt.Sprintf("t%d", c.n)).Parse(src)
	if err != nil {
		return nil, nil, cleanParseError(err)
	}
	if err := refuseInternal(tmpl.Tree); err != nil {
		return nil, nil, fmt.Errorf("template: %w", err)
	}
	if err := checkTree(tmpl.Tree, c.funcs); err != nil {
		return nil, nil, fmt.Errorf("template: %w", err)
	}
	var warnings []string
	if kind == bodyText {
		warnings = escapeJSONBody(tmpl.Tree, src)
	}
	loops := boundTree(tmpl.Tree)
	return &Text{src: src, tmpl: tmpl, loops: loops, fast: compileFast(tmpl.Tree, c.funcs)}, warnings, nil
}

// refuseDefinitions refuses {{define}} and {{block}}: the strings of a
// template share one set of named templates, so a definition in one would
// reach the others, and a template may call itself. Parsed on its own, a
// string that defines nothing yields one tree, its own.
func refuseDefinitions(src string) error {
	if !strings.Contains(src, "define") && !strings.Contains(src, "block") {
		return nil
	}
	trees := map[string]*parse.Tree{}
	t := parse.New("main")
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "", "", trees); err != nil {
		return nil // the real parse reports it
	}
	for name := range trees {
		if name != "main" {
			return fmt.Errorf("{{define %q}} and {{block}} are not supported: a template string cannot define templates", name)
		}
	}
	return nil
}

var (
	parseErrPrefix = regexp.MustCompile(`^template: t\d+:(\d+):(?:\d+:)? ?`)
	execErrPrefix  = regexp.MustCompile(`^template: t\d+:\d+:\d+: executing "t\d+" at <([^>]*)>: `)
	undefinedFunc  = regexp.MustCompile(`function "([^"]+)" not defined`)
)

// cleanParseError drops text/template's internal template name and adds a
// suggestion for misspelt functions:
// template: function "UrlEncod" not defined (did you mean "UrlEncode"?).
func cleanParseError(err error) error {
	msg := err.Error()
	line := ""
	if m := parseErrPrefix.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		if m[1] != "1" {
			line = fmt.Sprintf(" (line %s of the value)", m[1])
		}
	}
	if m := undefinedFunc.FindStringSubmatch(msg); m != nil {
		if s := suggestFunc(m[1]); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	return fmt.Errorf("template: %s%s", msg, line)
}

func cleanExecError(err error) error {
	if le := (*RenderLimitError)(nil); errors.As(err, &le) {
		return le // says what went past which bound; where is for the caller to add
	}
	msg := err.Error()
	if m := execErrPrefix.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("template: at {{%s}}: %s", m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s", msg)
}

// fields returns the top-level variable names the template reads ({{.Name}}),
// leaving out fields read inside with/range, where dot is something else.
func (t *Text) fields() []string {
	if t == nil || t.tmpl == nil || t.tmpl.Tree == nil {
		return nil
	}
	var out []string
	var walk func(n parse.Node, rootDot bool)
	walk = func(n parse.Node, rootDot bool) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c, rootDot)
			}
		case *parse.ActionNode:
			walk(n.Pipe, rootDot)
		case *parse.IfNode:
			walk(n.Pipe, rootDot)
			walk(n.List, rootDot)
			walk(n.ElseList, rootDot)
		case *parse.RangeNode:
			walk(n.Pipe, rootDot)
			walk(n.List, false)
			walk(n.ElseList, rootDot)
		case *parse.WithNode:
			walk(n.Pipe, rootDot)
			walk(n.List, false)
			walk(n.ElseList, rootDot)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c, rootDot)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a, rootDot)
			}
		case *parse.FieldNode:
			if rootDot && len(n.Ident) > 0 {
				out = append(out, n.Ident[0])
			}
		case *parse.ChainNode:
			walk(n.Node, rootDot)
		}
	}
	walk(t.tmpl.Tree.Root, true)
	return out
}
