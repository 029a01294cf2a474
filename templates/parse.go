package templates

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// MaxFileSize is the largest template accepted (the Yeastar product's limit).
const MaxFileSize = 1 << 20

// Parse reads a template. It returns the typed model, or problems when the
// file is too large, is not XML at all (an image, JSON, …) or is not
// well-formed XML. Parse checks nothing else:
// Validate does, so that every structural problem is reported at once.
func Parse(file string, data []byte) (*Template, Problems) {
	if len(data) > MaxFileSize {
		return nil, Problems{{File: file, Pos: Pos{Line: 1, Column: 1}, Severity: SeverityError,
			Message: fmt.Sprintf("file is %d bytes; the limit is %d bytes (1 MB)", len(data), MaxFileSize)}}
	}
	if msg := notXML(data); msg != "" {
		return nil, Problems{{File: file, Pos: Pos{Line: 1, Column: 1}, Severity: SeverityError, Message: msg}}
	}
	ix := newLineIndex(data)
	// Go's XML decoder only knows XML 1.0; the templates declare 1.1 at times
	// and use nothing of 1.1 that 1.0 does not read the same way.
	src, restoreDecl := downgradeXMLDecl(data)

	spans, p := scanElements(ix, src)
	if p != nil {
		p.File = file
		return nil, Problems{*p}
	}

	doc := etree.NewDocument()
	doc.ReadSettings.PreserveCData = true
	if err := doc.ReadFromBytes(src); err != nil {
		// scanElements accepted the document, so this is unexpected; still
		// report it rather than guess.
		return nil, Problems{{File: file, Pos: Pos{Line: 1, Column: 1}, Severity: SeverityError,
			Message: "XML: " + err.Error()}}
	}
	if restoreDecl != nil {
		restoreDecl(doc)
	}
	root := doc.Root()
	if root == nil {
		return nil, Problems{{File: file, Pos: Pos{Line: 1, Column: 1}, Severity: SeverityError,
			Message: "document has no root element; expected <Information>"}}
	}

	i := 0
	var build func(el *etree.Element, parent *Node) *Node
	build = func(el *etree.Element, parent *Node) *Node {
		n := &Node{El: el, Parent: parent}
		if i < len(spans) {
			sp := spans[i]
			n.Pos = ix.pos(sp.start)
			n.attrPositions(ix, tagAttrs(src, sp.start, sp.end))
		}
		i++
		for _, c := range el.ChildElements() {
			n.Children = append(n.Children, build(c, n))
		}
		return n
	}
	t := &Template{File: file, Doc: doc, Root: build(root, nil)}
	t.fill()
	return t, nil
}

// attrPositions records where each attribute of El.Attr starts and which
// attributes are written more than once. etree keeps one attribute per
// name, in the order of first appearance and with the last value; its
// position is that of the last appearance, whose value is the one read.
func (n *Node) attrPositions(ix *lineIndex, attrs []srcAttr) {
	n.attrPos = make([]Pos, 0, len(attrs))
	var index map[string]int // name → index in attrPos
	var firsts []Pos         // aligned with attrPos: where each name first appears
	if len(attrs) > 1 {
		index = make(map[string]int, len(attrs))
		firsts = make([]Pos, 0, len(attrs))
	}
	for _, a := range attrs {
		p := ix.pos(a.off)
		i, seen := index[a.name]
		if !seen {
			if index != nil {
				index[a.name] = len(n.attrPos)
				firsts = append(firsts, p)
			}
			n.attrPos = append(n.attrPos, p)
			continue
		}
		n.repeats = append(n.repeats, attrRepeat{name: a.name, pos: p, first: firsts[i]})
		n.attrPos[i] = p
	}
}

type span struct{ start, end int }

