package engine

import (
	"bytes"
	"fmt"
	"strings"
	"text/template/parse"
	"unicode/utf8"
)

// Request bodies are JSON written by hand around {{…}} actions, and real
// templates put call data there as written: {"from":"{{.Call_From}}"}. A
// caller named Ada "The Countess" then renders invalid JSON and the call's
// journal is lost. As html/template does for HTML, the compiler escapes
// values by where they land: it follows the JSON text of a body across the
// template's text (inside or outside a string literal, after a backslash)
// and appends an escaping command to every action that prints inside a
// string literal, so {{.Call_From}} there runs as
// {{.Call_From | _switchboard_json_string}}. The work is done once, on the
// parse tree, and both text/template and the closures of fasttext.go run
// the command. Actions outside string literals print as written (numbers,
// true, a JSON array held in a variable), and an action whose last command
// already escapes (JsonEscape, toJson and its kin) is left alone.

// jsonState is a set of the places a point of a JSON body may be in. A
// set, not one place: after {{if}} the branches may end in different
// places, and whatever follows must be right for each of them.
type jsonState uint8

const (
	jsonOutside jsonState = 1 << iota // between values, outside string literals
	jsonString                        // inside a string literal
	jsonEscape                        // inside a string literal, right after a backslash
)

// inString reports whether a value printed here may land in a string literal.
func (s jsonState) inString() bool { return s&(jsonString|jsonEscape) != 0 }

// ambiguous reports whether a value printed here may land both inside and
// outside a string literal. (Inside, right after a backslash or not, is
// escaped alike.)
func (s jsonState) ambiguous() bool { return s&jsonOutside != 0 && s.inString() }

// after returns where each place of s leads once text has been read.
func (s jsonState) after(text []byte) jsonState {
	var out jsonState
	for _, one := range [...]jsonState{jsonOutside, jsonString, jsonEscape} {
		if s&one != 0 {
			out |= scanJSON(one, text)
		}
	}
	return out
}

