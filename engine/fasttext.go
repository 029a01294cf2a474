package engine

import (
	"fmt"
	"net/url"
	"strings"
	"text/template"
	"text/template/parse"
)

// Most template strings are text around variables and calls of string
// functions: "{{.base}}/users?query={{UrlEncode .Phone}}", and request
// bodies add {{if}}, {{with}} and a variable or two. text/template
// executes those through reflection, which was the largest part of
// rendering a request. Such strings are also compiled here into plain Go
// closures that give the same output; anything else (range, templates,
// values that are not strings, other function shapes) renders through
// text/template only. Whenever a closure meets a function that fails or
// panics, the string is rendered again by text/template, so errors read
// the same either way. FuzzFastTextMatchesTextTemplate holds the two
// together.

// fastEnv is what the closures read: the variables (or layers of them,
// the last first), the dot inside a {{with}}, and the template's own
// variables ($x) by slot.
type fastEnv struct {
	v      Vars
	layers []Vars
	dot    string
	vars   []string
}

// get is a variable's value; "" when no layer has it (missingkey=zero).
func (e *fastEnv) get(name string) string {
	if e.layers == nil {
		return e.v[name]
	}
	for i := len(e.layers) - 1; i >= 0; i-- {
		if x, ok := e.layers[i][name]; ok {
			return x
		}
	}
	return ""
}

// fastExpr evaluates to a string; ok is false when text/template must run
// instead (a function returned an error, a value grew too large).
type fastExpr func(e *fastEnv) (s string, ok bool)

// fastCond evaluates the condition of an {{if}}.
type fastCond func(e *fastEnv) (truth bool, ok bool)

// fastText is a compiled template string.
type fastText struct {
	body  fastExpr
	nvars int // slots for $x
}

func (f *fastText) render(v Vars) (out string, ok bool) {
	return f.renderEnv(fastEnv{v: v})
}

// renderLayers renders with the variables of layers, a later layer's
// value over an earlier one's.
func (f *fastText) renderLayers(layers []Vars) (out string, ok bool) {
	return f.renderEnv(fastEnv{layers: layers})
}

func (f *fastText) renderEnv(e fastEnv) (out string, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = "", false // text/template reports the panic as an error
		}
	}()
	if f.nvars > 0 {
		e.vars = make([]string, f.nvars)
	}
	s, ok := f.body(&e)
	if len(s) > MaxRenderBytes {
		return "", false // text/template says what is wrong
	}
	return s, ok
}

// fastScope is what the compiler knows at a point of the tree: the
// variables declared so far (innermost last) and whether dot is a string
// (inside {{with}}) or the variables.
type fastScope struct {
	funcs     template.FuncMap
	names     []string
	slots     []int
	nslots    *int
	dotString bool
}

func (s *fastScope) child(dotString bool) *fastScope {
	return &fastScope{funcs: s.funcs, names: s.names[:len(s.names):len(s.names)], slots: s.slots[:len(s.slots):len(s.slots)],
		nslots: s.nslots, dotString: dotString}
}

func (s *fastScope) slot(name string) (int, bool) {
	for i := len(s.names) - 1; i >= 0; i-- {
		if s.names[i] == name {
			return s.slots[i], true
		}
	}
	return 0, false
}

// compileFast returns the closures for a parsed template string, or nil
// when it uses anything they do not cover.
func compileFast(tree *parse.Tree, funcs template.FuncMap) *fastText {
	if tree == nil || tree.Root == nil || len(tree.Root.Nodes) == 0 {
		return nil
	}
	n := 0
	body := compileList(tree.Root, &fastScope{funcs: funcs, nslots: &n})
	if body == nil {
		return nil
	}
	return &fastText{body: body, nvars: n}
}

