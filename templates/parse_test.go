package templates_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/golden"
	"github.com/switchboard/switchboard/templates"
)

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// describe dumps the typed model with positions, for golden files.
func describe(t *templates.Template) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Information %s provider=%s key=%s auth=%s max=%d features=%v/%v/%v/%v\n",
		t.Root.Pos, t.Provider, t.Key, t.AuthType, t.MaxConcurrentRequest(),
		t.UserAssociation, t.CallJournal, t.CreateNewContact, t.CreateNewTicket)
	param := func(indent string, p *templates.Parameter) {
		fmt.Fprintf(&b, "%sParameter %s name=%q father=%q type=%q value=%q\n", indent, p.Node.Pos, p.Name, p.Father, p.Type, p.Value)
	}
	for _, s := range t.Scenarios {
		fmt.Fprintf(&b, "  Scenario %s id=%s type=%s\n", s.Node.Pos, s.ID, s.Type)
		for _, p := range s.Parameters {
			param("    ", p)
		}
		for _, r := range s.Requests {
			fmt.Fprintf(&b, "    Request %s name=%s method=%s url@%s=%q weight=%q next=%q\n",
				r.Node.Pos, r.Name, r.Method, r.Node.AttrPos("URLFormat"), r.URLFormat, r.Weight, r.Next)
			for _, p := range r.Parameters {
				param("      ", p)
			}
			for _, o := range r.Outputs {
				fmt.Fprintf(&b, "      Output %s name=%s path@%s=%q\n", o.Node.Pos, o.Name, o.Node.AttrPos("Path"), o.Path)
			}
		}
	}
	return b.String()
}

func TestParseModelGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.xml")
	require.NoError(t, err)
	examples, err := filepath.Glob("../examples/*.xml")
	require.NoError(t, err)
	files = append(files, examples...)

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			tmpl, problems := templates.Parse(file, read(t, file))
			require.Empty(t, problems)
			golden.Equal(t, filepath.Join("testdata", "valid", strings.TrimSuffix(filepath.Base(file), ".xml")+".model.golden"), []byte(describe(tmpl)))
		})
	}
}

// The real-world templates must do what testdata/README.md says.
func TestRealWorldTemplates(t *testing.T) {
	t.Run("lovable parses and validates without errors", func(t *testing.T) {
		tmpl, problems := templates.Parse("lovable-helpdesk.xml", read(t, "testdata/valid/lovable-helpdesk.xml"))
		require.Empty(t, problems)
		problems = templates.Validate(tmpl)
		require.False(t, problems.HasErrors(), "%v", problems)
		// The duplicated CustomValueEnable is a warning that names both lines.
		require.Len(t, problems.Warnings(), 1)
		require.Equal(t, 49, problems[0].Line)
		require.Contains(t, problems[0].Message, "given twice (also at line 40)")
	})
	t.Run("unescaped ampersand is rejected at its position", func(t *testing.T) {
		data := read(t, "testdata/invalid/custom-helpdesk-unescaped.xml")
		tmpl, problems := templates.Parse("custom.xml", data)
		require.Nil(t, tmpl)
		require.Len(t, problems, 1)
		p := problems[0]
		line10 := strings.Split(string(data), "\n")[9]
		require.Equal(t, 10, p.Line)
		require.Equal(t, strings.Index(line10, "&client_secret")+1, p.Column)
		require.Contains(t, p.Message, `bare "&"`)
		require.Contains(t, p.Message, "&amp;")
	})
	t.Run("raw quote inside a body attribute is rejected at its position", func(t *testing.T) {
		data := strings.ReplaceAll(string(read(t, "testdata/invalid/custom-helpdesk-unescaped.xml")), "}}&client_secret", "}}&amp;client_secret")
		_, problems := templates.Parse("custom.xml", []byte(data))
		require.Len(t, problems, 1)
		line33 := strings.Split(data, "\n")[32]
		require.Equal(t, 33, problems[0].Line)
		require.Equal(t, strings.Index(line33, `{&#xA;"user`)+len(`{&#xA;`)+1, problems[0].Column)
		require.Contains(t, problems[0].Message, `unescaped " inside the value of attribute Value`)
	})
}