// scanJSON follows one place through text. Only quotes and backslashes
// matter: they are all that opens, closes or escapes a string literal.
func scanJSON(st jsonState, text []byte) jsonState {
	for len(text) > 0 {
		switch st {
		case jsonOutside:
			i := bytes.IndexByte(text, '"')
			if i < 0 {
				return st
			}
			st, text = jsonString, text[i+1:]
		case jsonString:
			i := bytes.IndexAny(text, `"\`)
			if i < 0 {
				return st
			}
			if text[i] == '"' {
				st = jsonOutside
			} else {
				st = jsonEscape
			}
			text = text[i+1:]
		case jsonEscape:
			st, text = jsonString, text[1:] // \" \\ \n \uXXXX: the next byte is taken
		}
	}
	return st
}

// jsonEscapers are the functions whose result is already fit for a JSON
// body; an action ending with one is never escaped again. toJson and its
// kin write a whole JSON value, quotes included: inside a string literal
// that was wrong before and stays as the author wrote it.
var jsonEscapers = map[string]bool{
	"JsonEscape": true, "toJson": true, "toRawJson": true, "toPrettyJson": true,
	"mustToJson": true, "mustToRawJson": true, "mustToPrettyJson": true,
	jsonStringFunc: true,
}

// looksLikeJSON reports whether a body's output starts with { or [: its
// first non-blank text comes before any value an action prints. Actions
// that only declare variables ({{$name := …}}) print nothing.
func looksLikeJSON(root *parse.ListNode) bool {
	c, _ := firstOutput(root)
	return c == '{' || c == '['
}

// firstOutput returns the first byte a list prints, 0 when an action prints
// first; decided is false when the list may print nothing.
func firstOutput(l *parse.ListNode) (c byte, decided bool) {
	if l == nil {
		return 0, false
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			if t := bytes.TrimLeft(n.Text, " \t\r\n"); len(t) > 0 {
				return t[0], true
			}
		case *parse.ActionNode:
			if len(n.Pipe.Decl) == 0 && !isInternalAction(n) {
				return 0, true
			}
		case *parse.IfNode:
			if c, ok := firstOutput(n.List); ok {
				return c, true
			}
			if c, ok := firstOutput(n.ElseList); ok {
				return c, true
			}
		case *parse.WithNode:
			if c, ok := firstOutput(n.List); ok {
				return c, true
			}
			if c, ok := firstOutput(n.ElseList); ok {
				return c, true
			}
		case *parse.RangeNode:
			if c, ok := firstOutput(n.List); ok {
				return c, true
			}
			if c, ok := firstOutput(n.ElseList); ok {
				return c, true
			}
		}
	}
	return 0, false
}

// jsonEscaper finds, for each action of a JSON body, the places its value
// may land in.
type jsonEscaper struct {
	src      string
	places   map[*parse.ActionNode]jsonState
	order    []*parse.ActionNode // document order, for stable results
	loops    []jsonState         // per enclosing range: places {{break}} and {{continue}} leave from
	warnings []string
}

// escapeJSONBody adds the escaping command to the actions of a JSON body
// that print inside string literals, and returns warnings about places
// the JSON text cannot be followed for sure.
func escapeJSONBody(tree *parse.Tree, src string) []string {
	if tree == nil || !looksLikeJSON(tree.Root) {
		return nil
	}
	e := &jsonEscaper{src: src, places: map[*parse.ActionNode]jsonState{}}
	e.list(tree.Root, jsonOutside)
	for _, a := range e.order {
		if e.places[a].inString() && !endsEscaped(a.Pipe) {
			appendCommand(a.Pipe, jsonStringFunc)
		}
	}
	return e.warnings
}

func (e *jsonEscaper) list(l *parse.ListNode, st jsonState) jsonState {
	if l == nil {
		return st
	}
	for _, n := range l.Nodes {
		st = e.node(n, st)
	}
	return st
}

func (e *jsonEscaper) node(n parse.Node, st jsonState) jsonState {
	switch n := n.(type) {
	case *parse.TextNode:
		return st.after(n.Text)
	case *parse.ActionNode:
		if len(n.Pipe.Decl) > 0 || isInternalAction(n) {
			return st // prints nothing
		}
		if _, seen := e.places[n]; !seen {
			e.order = append(e.order, n)
		}
		e.places[n] |= st
		// A value printed outside a string is taken to be a whole JSON
		// value (a number, a list held in a variable); one printed inside
		// is escaped, so it cannot end the string either.
		return st
	case *parse.IfNode:
		return e.branches(n, "if", n.Pipe, n.List, n.ElseList, st)
	case *parse.WithNode:
		return e.branches(n, "with", n.Pipe, n.List, n.ElseList, st)
	case *parse.RangeNode:
		return e.rangeNode(n, st)
	case *parse.BreakNode, *parse.ContinueNode:
		if k := len(e.loops); k > 0 {
			e.loops[k-1] |= st
		}
		return st
	}
	return st
}

// branches joins the places both branches of an if or with end in.
func (e *jsonEscaper) branches(n parse.Node, keyword string, pipe *parse.PipeNode, list, elseList *parse.ListNode, st jsonState) jsonState {
	out := e.list(list, st) | e.list(elseList, st)
	e.warnIfAmbiguous(n, keyword, pipe, st, out, "its branches end")
	return out
}

// rangeNode follows a range body until the places it may start from stop
// growing: an iteration may start where the one before ended.
func (e *jsonEscaper) rangeNode(n *parse.RangeNode, st jsonState) jsonState {
	in := st
	var out jsonState
	for {
		e.loops = append(e.loops, 0)
		out = e.list(n.List, in)
		out |= e.loops[len(e.loops)-1]
		e.loops = e.loops[:len(e.loops)-1]
		if out|in == in {
			break
		}
		in |= out
	}
	end := out | st // no element and no else: nothing printed
	if n.ElseList != nil {
		end = out | e.list(n.ElseList, st)
	}
	e.warnIfAmbiguous(n, "range", n.Pipe, st, end|in, "its iterations end")
	return end
}

func (e *jsonEscaper) warnIfAmbiguous(n parse.Node, keyword string, pipe *parse.PipeNode, before, after jsonState, what string) {
	if len(e.warnings) > 0 || before.ambiguous() || !after.ambiguous() {
		return // known before and after, or already warned about: once per body is enough
	}
	off := int(n.Position()) // where the pipeline starts; the action starts at the {{ before it
	if i := strings.LastIndex(e.src[:min(off, len(e.src))], "{{"); i >= 0 {
		off = i
	}
	line, col := position(e.src, off)
	e.warnings = append(e.warnings, fmt.Sprintf(
		"the JSON body cannot be followed past {{%s %s}} (line %d, column %d of the value): %s one inside a string literal, one outside; "+
			"values after it are escaped as JSON strings wherever they may be in one, so a JSON value (a list, an object) printed there may come out as a string",
		keyword, pipe, line, col, what))
}

// position turns a byte offset of the value into a line and a column (in
// characters), both from 1.
func position(src string, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	col = 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return line, col
}

// endsEscaped reports whether a pipeline's value already went through a
// JSON escaper last: {{JsonEscape .X}}, {{.X | toJson}}, {{(JsonEscape .X)}}.
func endsEscaped(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) == 0 {
		return false
	}
	last := p.Cmds[len(p.Cmds)-1]
	if len(last.Args) == 0 {
		return false
	}
	switch a := last.Args[0].(type) {
	case *parse.IdentifierNode:
		return jsonEscapers[a.Ident]
	case *parse.PipeNode:
		return len(last.Args) == 1 && endsEscaped(a)
	}
	return false
}

// jsonStringValue escapes a value for the inside of a JSON string literal,
// printed first as text/template prints it. Most values need nothing and
// cost no allocation.
func jsonStringValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case nil:
		s = "<no value>" // what text/template prints for it
	default:
		s = fmt.Sprint(x)
	}
	if !needsJSONEscape(s) {
		return s
	}
	return JSONEscape(s)
}

// needsJSONEscape reports whether JSONEscape would change s.
func needsJSONEscape(s string) bool {
	high := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == '"' || c == '\\':
			return true
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	// encoding/json replaces invalid UTF-8 and escapes U+2028 and U+2029.
	return high && (!utf8.ValidString(s) || strings.ContainsRune(s, '\u2028') || strings.ContainsRune(s, '\u2029'))
}