// compileList compiles a sequence of nodes into the concatenation of
// their outputs.
func compileList(list *parse.ListNode, sc *fastScope) fastExpr {
	if list == nil {
		return func(*fastEnv) (string, bool) { return "", true }
	}
	var parts []fastExpr
	for _, n := range list.Nodes {
		var p fastExpr
		switch n := n.(type) {
		case *parse.TextNode:
			text := string(n.Text)
			p = func(*fastEnv) (string, bool) { return text, true }
		case *parse.CommentNode:
			continue
		case *parse.ActionNode:
			p = compileAction(n.Pipe, sc)
		case *parse.IfNode:
			p = compileIf(n, sc)
		case *parse.WithNode:
			p = compileWith(n, sc)
		}
		if p == nil {
			return nil
		}
		parts = append(parts, p)
	}
	switch len(parts) {
	case 0:
		return func(*fastEnv) (string, bool) { return "", true }
	case 1:
		return parts[0]
	}
	return func(e *fastEnv) (string, bool) {
		// The pieces first, then one allocation of the exact size.
		var buf [8]string
		pieces, n := buf[:0], 0
		for _, p := range parts {
			s, ok := p(e)
			if !ok {
				return "", false
			}
			pieces = append(pieces, s)
			if n += len(s); n > MaxRenderBytes {
				return "", false
			}
		}
		var b strings.Builder
		b.Grow(n)
		for _, s := range pieces {
			b.WriteString(s)
		}
		return b.String(), true
	}
}

// compileAction compiles {{pipeline}}, which prints its value, and
// {{$x := pipeline}} and {{$x = pipeline}}, which print nothing.
func compileAction(p *parse.PipeNode, sc *fastScope) fastExpr {
	if p == nil || len(p.Decl) > 1 {
		return nil
	}
	if len(p.Decl) == 0 {
		return compilePipe(p, sc)
	}
	decl := p.Decl[0]
	if len(decl.Ident) != 1 {
		return nil
	}
	value := compilePipe(&parse.PipeNode{NodeType: parse.NodePipe, Pos: p.Pos, Cmds: p.Cmds}, sc)
	if value == nil {
		return nil
	}
	var slot int
	if p.IsAssign {
		s, ok := sc.slot(decl.Ident[0])
		if !ok {
			return nil // text/template's parser refuses this first
		}
		slot = s
	} else {
		// Declared after its value is compiled: {{$x := $x}} reads the
		// outer $x.
		slot = *sc.nslots
		*sc.nslots++
		sc.names = append(sc.names, decl.Ident[0])
		sc.slots = append(sc.slots, slot)
	}
	return func(e *fastEnv) (string, bool) {
		s, ok := value(e)
		if !ok || len(s) > MaxRenderBytes {
			return "", false
		}
		e.vars[slot] = s
		return "", true
	}
}

// compileIf compiles {{if cond}}…{{else}}…{{end}}; {{else if}} is an
// {{if}} in the else branch. Each branch has its own variables.
func compileIf(n *parse.IfNode, sc *fastScope) fastExpr {
	if len(n.Pipe.Decl) > 0 {
		return nil
	}
	cond := compileCond(n.Pipe, sc)
	then := compileList(n.List, sc.child(sc.dotString))
	otherwise := compileList(n.ElseList, sc.child(sc.dotString))
	if cond == nil || then == nil || otherwise == nil {
		return nil
	}
	return func(e *fastEnv) (string, bool) {
		truth, ok := cond(e)
		if !ok {
			return "", false
		}
		if truth {
			return then(e)
		}
		return otherwise(e)
	}
}

// compileWith compiles {{with value}}…{{else}}…{{end}} for a string
// value, which is dot inside.
func compileWith(n *parse.WithNode, sc *fastScope) fastExpr {
	if len(n.Pipe.Decl) > 0 {
		return nil
	}
	value := compilePipe(n.Pipe, sc)
	then := compileList(n.List, sc.child(true))
	otherwise := compileList(n.ElseList, sc.child(sc.dotString))
	if value == nil || then == nil || otherwise == nil {
		return nil
	}
	return func(e *fastEnv) (string, bool) {
		s, ok := value(e)
		if !ok {
			return "", false
		}
		if s == "" {
			return otherwise(e)
		}
		dot := e.dot
		e.dot = s
		out, ok := then(e)
		e.dot = dot
		return out, ok
	}
}

