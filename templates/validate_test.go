package templates_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/templates"
)

// minimal builds a valid template around the given scenarios.
func minimal(authType, authParams, scenarios string) string {
	return fmt.Sprintf(`<Information Provider="helpdesk" Name="T" Key="t" AuthType="%s">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>%s</Parameters>
    </Scenario>%s
  </Scenarios>
</Information>`, authType, authParams, scenarios)
}

func validate(t *testing.T, src string) templates.Problems {
	t.Helper()
	tmpl, problems := templates.Parse("t.xml", []byte(src))
	require.Empty(t, problems)
	return templates.Validate(tmpl)
}

func TestValidateMinimalIsClean(t *testing.T) {
	require.Empty(t, validate(t, minimal("none", "", "")))
}

func TestValidateFindsProblems(t *testing.T) {
	lookup := func(outputs string) string {
		return `<Scenario Id="SyncContactAuto" Type="REST"><Requests>
<Request Name="contacts" Method="GET" URLFormat="https://x/{{.Phone}}"><Outputs>` + outputs + `</Outputs></Request>
</Requests></Scenario>`
	}
	fields := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<Parameter Father="CustomFieldList" Name="f%d" Editor="string"/>`, i)
		}
		return b.String()
	}
	headers := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<Parameter Father="PopulateTemplateString" Type="Header" Name="X-H%d" Value="v"/>`, i)
		}
		return b.String()
	}
	tests := []struct {
		name     string
		src      string
		severity templates.Severity
		msg      string
	}{
		{"basic needs a credential", minimal("basic", "", ""), templates.SeverityError, "needs the parameter Base64EncodedCredential"},
		{"oauth2 needs endpoints", minimal("oauth2", "", ""), templates.SeverityError, "needs the parameter AuthEndPoint"},
		{"bearertoken needs token endpoint", minimal("bearertoken", "", ""), templates.SeverityError, "needs the parameter TokenEndPoint"},
		{"auth method disagrees", minimal("none", `<Parameter Name="AuthMethod" Value="basic"/>`, ""), templates.SeverityError, "must agree"},
		{"six fields for basic", minimal("basic", `<Parameter Name="Base64EncodedCredential" Value="{{.f0}}"/>`+fields(6), ""), templates.SeverityError, "allows at most 5"},
		{"ten fields for bearertoken are fine, eleven are not", minimal("bearertoken", `<Parameter Name="TokenEndPoint" Value="https://x"/>`+fields(11), ""), templates.SeverityError, "allows at most 10"},
		{"21 headers", minimal("none", headers(21), ""), templates.SeverityError, "the limit is 20"},
		{"duplicate field", minimal("none", fields(1)+fields(1), ""), templates.SeverityError, "defined twice"},
		{"list field without options", minimal("none", `<Parameter Father="CustomFieldList" Name="l" Editor="list"/>`, ""), templates.SeverityError, "needs its options"},
		{"token error map without value", minimal("none", `<Parameter Father="TokenErrorMap" Type="TokenInvalid" Name="TokenInvalid"/>`, ""), templates.SeverityError, "needs a Value"},
		{"lookup without phone", minimal("none", "", lookup(`<Output Name="ContactsId" Path="a"/><Output Name="FirstName" Path="b"/>`)), templates.SeverityError, "at least one phone output"},
		{"lookup without ContactsId", minimal("none", "", lookup(`<Output Name="FirstName" Path="b"/><Output Name="MobileNumber" Path="c"/>`)), templates.SeverityError, "output named ContactsId"},
		{"scenario type", minimal("none", "", `<Scenario Id="CallJournal" Type="AUTH"><Requests><Request Name="CallJournal" Method="POST" URLFormat="https://x"/></Requests></Scenario>`), templates.SeverityError, `must have Type="REST"`},
		{"journal without its request", minimal("none", "", `<Scenario Id="CallJournal" Type="REST"><Requests><Request Name="Journal" Method="POST" URLFormat="https://x"/></Requests></Scenario>`), templates.SeverityError, `needs a request named CallJournal`},
		{"search request name", minimal("none", "", `<Scenario Id="SearchContact" Type="REST"><Requests><Request Name="contacts" Method="GET" URLFormat="https://x"><Outputs><Output Name="ContactsId" Path="a"/><Output Name="FirstName" Path="b"/><Output Name="MobileNumber" Path="c"/></Outputs></Request></Requests></Scenario>`), templates.SeverityError, "SearchContact_<contact type>"},
		{"bad weight", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="GET" Weight="high" URLFormat="https://x"/></Requests></Scenario>`), templates.SeverityError, "must be a whole number"},
		{"bad encoding", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="POST" RequestEncoding="xml" URLFormat="https://x"/></Requests></Scenario>`), templates.SeverityError, "RequestEncoding"},
		{"self loop", minimal("none", "", `<Scenario Id="Common" Type="REST"><Requests><Request Name="a" Method="GET" URLFormat="https://x"><Outputs Next="a"/></Request></Requests></Scenario>`), templates.SeverityError, "Next chain loops: a → a"},
		{"Next without Common", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="GET" URLFormat="https://x"><Outputs Next="b"/></Request></Requests></Scenario>`), templates.SeverityError, "no Common scenario"},
		{"unknown element", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requestz/></Scenario>`), templates.SeverityWarning, `unknown element <Requestz> inside <Scenario> is kept but has no effect (did you mean "Requests"?)`},
		{"empty URL", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="GET" URLFormat=""/></Requests></Scenario>`), templates.SeverityWarning, "always skipped"},
		{"stray request parameter", minimal("none", "", `<Scenario Id="GetGlobalInfo" Type="REST"><Requests><Request Name="a" Method="GET" URLFormat="https://x"><Parameters><Parameter Name="limit" Value="10"/></Parameters></Request></Requests></Scenario>`), templates.SeverityWarning, "neither a header"},
		{"missing AuthMethod", `<Information Provider="crm" Name="n" Key="k" AuthType="none"><Scenarios/></Information>`, templates.SeverityError, "no AuthMethod scenario"},
		{"wrong root", `<Template Provider="crm" Name="n" Key="k" AuthType="none"><Scenarios/></Template>`, templates.SeverityError, "root element is <Template>"},
		{"provider typo", strings.Replace(minimal("none", "", ""), `"helpdesk"`, `"helpdsk"`, 1), templates.SeverityError, `did you mean "helpdesk"?`},
		{"feature without scenario", strings.Replace(minimal("none", "", ""), `AuthType="none"`, `AuthType="none" CallJournal="1"`, 1), templates.SeverityWarning, "has no CallJournal scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := validate(t, tt.src)
			var found *templates.Problem
			for i, p := range problems {
				if strings.Contains(p.Message, tt.msg) {
					found = &problems[i]
				}
			}
			require.NotNil(t, found, "want %q among %v", tt.msg, problems)
			require.Equal(t, tt.severity, found.Severity)
			require.NotZero(t, found.Line)
			require.NotEmpty(t, found.Path)
		})
	}
}

func TestValidateLimitsAtTheBoundary(t *testing.T) {
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, `<Parameter Father="CustomFieldList" Name="f%d"/>`, i)
	}
	src := minimal("bearertoken", `<Parameter Name="TokenEndPoint" Value="https://x"/>`+b.String(), "")
	require.False(t, validate(t, src).HasErrors())
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/valid/lovable-helpdesk.xml", "testdata/invalid/custom-helpdesk-unescaped.xml", "testdata/invalid/many-problems.xml"} {
		data := read(f, file)
		f.Add(data)
	}
	f.Add([]byte(`<Information a="&#xA;"><Scenarios><Scenario Id="x"/></Scenarios></Information>`))
	f.Add([]byte(`<Information AuthType="none"><!-- a-s3cr3t-value-b --><Scenarios><Scenario Id="AuthMethod"><Parameters>` +
		`<Parameter Name="ClientSecret" Value="s3cr3t-value"/><Parameter Type="Header" Name="X--Token-" Value="Bearer x"/>` +
		`<Parameter Father="Webhook" Name="Secret" Value="s3cr3t-value"/><Parameter Name="TokenEndPoint" Value="https://x?client_secret=s3cr3t-value"/>` +
		`</Parameters></Scenario></Scenarios></Information>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, problems := templates.Parse("f.xml", data)
		if tmpl == nil {
			if len(problems) != 1 || problems[0].Line < 1 || problems[0].Column < 1 {
				t.Fatalf("a rejected template needs exactly one positioned problem, got %v", problems)
			}
			return
		}
		for _, p := range templates.Validate(tmpl) {
			if p.Line < 1 || p.Column < 1 || p.Message == "" {
				t.Fatalf("problem without a place or message: %+v", p)
			}
		}
		// What we write, we can read, the download without secrets too.
		if _, problems := templates.Parse("f.xml", tmpl.Bytes()); len(problems) > 0 {
			t.Fatalf("written template does not read back: %v", problems)
		}
		if _, problems := templates.Parse("f.xml", tmpl.Download()); len(problems) > 0 {
			t.Fatalf("downloaded template does not read back: %v", problems)
		}
	})
}

