package templates_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/templates"
)

// bigTemplate builds a template of about size bytes, almost all of it
// parameters with several attributes each (Title holds non-ASCII text, so
// columns must be counted in characters, not bytes), separated by sep: ""
// puts everything on one line, "\n" gives each parameter its own line.
// With oneElement the attributes all sit on the root element instead, as
// unknown attributes (each one a warning).
func bigTemplate(size int, sep string, oneElement bool) []byte {
	var b strings.Builder
	b.Grow(size + 512)
	if oneElement {
		b.WriteString(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"`)
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, `%sx%d="é%d"`, sep, i, i)
		}
		b.WriteString(`><Scenarios><Scenario Id="AuthMethod" Type="AUTH"/></Scenarios></Information>`)
		return []byte(b.String())
	}
	b.WriteString(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>` + sep +
		`<Scenario Id="AuthMethod" Type="AUTH"><Parameters>` + sep)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `<Parameter Father="CustomScenarioParameter" Name="p%d" Value="v%d" Title="Wert für %d" Description="d" Key="k"/>%s`, i, i, i, sep)
	}
	b.WriteString(`</Parameters></Scenario></Scenarios></Information>`)
	return []byte(b.String())
}

// BenchmarkValidateLongLine parses and validates a template just under the
// 1 MB upload limit, laid out in the ways that once made it quadratic (22.6 s
// of CPU for a 980 KB template with many attributes on one line).
func BenchmarkValidateLongLine(b *testing.B) {
	size := templates.MaxFileSize - 4096
	for _, bc := range []struct {
		name       string
		sep        string
		oneElement bool
	}{
		{"elements/one-line", "", false},
		{"elements/many-lines", "\n", false},
		{"attributes/one-line", " ", true},
		{"attributes/many-lines", "\n", true},
	} {
		data := bigTemplate(size, bc.sep, bc.oneElement)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				tmpl, problems := templates.Parse("big.xml", data)
				if tmpl == nil {
					b.Fatal(problems)
				}
				if problems := templates.Validate(tmpl); problems.HasErrors() {
					b.Fatal(problems.Errors())
				}
			}
		})
	}
}

// manyElements builds a template of about size bytes in one of the shapes
// where validation once looked names up in lists, once per element, and so
// took time quadratic in the file size.
func manyElements(shape string, size int) []byte {
	var b strings.Builder
	b.Grow(size + 512)
	b.WriteString(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>` + "\n" +
		`<Scenario Id="AuthMethod" Type="AUTH"><Parameters>` + "\n")
	half := size / 2
	switch shape {
	case "headers-and-requests": // each request counted the template-wide headers again
		for i := 0; b.Len() < half; i++ {
			fmt.Fprintf(&b, "<Parameter Type=\"Header\" Name=\"X-H%d\" Value=\"v\"/>\n", i)
		}
		b.WriteString("</Parameters></Scenario>\n<Scenario Id=\"GetGlobalInfo\" Type=\"REST\"><Requests>\n")
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "<Request Name=\"r%d\" Method=\"GET\" URLFormat=\"https://x\"/>\n", i)
		}
		b.WriteString("</Requests></Scenario>\n")
	case "next-chains": // each Next looked its request up in Common's list
		b.WriteString("</Parameters></Scenario>\n<Scenario Id=\"Common\" Type=\"REST\"><Requests>\n")
		for i := 0; b.Len() < half; i++ {
			fmt.Fprintf(&b, "<Request Name=\"r%d\" Method=\"GET\" URLFormat=\"https://x\"><Outputs Next=\"r%d\"/></Request>\n", i, i+1)
		}
		b.WriteString("</Requests></Scenario>\n<Scenario Id=\"SyncContactAuto\" Type=\"REST\"><Requests>\n")
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, "<Request Name=\"s%d\" Method=\"GET\" URLFormat=\"https://x\"><Outputs Next=\"r%d\"/></Request>\n", i, i)
		}
		b.WriteString("</Requests></Scenario>\n")
	case "settings": // each setting that needs another looked it up in the list
		for b.Len() < size {
			b.WriteString("<Parameter Name=\"ContactUrlType\" Value=\"retrieve_from_contact\"/><Parameter Name=\"Pagination\" Value=\"cursor\"/>\n")
		}
		b.WriteString("</Parameters></Scenario>\n")
	case "scenarios": // each request looked the Common scenario up
		b.WriteString("</Parameters></Scenario>\n")
		for b.Len() < size {
			b.WriteString("<Scenario Id=\"SyncContactAuto\" Type=\"REST\"><Requests><Request Name=\"r\" Method=\"GET\" URLFormat=\"u\"><Outputs Next=\"x\"/></Request></Requests></Scenario>\n")
		}
	case "repeated-attributes": // one attribute written again and again
		b.WriteString("</Parameters></Scenario>\n<Scenario Id=\"GetGlobalInfo\" Type=\"REST\"><Requests><Request Name=\"r\" Method=\"GET\"")
		for b.Len() < size {
			b.WriteString(` URLFormat="https://x"`)
		}
		b.WriteString("/></Requests></Scenario>\n")
	}
	b.WriteString("</Scenarios></Information>")
	return []byte(b.String())
}

// BenchmarkValidateManyElements parses and validates templates just under
// the upload limit with thousands of parameters, requests or scenarios.
// These templates are invalid on purpose (their problems are part of the
// work), so the benchmark only checks that they parse.
func BenchmarkValidateManyElements(b *testing.B) {
	size := templates.MaxFileSize - 4096
	for _, shape := range []string{"headers-and-requests", "next-chains", "settings", "scenarios", "repeated-attributes"} {
		data := manyElements(shape, size)
		b.Run(shape, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				tmpl, problems := templates.Parse("big.xml", data)
				if tmpl == nil {
					b.Fatal(problems)
				}
				_ = templates.Validate(tmpl)
			}
		})
	}
}