// compileCond compiles a condition: a call of a function that answers
// true or false (not, and, or, eq, ne, regexMatch, hasPrefix…), or any
// string, which is true when not empty.
func compileCond(p *parse.PipeNode, sc *fastScope) fastCond {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 {
		return nil
	}
	if len(p.Cmds) == 1 {
		if id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode); ok {
			if c, known := compileBoolCall(id.Ident, p.Cmds[0].Args[1:], sc); known {
				return c
			}
		}
	}
	return truthOf(compilePipe(p, sc))
}

func truthOf(s fastExpr) fastCond {
	if s == nil {
		return nil
	}
	return func(e *fastEnv) (bool, bool) {
		v, ok := s(e)
		return v != "", ok
	}
}

// compileCondArg compiles an argument of not, and, or: a parenthesised
// condition, or a string.
func compileCondArg(n parse.Node, sc *fastScope) fastCond {
	if p, ok := n.(*parse.PipeNode); ok {
		return compileCond(p, sc)
	}
	return truthOf(compileArg(n, sc))
}

// compileBoolCall compiles the calls that answer true or false; known is
// false for a function that is not one of them (the caller tries it as a
// string), and the result is nil for one of them in a shape not covered.
func compileBoolCall(name string, argNodes []parse.Node, sc *fastScope) (c fastCond, known bool) {
	if fn, defined := sc.funcs[name]; defined {
		var call func(args []string) (bool, error)
		switch f := fn.(type) {
		case func(string) bool:
			call = func(a []string) (bool, error) { return f(a[0]), nil }
			known = len(argNodes) == 1
		case func(string, string) bool:
			call = func(a []string) (bool, error) { return f(a[0], a[1]), nil }
			known = len(argNodes) == 2
		case func(string, string) (bool, error):
			call = func(a []string) (bool, error) { return f(a[0], a[1]) }
			known = len(argNodes) == 2
		}
		if !known {
			return nil, false
		}
		args := compileArgs(argNodes, sc)
		if args == nil {
			return nil, true
		}
		return func(e *fastEnv) (bool, bool) {
			vals, ok := evalArgs(args, e)
			if !ok {
				return false, false
			}
			truth, err := call(vals)
			return truth, err == nil
		}, true
	}
	switch name {
	case "not":
		if len(argNodes) != 1 {
			return nil, true
		}
		c := compileCondArg(argNodes[0], sc)
		if c == nil {
			return nil, true
		}
		return func(e *fastEnv) (bool, bool) {
			truth, ok := c(e)
			return !truth, ok
		}, true
	case "and", "or":
		if len(argNodes) == 0 {
			return nil, true
		}
		conds := make([]fastCond, len(argNodes))
		for i, a := range argNodes {
			if conds[i] = compileCondArg(a, sc); conds[i] == nil {
				return nil, true
			}
		}
		// Both stop at the first argument that decides, as text/template's do.
		decides := name == "or"
		return func(e *fastEnv) (bool, bool) {
			for _, c := range conds {
				truth, ok := c(e)
				if !ok {
					return false, false
				}
				if truth == decides {
					return decides, true
				}
			}
			return !decides, true
		}, true
	case "eq", "ne":
		if len(argNodes) < 2 || (name == "ne" && len(argNodes) != 2) {
			return nil, true
		}
		args := compileArgs(argNodes, sc)
		if args == nil {
			return nil, true
		}
		want := name == "eq"
		return func(e *fastEnv) (bool, bool) {
			first, ok := args[0](e)
			if !ok {
				return false, false
			}
			for _, a := range args[1:] {
				s, ok := a(e)
				if !ok {
					return false, false
				}
				if s == first {
					return want, true
				}
			}
			return !want, true
		}, true
	}
	return nil, false
}