// scanElements walks the document with encoding/xml, which checks that it is
// well formed, and records where each start tag is, in document order (the
// order etree builds its elements in). etree keeps no positions itself.
func scanElements(ix *lineIndex, src []byte) ([]span, *Problem) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var spans []span
	for {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return spans, nil
		}
		if err != nil {
			return nil, syntaxProblem(ix, src, int(dec.InputOffset()), err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			spans = append(spans, span{start, int(dec.InputOffset())})
		}
	}
}

// syntaxProblem turns a decoder error into a problem at the place a person
// must fix. encoding/xml reports only a line, and for the two mistakes seen
// in hand-written templates (a bare & and a raw " inside an attribute value)
// that line's end is not where the mistake is.
func syntaxProblem(ix *lineIndex, src []byte, off int, err error) *Problem {
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(msg, "unexpected EOF") {
		return &Problem{Pos: ix.pos(len(src)), Severity: SeverityError,
			Message: "XML is not well formed: the file ends before every element is closed"}
	}
	if strings.Contains(msg, "invalid character entity") {
		if amp := bytes.LastIndexByte(src[:min(off, len(src))], '&'); amp >= 0 {
			return &Problem{Pos: ix.pos(amp), Severity: SeverityError,
				Message: fmt.Sprintf("XML is not well formed: bare \"&\" (%s); write it as &amp;", msg)}
		}
	}
	if tagStart := bytes.LastIndexByte(src[:min(off, len(src))], '<'); tagStart >= 0 {
		if q, attr, ok := unescapedQuote(src, tagStart, off); ok {
			return &Problem{Pos: ix.pos(q), Severity: SeverityError,
				Message: fmt.Sprintf("XML is not well formed: unescaped %c inside the value of attribute %s; write it as %s",
					src[q], attr, map[byte]string{'"': "&quot;", '\'': "&apos;"}[src[q]])}
		}
	}
	return &Problem{Pos: ix.pos(off), Severity: SeverityError, Message: "XML is not well formed: " + msg}
}

// unescapedQuote looks in the start tag beginning at tagStart for an
// attribute value whose closing quote is directly followed by something that
// cannot follow an attribute (a letter, say): that quote was meant to be part
// of the value. It returns the quote's offset and the attribute's name.
func unescapedQuote(src []byte, tagStart, limit int) (int, string, bool) {
	end := min(limit+1, len(src))
	i := tagStart + 1
	for i < end && !isXMLSpace(src[i]) && src[i] != '>' && src[i] != '/' {
		i++
	}
	for i < end {
		for i < end && isXMLSpace(src[i]) {
			i++
		}
		nameStart := i
		for i < end && src[i] != '=' && !isXMLSpace(src[i]) && src[i] != '>' {
			i++
		}
		name := string(src[nameStart:i])
		for i < end && (isXMLSpace(src[i]) || src[i] == '=') {
			i++
		}
		if i >= end || (src[i] != '"' && src[i] != '\'') {
			return 0, "", false
		}
		q := src[i]
		i++
		for i < end && src[i] != q {
			i++
		}
		if i >= end {
			return 0, "", false
		}
		closing := i
		i++
		if i < len(src) && !isXMLSpace(src[i]) && src[i] != '>' && src[i] != '/' {
			return closing, name, true
		}
	}
	return 0, "", false
}

// downgradeXMLDecl rewrites version="1.1" in the XML declaration to 1.0 (same
// length, so offsets hold) and returns a function that puts 1.1 back into
// the parsed document for write-back.
func downgradeXMLDecl(data []byte) ([]byte, func(*etree.Document)) {
	head := data[:min(len(data), 100)]
	if !bytes.HasPrefix(bytes.TrimLeft(head, "\ufeff \t\r\n"), []byte("<?xml")) {
		return data, nil
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return data, nil
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte(`version="1.1"`))
	if i < 0 {
		i = bytes.Index(decl, []byte(`version='1.1'`))
	}
	if i < 0 {
		return data, nil
	}
	out := bytes.Clone(data)
	out[i+len(`version="1.`)] = '0'
	return out, func(doc *etree.Document) {
		for _, tok := range doc.Child {
			if pi, ok := tok.(*etree.ProcInst); ok && pi.Target == "xml" {
				pi.Inst = strings.Replace(pi.Inst, "1.0", "1.1", 1)
				return
			}
		}
	}
}

