package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
)

// A template string is a program, and one found in the wild may loop a
// hundred million times ({{range $i := until 100000000}} took 22.7 s and
// 2.6 GB and sent a 100 MB URL), and a job that renders it comes back after
// every restart. Every render is therefore bounded:
//
//   - what it writes: MaxRenderBytes, through a writer that refuses more;
//   - how often its loops run: MaxRenderLoops iterations per render, nested
//     loops counted together. The compiler passes what every {{range}}
//     ranges over through a function that charges its length to the
//     render's budget before the first iteration: one call per loop, not
//     per iteration, which cost four times the loop itself;
//   - how long it takes: MaxRenderTime, checked when a loop starts, at
//     every write of a render with loops and at those assignments
//     (without a loop, a render is as long as its text);
//   - what its variables hold: {{$x := …}} and {{$x = …}} that read
//     variables or run in a loop refuse strings over MaxRenderBytes and
//     lists over MaxRenderLoops elements, so a value cannot double its way
//     to gigabytes;
//   - the functions that make something as large as a number they are given
//     (until, untilStep, seq, repeat, indent, nindent, wrapWith, replace,
//     join) refuse results past those bounds before making them.
//
// {{define}}, {{template}} and {{block}} are refused when compiling: all the
// strings of a template share one namespace, and a template calling itself
// would recurse. Literal counts that can only fail ({{range 100000000}},
// {{until 100000000}}) are refused when compiling too, with their place.
//
// What is left: a value built in memory by a function that is not one of
// the above, from inputs that are each within bounds (print of a list of
// ten thousand one-megabyte strings), and a loop whose body neither writes
// nor assigns but calls a slow function ({{if derivePassword …}}) ten thousand
// times. Templates are written by the administrators of an installation;
// the bounds are for mistakes and for templates copied from elsewhere, not
// a sandbox.

const (
	// MaxRenderBytes is the most one template string renders to, and the
	// largest string a template variable may hold.
	MaxRenderBytes = 1 << 20
	// MaxRenderLoops is the most {{range}} iterations one render runs,
	// nested loops counted together, and the longest list a function or a
	// template variable may make.
	MaxRenderLoops = 10_000
	// MaxRenderTime is the longest one render may take.
	MaxRenderTime = time.Second
)

// ErrRenderLimit is matched (errors.Is) by every error of a render that
// went past one of the bounds above. The template will do the same again
// with the same data: a job that meets it should fail, not be retried.
var ErrRenderLimit = errors.New("template render limit")

// RenderLimitError says which bound a render went past.
type RenderLimitError struct {
	msg string
}

func (e *RenderLimitError) Error() string { return e.msg }

// Is makes errors.Is(err, ErrRenderLimit) true.
func (e *RenderLimitError) Is(target error) bool { return target == ErrRenderLimit }

func limitErrorf(format string, args ...any) error {
	return &RenderLimitError{msg: fmt.Sprintf(format, args...)}
}

var (
	errOutputTooLarge = limitErrorf("the output is larger than %s", sizeText(MaxRenderBytes))
	errTooManyLoops   = limitErrorf("loops would run more than %d times", MaxRenderLoops)
	errTooSlow        = limitErrorf("rendering took longer than %s", MaxRenderTime)
	errNoBudget       = errors.New("internal error: a loop ran outside a bounded render")
)

func sizeText(n int) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitWriter collects a render's output and refuses to grow past
// MaxRenderBytes. text/template stops at the first write error and
// returns it as it is. In a render with loops it also looks at the clock
// (some 30 ns) at every write: a loop's body may be slow.
type limitWriter struct {
	b      strings.Builder
	budget *renderBudget // nil: no loops, nothing to time
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxRenderBytes {
		return 0, errOutputTooLarge
	}
	if w.budget != nil && w.budget.late() {
		return 0, errTooSlow
	}
	return w.b.Write(p)
}

// renderBudget is what one render has used of its bounds.
type renderBudget struct {
	start time.Time
	loops uint64
}

func (b *renderBudget) late() bool { return time.Since(b.start) > MaxRenderTime }

// budgets finds a render's budget from inside the template. text/template
// gives functions no context, but the internal functions are called with
// $, the variables the render runs with: a render with loops runs with its
// own copy of them, and the copy's identity is the key. A render's
// functions all run on the render's goroutine, so a budget needs no lock.
var budgets sync.Map // map's pointer → *renderBudget

func budgetOf(root map[string]string) *renderBudget {
	v, ok := budgets.Load(reflect.ValueOf(root).UnsafePointer())
	if !ok {
		return nil
	}
	return v.(*renderBudget)
}

// loopBudget passes what a {{range}} ranges over through, after charging
// its length to the render's budget: it fails the render past
// MaxRenderLoops iterations or MaxRenderTime.
func loopBudget(root map[string]string, over any) (any, error) {
	b := budgetOf(root)
	if b == nil {
		return nil, errNoBudget
	}
	var n uint64
	switch rv := reflect.ValueOf(over); rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		n = uint64(rv.Len())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = uint64(max(rv.Int(), 0))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n = rv.Uint()
	case reflect.Chan, reflect.Func:
		return nil, limitErrorf("a loop over a %s has no length to bound", rv.Kind())
	}
	if n > MaxRenderLoops-b.loops {
		return nil, errTooManyLoops
	}
	b.loops += n
	if b.late() {
		return nil, errTooSlow
	}
	return over, nil
}