// compilePipe compiles "a | b | c": each command's value is the last
// argument of the next.
func compilePipe(p *parse.PipeNode, sc *fastScope) fastExpr {
	if p == nil || len(p.Decl) > 0 || p.IsAssign || len(p.Cmds) == 0 {
		return nil
	}
	var prev fastExpr
	for _, cmd := range p.Cmds {
		if prev = compileCommand(cmd, prev, sc); prev == nil {
			return nil
		}
	}
	return prev
}

func compileCommand(cmd *parse.CommandNode, piped fastExpr, sc *fastScope) fastExpr {
	if len(cmd.Args) == 0 {
		return nil
	}
	id, isFunc := cmd.Args[0].(*parse.IdentifierNode)
	if !isFunc {
		if len(cmd.Args) != 1 || piped != nil {
			return nil // text/template: "can't give argument to non-function"
		}
		return compileArg(cmd.Args[0], sc)
	}
	if id.Ident == boundedFunc {
		// The size check of an assignment (render_limits.go); the piped
		// value is a string, which compileAction bounds itself.
		return piped
	}
	if id.Ident == "ternary" {
		// ternary a b cond: its condition is not a string.
		if piped != nil || len(cmd.Args) != 4 {
			return nil
		}
		vt, vf := compileArg(cmd.Args[1], sc), compileArg(cmd.Args[2], sc)
		cond := compileCondArg(cmd.Args[3], sc)
		if vt == nil || vf == nil || cond == nil {
			return nil
		}
		return func(e *fastEnv) (string, bool) {
			a, ok1 := vt(e)
			b, ok2 := vf(e)
			truth, ok3 := cond(e)
			if !ok1 || !ok2 || !ok3 {
				return "", false
			}
			if truth {
				return a, true
			}
			return b, true
		}
	}
	args := compileArgs(cmd.Args[1:], sc)
	if args == nil {
		return nil
	}
	if piped != nil {
		args = append(args, piped)
	}
	return compileCall(id.Ident, args, sc.funcs)
}

// compileArgs compiles string arguments; nil if one is not.
func compileArgs(nodes []parse.Node, sc *fastScope) []fastExpr {
	args := make([]fastExpr, 0, len(nodes)+1)
	for _, a := range nodes {
		e := compileArg(a, sc)
		if e == nil {
			return nil
		}
		args = append(args, e)
	}
	return args
}

func evalArgs(args []fastExpr, e *fastEnv) ([]string, bool) {
	vals := make([]string, len(args))
	for i, a := range args {
		s, ok := a(e)
		if !ok {
			return nil, false
		}
		vals[i] = s
	}
	return vals, true
}

// compileArg compiles an argument that is a string: a variable, a
// template variable, dot inside {{with}}, a string literal, or a
// parenthesised pipeline.
func compileArg(n parse.Node, sc *fastScope) fastExpr {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) != 1 || sc.dotString {
			return nil
		}
		name := n.Ident[0]
		// missingkey=zero on a map of strings: a missing name is "".
		return func(e *fastEnv) (string, bool) { return e.get(name), true }
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			if len(n.Ident) != 2 {
				return nil
			}
			name := n.Ident[1]
			return func(e *fastEnv) (string, bool) { return e.get(name), true }
		}
		slot, ok := sc.slot(n.Ident[0])
		if !ok || len(n.Ident) != 1 {
			return nil
		}
		return func(e *fastEnv) (string, bool) { return e.vars[slot], true }
	case *parse.DotNode:
		if !sc.dotString {
			return nil
		}
		return func(e *fastEnv) (string, bool) { return e.dot, true }
	case *parse.StringNode:
		text := n.Text
		return func(*fastEnv) (string, bool) { return text, true }
	case *parse.PipeNode:
		return compilePipe(n, sc)
	}
	return nil
}

