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

// The realworld templates must do what ../shared/realworld/README.md says.
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