// XML allows an attribute once per element. encoding/xml and etree both
// accept a repeat and etree keeps the last value, so a second URLFormat
// would silently replace the first: each repeat is an error at its own
// position, reported with every other problem.
func TestValidateRepeatedAttributes(t *testing.T) {
	src := `<Information Provider="helpdesk" Name="T" Key="t" AuthType="none">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>
        <Parameter Name="a" Value="1" Value="2"/>
      </Parameters>
    </Scenario>
    <Scenario Id="GetGlobalInfo" Type="REST">
      <Requests>
        <Request Name="r" URLFormat="https://one" URLFormat="https://two" URLFormat="https://three" Method="BAD"/>
        <Unknown x="1" x="2"/>
      </Requests>
    </Scenario>
  </Scenarios>
</Information>`
	lines := strings.Split(src, "\n")
	col := func(line int, needle string, nth int) int {
		s, i := lines[line-1], 0
		for range nth {
			i += strings.Index(s[i:], needle) + 1
		}
		return i
	}
	tmpl, problems := templates.Parse("t.xml", []byte(src))
	require.Empty(t, problems)
	problems = templates.Validate(tmpl)

	byMessage := func(part string) []templates.Problem {
		var out []templates.Problem
		for _, p := range problems {
			if strings.Contains(p.Message, part) {
				out = append(out, p)
			}
		}
		return out
	}
	value := byMessage("attribute Value is given twice")
	require.Len(t, value, 1, "%v", problems)
	require.Equal(t, templates.SeverityError, value[0].Severity)
	require.Equal(t, templates.Pos{Line: 5, Column: col(5, `Value=`, 2)}, value[0].Pos)
	require.Equal(t, "Scenario[AuthMethod]/Parameter[a]@Value", value[0].Path)
	require.Contains(t, value[0].Message, fmt.Sprintf("first at 5:%d", col(5, `Value=`, 1)))

	url := byMessage("attribute URLFormat is given twice")
	require.Len(t, url, 2, "one error per repeat: %v", problems)
	require.Equal(t, templates.Pos{Line: 10, Column: col(10, `URLFormat=`, 2)}, url[0].Pos)
	require.Equal(t, templates.Pos{Line: 10, Column: col(10, `URLFormat=`, 3)}, url[1].Pos)
	for _, p := range url {
		require.Contains(t, p.Message, fmt.Sprintf("first at 10:%d", col(10, `URLFormat=`, 1)))
		require.Equal(t, "Scenario[GetGlobalInfo]/Request[r]@URLFormat", p.Path)
	}
	unknown := byMessage("attribute x is given twice")
	require.Len(t, unknown, 1, "repeats on elements Switchboard does not know count too")
	require.Equal(t, templates.Pos{Line: 11, Column: col(11, `x=`, 2)}, unknown[0].Pos)

	// The other problems are still found, at the right attribute: the
	// repeats must not shift the positions of the attributes after them.
	method := byMessage(`Method "BAD"`)
	require.Len(t, method, 1, "%v", problems)
	require.Equal(t, templates.Pos{Line: 10, Column: col(10, `Method=`, 1)}, method[0].Pos)
}