// bounded passes a value being stored in a template variable through,
// unless it is a string over MaxRenderBytes or a list or map over
// MaxRenderLoops elements, or the render, if it has loops, is late.
func bounded(root map[string]string, v any) (any, error) {
	switch x := v.(type) {
	case string:
		if len(x) > MaxRenderBytes {
			return nil, limitErrorf("a template variable would hold %d bytes; the limit is %s", len(x), sizeText(MaxRenderBytes))
		}
	case nil, bool, int, int64, float64:
	default:
		switch rv := reflect.ValueOf(v); rv.Kind() {
		case reflect.Slice, reflect.Array, reflect.Map:
			if rv.Len() > MaxRenderLoops {
				return nil, limitErrorf("a template variable would hold %d elements; the limit is %d", rv.Len(), MaxRenderLoops)
			}
		}
	}
	if b := budgetOf(root); b != nil && b.late() {
		return nil, errTooSlow
	}
	return v, nil
}

// boundTree puts the bounds into a parsed template string: the loop
// budget on what every range ranges over, and the size and time check on
// variable assignments that read variables or run in a loop. It reports
// whether the string loops (and so needs a budget).
func boundTree(tree *parse.Tree) (loops bool) {
	inLoop := map[*parse.ActionNode]bool{}
	walkNodes(tree.Root, func(n parse.Node) {
		if r, ok := n.(*parse.RangeNode); ok {
			loops = true
			walkNodes(r.List, func(n parse.Node) {
				if a, ok := n.(*parse.ActionNode); ok {
					inLoop[a] = true
				}
			})
		}
	})
	walkNodes(tree.Root, func(n parse.Node) {
		switch n := n.(type) {
		case *parse.RangeNode:
			appendCommand(n.Pipe, loopFunc, rootVariable(n.Pipe.Pos))
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 && (inLoop[n] || readsVariables(n.Pipe)) {
				appendCommand(n.Pipe, boundedFunc, rootVariable(n.Pipe.Pos))
			}
		}
	})
	return loops
}

// readsVariables reports whether a pipeline reads a template variable
// ($x, not $ or $.Name): outside loops, only then can an assignment grow a
// value beyond what the text and the inputs make ({{$s = print $s $s}}).
// The usual {{$d := regexReplaceAll "[^0-9]" .Phone ""}} is left as it
// is, and costs no more than before.
func readsVariables(p *parse.PipeNode) bool {
	found := false
	walkNodes(p, func(n parse.Node) {
		if v, ok := n.(*parse.VariableNode); ok && v.Ident[0] != "$" {
			found = true
		}
	})
	return found
}

// rootVariable is $, the variables the render runs with.
func rootVariable(pos parse.Pos) parse.Node {
	return &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{"$"}}
}

// checkTree refuses, before a string is bounded, what the bounds cannot
// cover or what can only fail: calls of other templates and literal counts
// past the bounds.
func checkTree(tree *parse.Tree, funcs template.FuncMap) error {
	var err error
	walkNodes(tree.Root, func(n parse.Node) {
		if err != nil {
			return
		}
		switch n := n.(type) {
		case *parse.TemplateNode:
			err = fmt.Errorf("{{template %q}} is not supported: a template string cannot call another", n.Name)
		case *parse.RangeNode:
			if c := literalInt(n.Pipe); c != nil && *c > MaxRenderLoops {
				err = fmt.Errorf("{{range %d}} would loop more than %d times", *c, MaxRenderLoops)
			}
		case *parse.CommandNode:
			err = literalLimit(n, funcs)
		}
	})
	return err
}

// literalInt returns the number of a pipeline that is one integer literal.
func literalInt(p *parse.PipeNode) *int64 {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil
	}
	if num, ok := p.Cmds[0].Args[0].(*parse.NumberNode); ok && num.IsInt {
		return &num.Int64
	}
	return nil
}

// boundedFuncs are the functions that refuse results past the bounds.
var boundedFuncs = map[string]bool{"until": true, "untilStep": true, "seq": true, "repeat": true,
	"indent": true, "nindent": true, "wrapWith": true, "replace": true}

// literalLimit calls a bounded function whose arguments are all literals,
// as the render would, and returns its limit error: {{until 100000000}}
// can only fail, so it is refused with its place when the template loads.
// The bounded functions check before they make anything.
func literalLimit(cmd *parse.CommandNode, funcs template.FuncMap) (err error) {
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok || !boundedFuncs[id.Ident] || funcs[id.Ident] == nil {
		return nil
	}
	fn := reflect.ValueOf(funcs[id.Ident])
	typ := fn.Type()
	args := cmd.Args[1:]
	if typ.IsVariadic() && len(args) < typ.NumIn()-1 || !typ.IsVariadic() && len(args) != typ.NumIn() {
		return nil // a piped argument or a wrong count: execution says what is wrong
	}
	in := make([]reflect.Value, len(args))
	for i, a := range args {
		pt := typ.In(min(i, typ.NumIn()-1))
		if typ.IsVariadic() && i >= typ.NumIn()-1 {
			pt = pt.Elem()
		}
		switch a := a.(type) {
		case *parse.NumberNode:
			if !a.IsInt || pt.Kind() != reflect.Int {
				return nil
			}
			in[i] = reflect.ValueOf(int(a.Int64))
		case *parse.StringNode:
			if pt.Kind() != reflect.String {
				return nil
			}
			in[i] = reflect.ValueOf(a.Text)
		default:
			return nil
		}
	}
	defer func() {
		if recover() != nil {
			err = nil // a panic (repeat -1) is for execution to report
		}
	}()
	out := fn.Call(in)
	if e, ok := out[len(out)-1].Interface().(error); ok && errors.Is(e, ErrRenderLimit) {
		return e
	}
	return nil
}
