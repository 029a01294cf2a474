package templates_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/templates"
)

func TestRoundTripKeepsContent(t *testing.T) {
	for _, file := range []string{"testdata/valid/lovable-helpdesk.xml", "../examples/zendesk.xml", "../examples/zohodesk.xml", "../examples/freshdesk.xml"} {
		t.Run(file, func(t *testing.T) {
			first, problems := templates.Parse(file, read(t, file))
			require.Empty(t, problems)
			out := first.Bytes()
			second, problems := templates.Parse(file, out)
			require.Empty(t, problems, "written XML must read back")
			// Same model, attribute values included (line breaks survive as &#xA;).
			require.Equal(t, stripPositions(describe(first)), stripPositions(describe(second)))
			// Writing again is stable.
			require.Equal(t, string(out), string(second.Bytes()))
		})
	}
}

func TestRoundTripKeepsUnknownElementsAndAttributes(t *testing.T) {
	src := `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<Information Provider="crm" Name="n" Key="k" AuthType="none" Colour="blue">
  <Vendor url="https://example.com">notes &amp; more</Vendor>
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>
        <Parameter Father="Mystery" Name="x" Value="line1&#xA;line2&#x9;tab" Extra="1"/>
      </Parameters>
    </Scenario>
  </Scenarios>
</Information>`
	tmpl, problems := templates.Parse("x.xml", []byte(src))
	require.Empty(t, problems)
	out := string(tmpl.Bytes())
	for _, want := range []string{`<!-- written by hand -->`, `Colour="blue"`, `<Vendor url="https://example.com">notes &amp; more</Vendor>`,
		`Father="Mystery"`, `Extra="1"`, `Value="line1&#xA;line2&#x9;tab"`} {
		require.Contains(t, out, want)
	}
	again, problems := templates.Parse("x.xml", []byte(out))
	require.Empty(t, problems)
	require.Equal(t, "line1\nline2\ttab", again.Scenarios[0].Parameters[0].Value)
}

func TestDownloadLeavesOutSecrets(t *testing.T) {
	src := `<Information Provider="helpdesk" Name="n" Key="k" AuthType="basic">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>
        <Parameter Name="Base64EncodedCredential" Value="admin:hunter2-literal"/>
        <Parameter Father="CustomFieldList" Name="api_key" Editor="password" Value="default-secret-key"/>
        <Parameter Father="CustomFieldList" Name="domain" Editor="string" Value="acme"/>
        <Parameter Father="PopulateTemplateString" Name="X-Api-Key" Type="Header" Value="literal-header-key"/>
        <Parameter Father="PopulateTemplateString" Name="X-Auth-Token" Type="Header" Value="{{.api_key}}"/>
        <Parameter Father="PopulateTemplateString" Name="Accept" Type="Header" Value="application/json"/>
      </Parameters>
    </Scenario>
  </Scenarios>
</Information>`
	tmpl, problems := templates.Parse("x.xml", []byte(src))
	require.Empty(t, problems)
	dl := string(tmpl.Download())
	for _, secret := range []string{"hunter2-literal", "default-secret-key", "literal-header-key"} {
		require.NotContains(t, dl, secret)
	}
	// Non-secrets and variable references stay.
	for _, keep := range []string{`Value="acme"`, `Value="{{.api_key}}"`, `Value="application/json"`, `Name="api_key"`} {
		require.Contains(t, dl, keep)
	}
	// The download still reads back as a template, and the original is untouched.
	_, problems = templates.Parse("dl.xml", []byte(dl))
	require.Empty(t, problems)
	require.Contains(t, string(tmpl.Bytes()), "hunter2-literal")
}

// stripPositions drops line:column so two models of differently laid out
// files compare by content.
func stripPositions(s string) string {
	var b strings.Builder
	for _, f := range strings.Fields(s) {
		if i := strings.IndexByte(f, '@'); i > 0 && strings.Contains(f[i:], ":") && !strings.Contains(f[i:], "=") {
			continue
		}
		if strings.Count(f, ":") == 1 && strings.Trim(f, "0123456789:") == "" {
			continue
		}
		b.WriteString(f)
		b.WriteByte(' ')
	}
	return b.String()
}
