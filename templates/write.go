package templates

import (
	"bytes"
	"io"

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

// writeDoc writes with CanonicalAttrVal, which writes line breaks and tabs
// in attribute values as &#xA; and &#x9; instead of raw characters that the
// next reader would fold into spaces.
func writeDoc(doc *etree.Document, w io.Writer) (int64, error) {
	doc.WriteSettings = etree.WriteSettings{CanonicalAttrVal: true}
	return doc.WriteTo(w)
}