// CredentialType only means something for basic auth. A template found in
// the wild has CredentialType="custom" on oauth2: it loads, with a warning
// that says the value is ignored.
func TestValidateCredentialTypeOnlyForBasic(t *testing.T) {
	authParams := map[string]string{
		"oauth2":      `<Parameter Name="AuthEndPoint" Value="https://x/auth"/><Parameter Name="TokenEndPoint" Value="https://x/token"/>`,
		"bearertoken": `<Parameter Name="TokenEndPoint" Value="https://x/token"/>`,
		"none":        ``,
	}
	for authType, params := range authParams {
		t.Run(authType, func(t *testing.T) {
			problems := validate(t, minimal(authType, params+`<Parameter Name="CredentialType" Value="custom"/>`, ""))
			require.False(t, problems.HasErrors(), "%v", problems)
			require.Len(t, problems.Warnings(), 1, "%v", problems)
			w := problems.Warnings()[0]
			require.Contains(t, w.Message, `CredentialType "custom" is ignored`)
			require.Contains(t, w.Message, fmt.Sprintf("AuthType is %q", authType))
			require.Equal(t, "Scenario[AuthMethod]/Parameter[CredentialType]@Value", w.Path)
		})
	}
	t.Run("empty, as Yeastar's own templates write it", func(t *testing.T) {
		require.Empty(t, validate(t, minimal("oauth2", authParams["oauth2"]+`<Parameter Name="CredentialType"/>`, "")))
	})
	t.Run("basic", func(t *testing.T) {
		src := minimal("basic", `<Parameter Name="Base64EncodedCredential" Value="{{.u}}"/>`+"\n"+`<Parameter Name="CredentialType" Value="api-key"/>`, "")
		problems := validate(t, src)
		errs := problems.Errors()
		require.Len(t, errs, 1, "%v", problems)
		require.Contains(t, errs[0].Message, `CredentialType "api-key" is not one of "username_password", "api_key" (did you mean "api_key"?)`)
		line := strings.Split(src, "\n")[4]
		require.Equal(t, templates.Pos{Line: 5, Column: strings.Index(line, "Value=") + 1}, errs[0].Pos)
	})
}
