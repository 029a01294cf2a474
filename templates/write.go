package templates

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/beevik/etree"
)

// WriteTo writes the template back as XML, every element, attribute and
// comment included. Attribute values keep line breaks and tabs as character
// references so they survive the next read.
func (t *Template) WriteTo(w io.Writer) (int64, error) {
	return writeDoc(t.Doc.Copy(), w)
}

// Bytes returns the XML of WriteTo.
func (t *Template) Bytes() []byte {
	var b bytes.Buffer
	_, _ = t.WriteTo(&b)
	return b.Bytes()
}

// Download returns the XML for a person to download and share: like Bytes,
// but with every secret value left out — default values of password fields,
// literal credentials and literal values of credential headers. Values that
// are templates (they hold {{…}}) are kept: they name variables, not secrets.
func (t *Template) Download() []byte {
	doc := t.Doc.Copy()
	for _, el := range doc.FindElements("//Parameter") {
		if secretParameter(el) {
			el.RemoveAttr("Value")
		}
	}
	var b bytes.Buffer
	_, _ = writeDoc(doc, &b)
	return b.Bytes()
}

var secretHeaderName = regexp.MustCompile(`(?i)(authorization|token|secret|password|api[-_]?key|cookie|credential|signature)`)

func secretParameter(el *etree.Element) bool {
	value := el.SelectAttrValue("Value", "")
	if value == "" {
		return false
	}
	father := el.SelectAttrValue("Father", "")
	name := el.SelectAttrValue("Name", "")
	switch {
	case father == FatherCustomField:
		return strings.EqualFold(el.SelectAttrValue("Editor", ""), "password")
	case strings.Contains(value, "{{"):
		return false
	case strings.EqualFold(el.SelectAttrValue("Type", ""), "Header"):
		return secretHeaderName.MatchString(name)
	case father == "" && name == "Base64EncodedCredential":
		return true
	}
	return false
}

// writeDoc writes with CanonicalAttrVal, which writes line breaks and tabs
// in attribute values as &#xA; and &#x9; instead of raw characters that the
// next reader would fold into spaces.
func writeDoc(doc *etree.Document, w io.Writer) (int64, error) {
	doc.WriteSettings = etree.WriteSettings{CanonicalAttrVal: true}
	return doc.WriteTo(w)
}
