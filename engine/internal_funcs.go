package engine

import (
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
)

// The compiler adds calls of the engine's own functions to the parse tree
// of a template string (json_context.go, render_limits.go). Their names
// start with internalPrefix, which template authors may not use, as
// html/template does with its _html_template_ escapers.
const (
	internalPrefix = "_switchboard_"
	jsonStringFunc = internalPrefix + "json_string"
	loopFunc       = internalPrefix + "loop"
	boundedFunc    = internalPrefix + "bounded"
)

var internalFuncs = template.FuncMap{
	jsonStringFunc: jsonStringValue,
	loopFunc:       loopBudget,
	boundedFunc:    bounded,
}

// refuseInternal refuses a string that calls one of the engine's own
// functions itself.
func refuseInternal(tree *parse.Tree) error {
	var err error
	walkNodes(tree.Root, func(n parse.Node) {
		if id, ok := n.(*parse.IdentifierNode); ok && err == nil && strings.HasPrefix(id.Ident, internalPrefix) {
			err = fmt.Errorf("function %q is reserved for the engine", id.Ident)
		}
	})
	return err
}

// isInternalAction reports whether an action is one the compiler added.
func isInternalAction(a *parse.ActionNode) bool {
	if a.Pipe == nil || len(a.Pipe.Cmds) == 0 || len(a.Pipe.Cmds[0].Args) == 0 {
		return false
	}
	id, ok := a.Pipe.Cmds[0].Args[0].(*parse.IdentifierNode)
	return ok && strings.HasPrefix(id.Ident, internalPrefix)
}

// appendCommand makes a pipeline's value the last argument of one more
// function, after args, as html/template does with its escapers.
func appendCommand(p *parse.PipeNode, fn string, args ...parse.Node) {
	p.Cmds = append(p.Cmds, &parse.CommandNode{
		NodeType: parse.NodeCommand,
		Pos:      p.Pos,
		Args:     append([]parse.Node{parse.NewIdentifier(fn).SetPos(p.Pos)}, args...),
	})
}

// walkNodes calls visit on every node of a tree, parents first.
func walkNodes(n parse.Node, visit func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	visit(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			walkNodes(c, visit)
		}
	case *parse.ActionNode:
		walkNodes(n.Pipe, visit)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, visit)
	case *parse.TemplateNode:
		walkNodes(n.Pipe, visit)
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			walkNodes(c, visit)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkNodes(a, visit)
		}
	case *parse.ChainNode:
		walkNodes(n.Node, visit)
	}
}

func walkBranch(b *parse.BranchNode, visit func(parse.Node)) {
	walkNodes(b.Pipe, visit)
	walkNodes(b.List, visit)
	walkNodes(b.ElseList, visit)
}
