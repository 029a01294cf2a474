package templates_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/templates"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"data.#.id", "data.#.id"},
		{`identities.#{type=="phone_number"}#|1.value`, `identities.#(type=="phone_number")#|1.value`},
		{`data.#{portalName!=""}.portalName`, `data.#(portalName!="").portalName`},
		{`a.#{name=="x}y"}.id`, `a.#(name=="x}y").id`},
		{".data.#.contactUrl", "data.#.contactUrl"},
		{"  users.#.id ", "users.#.id"},
		{"", ""},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, templates.NormalizePath(tt.in), tt.in)
	}
}

func TestNormalizedAliasFindsTheSameAsGJSON(t *testing.T) {
	doc := `{"identities":[{"type":"email","value":"a@b"},{"type":"phone_number","value":"1"},{"type":"phone_number","value":"2"}]}`
	alias := templates.NormalizePath(`identities.#{type=="phone_number"}#|1.value`)
	require.Equal(t, "2", gjson.Get(doc, alias).String())
	require.Equal(t, gjson.Get(doc, `identities.#(type=="phone_number")#|1.value`).String(), gjson.Get(doc, alias).String())
}

func TestCheckPath(t *testing.T) {
	valid := []string{"", "data.#.id", "users.0.name", `identities.#(type=="phone_number")#|1.value`,
		"data.#(age>40)#.name", "@this", "data|@reverse", `a\.b`, "..0", "friends.#(last%\"D*\").first", "{a,b}"}
	for _, p := range valid {
		require.NoError(t, templates.CheckPath(p), p)
	}
	invalid := map[string]string{
		"data.#(id==1":    "never closed",
		"data.#(id==1))":  "unbalanced",
		"data..id":        "empty component",
		"data.":           "ends with",
		"data.@nosuchmod": "unknown modifier",
		`data\`:           "escape",
		"data.(x)":        "must follow '#'",
		`a.#(b=="x)`:      "unterminated",
		"a.#()":           "empty query",
	}
	for p, msg := range invalid {
		err := templates.CheckPath(p)
		require.Error(t, err, p)
		require.Contains(t, err.Error(), msg, p)
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"data.#.id", `identities.#{type=="phone_number"}#|1.value`, `a.#{b=="}"}`, `\#{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n := templates.NormalizePath(p)
		_ = templates.CheckPath(n)
		// Normalizing twice changes nothing more.
		if n2 := templates.NormalizePath(n); n2 != n && !hasLeadingDot(n) {
			t.Fatalf("not idempotent: %q → %q → %q", p, n, n2)
		}
		_ = gjson.Get(`{"a":[{"b":1}]}`, n)
	})
}

func hasLeadingDot(s string) bool { return len(s) > 0 && s[0] == '.' }