// fill maps the element tree onto the typed model. It never fails: what does
// not fit is left to Validate to report.
func (t *Template) fill() {
	r := t.Root
	t.Provider = r.AttrValue("Provider")
	t.Name = r.AttrValue("Name")
	t.Key = r.AttrValue("Key")
	t.Logo = r.AttrValue("Logo")
	t.Remark = r.AttrValue("Remark")
	t.Version = r.AttrValue("Version")
	t.AuthType = strings.TrimSpace(r.AttrValue("AuthType"))
	t.MaxConcur = r.AttrValue("MaxConcurrentRequest")
	t.UserAssociation = r.AttrValue("UserAssociation") == "1"
	t.CallJournal = r.AttrValue("CallJournal") == "1"
	t.ChatJournal = r.AttrValue("ChatJournal") == "1"
	t.CreateNewContact = r.AttrValue("CreateNewContact") == "1"
	t.CreateNewTicket = r.AttrValue("CreateNewTicket") == "1"
	for _, c := range r.Children {
		switch c.Tag() {
		case "Parameters":
			t.Parameters = append(t.Parameters, parameters(c)...)
		case "Scenarios":
			for _, sn := range c.Children {
				if sn.Tag() == "Scenario" {
					t.Scenarios = append(t.Scenarios, scenario(sn))
				}
			}
		}
	}
}

func scenario(n *Node) *Scenario {
	s := &Scenario{Node: n, ID: n.AttrValue("Id"), Type: n.AttrValue("Type")}
	for _, c := range n.Children {
		switch c.Tag() {
		case "Parameters":
			s.Parameters = append(s.Parameters, parameters(c)...)
		case "Requests":
			for _, rn := range c.Children {
				if rn.Tag() == "Request" {
					s.Requests = append(s.Requests, request(rn))
				}
			}
		}
	}
	return s
}

func request(n *Node) *Request {
	r := &Request{
		Node:            n,
		Name:            n.AttrValue("Name"),
		Method:          strings.ToUpper(strings.TrimSpace(n.AttrValue("Method"))),
		ResponseType:    strings.TrimSpace(n.AttrValue("ResponseType")),
		RequestEncoding: strings.TrimSpace(n.AttrValue("RequestEncoding")),
		URLFormat:       n.AttrValue("URLFormat"),
		Weight:          strings.TrimSpace(n.AttrValue("Weight")),
		NotFoundStatus:  strings.TrimSpace(n.AttrValue("NotFoundStatus")),
	}
	for _, c := range n.Children {
		switch c.Tag() {
		case "Parameters":
			r.Parameters = append(r.Parameters, parameters(c)...)
		case "Outputs":
			r.OutputsNode = c
			r.Next = strings.TrimSpace(c.AttrValue("Next"))
			for _, on := range c.Children {
				if on.Tag() == "Output" {
					r.Outputs = append(r.Outputs, &Output{Node: on, Name: on.AttrValue("Name"),
						Path: on.AttrValue("Path"), Type: on.AttrValue("Type")})
				}
			}
		}
	}
	return r
}

func parameters(n *Node) []*Parameter {
	var out []*Parameter
	for _, c := range n.Children {
		if c.Tag() != "Parameter" {
			continue
		}
		out = append(out, &Parameter{
			Node:        c,
			Name:        c.AttrValue("Name"),
			Value:       c.AttrValue("Value"),
			Father:      strings.TrimSpace(c.AttrValue("Father")),
			Type:        strings.TrimSpace(c.AttrValue("Type")),
			Editor:      strings.TrimSpace(c.AttrValue("Editor")),
			Title:       c.AttrValue("Title"),
			Key:         c.AttrValue("Key"),
			Description: c.AttrValue("Description"),
		})
	}
	return out
}
