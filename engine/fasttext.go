package engine

import (
	"strings"
	"text/template"
	"text/template/parse"
)

// Most template strings are text around variables and calls of string
// functions: "{{.base}}/users?query={{UrlEncode .Phone}}". text/template
// executes those through reflection, which was the largest part of
// rendering a request. Such strings are also compiled here into plain Go
// closures that give the same output; anything else (if, range, with,
// variables, other function shapes) renders through text/template only.
// Whenever a closure meets a function that fails or panics, the string is
// rendered again by text/template, so errors read the same either way.

// fastExpr evaluates to a string; ok is false when text/template must run
// instead (a function returned an error).
type fastExpr func(v Vars) (s string, ok bool)

// fastText is a template string as literal pieces and expressions.
type fastText struct {
	parts []fastExpr
}

func (f *fastText) render(v Vars) (out string, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = "", false // text/template reports the panic as an error
		}
	}()
	if len(f.parts) == 1 {
		s, ok := f.parts[0](v)
		if len(s) > MaxRenderBytes {
			return "", false // text/template says what is wrong
		}
		return s, ok
	}
	// The pieces first, then one allocation of the exact size.
	var buf [8]string
	pieces, n := buf[:0], 0
	for _, p := range f.parts {
		s, ok := p(v)
		if !ok {
			return "", false
		}
		pieces = append(pieces, s)
		n += len(s)
	}
	if n > MaxRenderBytes {
		return "", false
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range pieces {
		b.WriteString(s)
	}
	return b.String(), true
}

// compileFast returns the closures for a parsed template string, or nil
// when it uses anything they do not cover.
func compileFast(tree *parse.Tree, funcs template.FuncMap) *fastText {
	if tree == nil || tree.Root == nil {
		return nil
	}
	f := &fastText{}
	for _, n := range tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			text := string(n.Text)
			f.parts = append(f.parts, func(Vars) (string, bool) { return text, true })
		case *parse.ActionNode:
			e := compilePipe(n.Pipe, funcs)
			if e == nil {
				return nil
			}
			f.parts = append(f.parts, e)
		default:
			return nil
		}
	}
	if len(f.parts) == 0 {
		return nil
	}
	return f
}

// compilePipe compiles "a | b | c": each command's value is the last
// argument of the next.
func compilePipe(p *parse.PipeNode, funcs template.FuncMap) fastExpr {
	if p == nil || len(p.Decl) > 0 || p.IsAssign || len(p.Cmds) == 0 {
		return nil
	}
	var prev fastExpr
	for _, cmd := range p.Cmds {
		if prev = compileCommand(cmd, prev, funcs); prev == nil {
			return nil
		}
	}
	return prev
}

func compileCommand(cmd *parse.CommandNode, piped fastExpr, funcs template.FuncMap) fastExpr {
	if len(cmd.Args) == 0 {
		return nil
	}
	id, isFunc := cmd.Args[0].(*parse.IdentifierNode)
	if !isFunc {
		if len(cmd.Args) != 1 || piped != nil {
			return nil // text/template: "can't give argument to non-function"
		}
		return compileArg(cmd.Args[0], funcs)
	}
	args := make([]fastExpr, 0, len(cmd.Args))
	for _, a := range cmd.Args[1:] {
		e := compileArg(a, funcs)
		if e == nil {
			return nil
		}
		args = append(args, e)
	}
	if piped != nil {
		args = append(args, piped)
	}
	return compileCall(id.Ident, args, funcs)
}

// compileArg compiles an argument: a top-level variable, a string literal,
// or a parenthesised pipeline.
func compileArg(n parse.Node, funcs template.FuncMap) fastExpr {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) != 1 {
			return nil
		}
		name := n.Ident[0]
		// missingkey=zero on a map of strings: a missing name is "".
		return func(v Vars) (string, bool) { return v[name], true }
	case *parse.StringNode:
		text := n.Text
		return func(Vars) (string, bool) { return text, true }
	case *parse.PipeNode:
		return compilePipe(n, funcs)
	}
	return nil
}

// compileCall binds a function of one of the shapes the template functions
// have. text/template's own print, given strings only, concatenates them.
func compileCall(name string, args []fastExpr, funcs template.FuncMap) fastExpr {
	fn, defined := funcs[name]
	if !defined {
		fn, defined = internalFuncs[name]
	}
	if !defined {
		if name != "print" {
			return nil
		}
		return func(v Vars) (string, bool) {
			out := ""
			for _, a := range args {
				s, ok := a(v)
				if !ok {
					return "", false
				}
				out += s // usually two or three pieces
			}
			return out, true
		}
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
	case func(any, string, ...string) (string, error):
		if len(args) >= 2 {
			return func(v Vars) (string, bool) {
				vals := make([]string, len(args))
				for i, a := range args {
					s, ok := a(v)
					if !ok {
						return "", false
					}
					vals[i] = s
				}
				out, err := f(vals[0], vals[1], vals[2:]...)
				return out, err == nil
			}
		}
	}
	if unary == nil || len(args) != 1 {
		return nil
	}
	a := args[0]
	return func(v Vars) (string, bool) {
		s, ok := a(v)
		if !ok {
			return "", false
		}
		out, err := unary(s)
		return out, err == nil
	}
}