func TestParseNotWellFormed(t *testing.T) {
	tests := []struct {
		name, xml, msg string
		line, col      int
	}{
		{"mismatched end tag", "<Information>\n  <Scenarios>\n</Information>", "XML is not well formed", 3, 15},
		{"truncated", "<Information>\n  <Scenarios>", "ends before every element is closed", 2, 14},
		{"bare ampersand in text", "<Information>\n  a & b</Information>", `bare "&"`, 2, 5},
		{"quote in attribute", `<Information Name="say "hi""/>`, `unescaped "`, 1, 24},
		{"empty document", "", "no root element", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, problems := templates.Parse("x.xml", []byte(tt.xml))
			require.Nil(t, tmpl)
			require.Len(t, problems, 1)
			require.Contains(t, problems[0].Message, tt.msg)
			require.Equal(t, templates.Pos{Line: tt.line, Column: tt.col}, problems[0].Pos, problems[0].String())
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := []byte("<Information>" + strings.Repeat(" ", templates.MaxFileSize) + "</Information>")
	_, problems := templates.Parse("big.xml", data)
	require.Len(t, problems, 1)
	require.Contains(t, problems[0].Message, "limit is 1048576 bytes")
}

func TestParseXML11Declaration(t *testing.T) {
	src := `<?xml version="1.1" encoding="UTF-8"?>` + "\n" + `<Information Provider="crm" Name="n" Key="k" AuthType="none"><Scenarios/></Information>`
	tmpl, problems := templates.Parse("x.xml", []byte(src))
	require.Empty(t, problems)
	require.Equal(t, 2, tmpl.Root.Pos.Line)
	require.Contains(t, string(tmpl.Bytes()), `version="1.1"`)
}

func TestPositionsCountCharactersNotBytes(t *testing.T) {
	src := "<Information Remark=\"日本語\" Name=\"x\"/>"
	tmpl, problems := templates.Parse("x.xml", []byte(src))
	require.Empty(t, problems)
	require.Equal(t, templates.Pos{Line: 1, Column: 27}, tmpl.Root.AttrPos("Name"))
}

// A file that is not XML at all says what it looks like, at 1:1, instead of
// an XML error about its first odd byte (a JSON file holding an & was told
// to write it as &amp;).
func TestParseNotXML(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"PNG image", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "it looks like a PNG image"},
		{"JPEG image", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "it looks like a JPEG image"},
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>", "it looks like a PDF document"},
		{"ZIP (a .docx)", "PK\x03\x04\x14\x00\x06\x00\x08\x00", "it looks like a ZIP archive"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00", "it looks like gzip-compressed data"},
		{"binary with NUL bytes", "\x01\x02\x00\x00<Information>\x00", "it looks like binary data"},
		{"NUL bytes after a <", "<Information>\x00\x00\x00", "it looks like binary data"},
		{"JSON with an ampersand", `{"Provider": "helpdesk", "Name": "Tom & Jerry"}`, "it looks like JSON"},
		{"JSON array", "\n  [1, 2]", "it looks like JSON"},
		{"plain text", "Provider=helpdesk & Name=x\nno markup here", "it is plain text, with no XML element in it"},
		{"text before the XML", "Here is my template:\n<Information/>", "it starts with text, not with an XML element"},
		{"HTML page", "<!DOCTYPE html>\n<html><head><meta charset=utf-8></head></html>", "it looks like an HTML page"},
		{"UTF-16 with a byte order mark", "\xff\xfe<\x00I\x00n\x00f\x00o\x00>\x00", "encoded as UTF-16; save the template as UTF-8"},
		{"UTF-16 without one", "<\x00I\x00n\x00f\x00o\x00>\x00", "encoded as UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, problems := templates.Parse("upload.xml", []byte(tt.data))
			require.Nil(t, tmpl)
			require.Len(t, problems, 1)
			require.Equal(t, templates.Pos{Line: 1, Column: 1}, problems[0].Pos)
			require.Contains(t, problems[0].Message, tt.want)
			if !strings.Contains(tt.want, "UTF-16") {
				require.Contains(t, problems[0].Message, "the file is not an XML template")
				require.Contains(t, problems[0].Message, "expected an XML file that starts with <Information …>")
			}
			require.NotContains(t, problems[0].Message, "&amp;")
		})
	}
}

// What starts like XML is still judged by the XML parser: its errors keep
// their place, and XML that only looks odd to a content sniffer (a leading
// comment reads as HTML to one) still parses.
func TestParseXMLIsNotMistakenForSomethingElse(t *testing.T) {
	body := `<Information Provider="crm" Name="n" Key="k" AuthType="none"><Scenarios/></Information>`
	for name, data := range map[string]string{
		"UTF-8 byte order mark": "\ufeff" + body,
		"leading comment":       "<!-- exported by hand -->\n" + body,
		"leading blank lines":   "\n\n  " + body,
		"declaration":           `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + body,
	} {
		t.Run(name, func(t *testing.T) {
			_, problems := templates.Parse("x.xml", []byte(data))
			require.Empty(t, problems)
		})
	}
	t.Run("a control character is an XML error at its place", func(t *testing.T) {
		_, problems := templates.Parse("x.xml", []byte("<Information>\n  a\x01b</Information>"))
		require.Len(t, problems, 1)
		require.Contains(t, problems[0].Message, "XML is not well formed")
		require.Equal(t, 2, problems[0].Line)
	})
}
