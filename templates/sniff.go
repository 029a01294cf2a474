package templates

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
)

// notXML recognises data that is not XML at all — an image, a PDF, a ZIP,
// JSON, plain text — and says what it looks like. Fed to the XML parser,
// such data gives an error about its first odd byte ("write & as &amp;" for
// a JSON file that holds an &), which sends the person looking in the wrong
// place. It returns "" for data that starts like XML; the parser judges the
// rest.
func notXML(data []byte) string {
	head := data[:min(len(data), 512)]
	if bytes.HasPrefix(head, []byte{0xFE, 0xFF}) || bytes.HasPrefix(head, []byte{0xFF, 0xFE}) ||
		bytes.HasPrefix(head, []byte("<\x00")) || bytes.HasPrefix(head, []byte("\x00<")) {
		return "the file is encoded as UTF-16; save the template as UTF-8 and upload it again"
	}
	text := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	if len(text) == 0 {
		return "" // empty: the parser says there is no root element
	}
	what := ""
	switch {
	case bytes.IndexByte(head, 0) >= 0:
		// No text file holds a NUL byte, XML or not.
		what = "it looks like " + binaryKind(http.DetectContentType(head))
	case text[0] != '<' && !strings.HasPrefix(http.DetectContentType(head), "text/"):
		// A control character after a '<' is left to the parser, which
		// points at it.
		what = "it looks like " + binaryKind(http.DetectContentType(head))
	case text[0] == '{' || text[0] == '[':
		what = "it looks like JSON"
	case text[0] != '<' && bytes.IndexByte(data, '<') < 0:
		what = "it is plain text, with no XML element in it"
	case text[0] != '<':
		what = "it starts with text, not with an XML element"
	case hasPrefixFold(text, "<!doctype html") || hasPrefixFold(text, "<html"):
		what = "it looks like an HTML page"
	default:
		return ""
	}
	return fmt.Sprintf("the file is not an XML template (%s): expected an XML file that starts with <Information …> or <?xml …?>", what)
}

// binaryKind names a content type from http.DetectContentType for people.
func binaryKind(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	switch {
	case ct == "image/png":
		return "a PNG image"
	case ct == "image/jpeg":
		return "a JPEG image"
	case strings.HasPrefix(ct, "image/"):
		return "an image (" + ct + ")"
	case ct == "application/pdf":
		return "a PDF document"
	case ct == "application/zip":
		return "a ZIP archive (Word and Excel files are ZIP archives too)"
	case ct == "application/x-gzip":
		return "gzip-compressed data"
	case ct == "application/x-rar-compressed":
		return "a RAR archive"
	case strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "video/"):
		return "audio or video (" + ct + ")"
	case strings.HasPrefix(ct, "font/"):
		return "a font"
	}
	return "binary data"
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