// compileCall binds a function of one of the shapes the template functions
// have, or one of text/template's own that work on strings.
func compileCall(name string, args []fastExpr, funcs template.FuncMap) fastExpr {
	fn, defined := funcs[name]
	if !defined {
		fn, defined = internalFuncs[name]
	}
	if !defined {
		return compileBuiltin(name, args)
	}
	// One-argument shapes, all seen as func(string) (string, error).
	var unary func(string) (string, error)
	switch f := fn.(type) {
	case func(string) string:
		unary = func(s string) (string, error) { return f(s), nil }
	case func(any) string:
		unary = func(s string) (string, error) { return f(s), nil }
	case func(string) (string, error):
		unary = f
	case func(any) (string, error):
		unary = func(s string) (string, error) { return f(s) }
	}
	if unary != nil {
		if len(args) != 1 {
			return nil
		}
		a := args[0]
		return func(e *fastEnv) (string, bool) {
			s, ok := a(e)
			if !ok {
				return "", false
			}
			out, err := unary(s)
			return out, err == nil
		}
	}
	var call func(a []string) (string, error)
	switch f := fn.(type) {
	case func(string, string) string:
		if len(args) == 2 {
			call = func(a []string) (string, error) { return f(a[0], a[1]), nil }
		}
	case func(string, string, string) string:
		if len(args) == 3 {
			call = func(a []string) (string, error) { return f(a[0], a[1], a[2]), nil }
		}
	case func(string, string, string) (string, error):
		if len(args) == 3 {
			call = func(a []string) (string, error) { return f(a[0], a[1], a[2]) }
		}
	case func(any, string, ...string) (string, error):
		if len(args) >= 2 {
			call = func(a []string) (string, error) { return f(a[0], a[1], a[2:]...) }
		}
	case func(any, ...any) any:
		if name == "default" && len(args) >= 1 {
			// sprig's default: the first given value unless it is empty.
			call = func(a []string) (string, error) {
				if len(a) > 1 && a[1] != "" {
					return a[1], nil
				}
				return a[0], nil
			}
		}
	}
	if call == nil {
		return nil
	}
	return func(e *fastEnv) (string, bool) {
		vals, ok := evalArgs(args, e)
		if !ok {
			return "", false
		}
		out, err := call(vals)
		return out, err == nil
	}
}

// compileBuiltin binds text/template's own functions, given strings only:
// print concatenates them, printf formats them, html, js and urlquery
// escape them; or and and give the first argument that decides.
func compileBuiltin(name string, args []fastExpr) fastExpr {
	var join func(vals []string) string
	switch name {
	case "print":
		join = func(vals []string) string { return strings.Join(vals, "") }
	case "printf":
		if len(args) == 0 {
			return nil
		}
		join = func(vals []string) string {
			rest := make([]any, len(vals)-1)
			for i, v := range vals[1:] {
				rest[i] = v
			}
			return fmt.Sprintf(vals[0], rest...)
		}
	case "html":
		join = func(vals []string) string { return template.HTMLEscapeString(strings.Join(vals, "")) }
	case "js":
		join = func(vals []string) string { return template.JSEscapeString(strings.Join(vals, "")) }
	case "urlquery":
		join = func(vals []string) string { return url.QueryEscape(strings.Join(vals, "")) }
	case "or", "and":
		if len(args) == 0 {
			return nil
		}
		decides := name == "or"
		return func(e *fastEnv) (string, bool) {
			var s string
			for _, a := range args {
				var ok bool
				if s, ok = a(e); !ok {
					return "", false
				}
				if (s != "") == decides {
					return s, true
				}
			}
			return s, true
		}
	default:
		return nil
	}
	return func(e *fastEnv) (string, bool) {
		vals, ok := evalArgs(args, e)
		if !ok {
			return "", false
		}
		s := join(vals)
		return s, len(s) <= MaxRenderBytes
	}
}
