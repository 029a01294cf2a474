package templates

import (
	"strings"

	"github.com/beevik/etree"
)

// Node is one XML element of a template together with where it and each of
// its attributes stand in the file. Every element is kept, the ones
// Switchboard does not know included, so nothing is lost on write-back and
// every problem can point at a place.
type Node struct {
	El       *etree.Element
	Pos      Pos
	Parent   *Node
	Children []*Node
	attrPos  []Pos // aligned with El.Attr
	repeats  []attrRepeat
}

// attrRepeat is an attribute written a second (or third…) time on one
// element. XML forbids it, yet both encoding/xml and etree accept it and
// etree keeps only the last value, so a repeated URLFormat would silently
// replace the first. Validate reports each one.
type attrRepeat struct {
	name  string
	pos   Pos // of this repetition
	first Pos // of the attribute's first occurrence
}

// Tag is the element name.
func (n *Node) Tag() string { return n.El.Tag }

// Attr returns the value of the named attribute and whether it is present.
func (n *Node) Attr(name string) (string, bool) {
	for _, a := range n.El.Attr {
		if a.Space == "" && a.Key == name {
			return a.Value, true
		}
	}
	return "", false
}

// AttrValue returns the named attribute's value, or "" when it is absent.
func (n *Node) AttrValue(name string) string {
	v, _ := n.Attr(name)
	return v
}

// AttrPos returns where the named attribute starts, or the element's
// position when the attribute is absent (the place to add it).
func (n *Node) AttrPos(name string) Pos {
	for i, a := range n.El.Attr {
		if a.Space == "" && a.Key == name && i < len(n.attrPos) {
			return n.attrPos[i]
		}
	}
	return n.Pos
}

// attrPosAt returns where the i-th attribute of El.Attr starts. Loops over
// every attribute use it: AttrPos looks the name up, which on an element
// with thousands of attributes would make the loop quadratic.
func (n *Node) attrPosAt(i int) Pos {
	if i < len(n.attrPos) {
		return n.attrPos[i]
	}
	return n.Pos
}

// Path is the element path used in problem reports. Containers that only
// group (Scenarios, Requests, Parameters) are left out and identifying
// attributes are shown, e.g. Scenario[SyncContactAuto]/Request[contacts].
func (n *Node) Path() string {
	var parts []string
	for c := n; c != nil; c = c.Parent {
		if c.Parent == nil { // the root
			if len(parts) == 0 {
				parts = append(parts, c.Tag())
			}
			break
		}
		switch c.Tag() {
		case "Scenarios", "Requests", "Parameters":
			if c == n {
				parts = append(parts, c.Tag())
			}
			continue
		case "Outputs":
			if c != n {
				continue
			}
		}
		parts = append(parts, c.label())
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// AttrPath is the element path followed by @name.
func (n *Node) AttrPath(name string) string { return n.Path() + "@" + name }

func (n *Node) label() string {
	key := ""
	switch n.Tag() {
	case "Scenario":
		key = n.AttrValue("Id")
	case "Request", "Parameter", "Output":
		key = n.AttrValue("Name")
	}
	if key == "" {
		return n.Tag()
	}
	return n.Tag() + "[" + key + "]"
}

// Child returns the first child element with the tag, or nil.
func (n *Node) Child(tag string) *Node {
	for _, c := range n.Children {
		if c.Tag() == tag {
			return c
		}
	}
	return nil
}
