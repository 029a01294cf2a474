package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostile is a caller name as real calls bring them: quotes, a backslash,
// a newline, a tab, markup and an emoji.
const hostile = "Ada \"The Countess\" \\ Lovelace\n\t<b>&amp;</b> 😀"

func compileBody(t *testing.T, src string) (*Text, []string) {
	t.Helper()
	text, warnings, err := newTextCompiler(FuncMap(time.UTC)).compileAs(src, bodyText)
	require.NoError(t, err, src)
	return text, warnings
}

// renderJSON renders a body both ways (closures and text/template), checks
// they agree and that the result is JSON, and decodes it.
func renderJSON(t *testing.T, text *Text, vars Vars) any {
	t.Helper()
	requireSameRender(t, text, vars)
	out, err := text.Render(vars)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal([]byte(out), &v), "%q renders %s", text.Source(), out)
	return v
}

func TestJSONBodyValuesAreEscaped(t *testing.T) {
	vars := Vars{"v": hostile, "k": `key "k"`, "n": "42", "list": `["a","b"]`, "csv": `a"b,c\d`, "empty": ""}
	for _, c := range []struct {
		name, src string
		want      any
	}{
		{"a value as the whole string", `{"from":"{{.v}}"}`, map[string]any{"from": hostile}},
		{"in the middle of a string", `{"from":"Call from {{.v}} (inbound)"}`, map[string]any{"from": "Call from " + hostile + " (inbound)"}},
		{"after escaped quotes in the text", `{"html":"<a href=\"{{.v}}\">x</a>"}`, map[string]any{"html": `<a href="` + hostile + `">x</a>`}},
		{"after an escaped backslash", `{"path":"C:\\{{.v}}"}`, map[string]any{"path": `C:\` + hostile}},
		{"after a \\u escape", `{"s":"\u00e9{{.v}}"}`, map[string]any{"s": "é" + hostile}},
		{"in a key", `{"{{.k}}":"{{.v}}"}`, map[string]any{`key "k"`: hostile}},
		{"outside strings, as written", `{"n":{{.n}},"list":{{.list}},"s":"{{.n}}"}`, map[string]any{"n": 42.0, "list": []any{"a", "b"}, "s": "42"}},
		{"JsonEscape is not escaped twice", `{"a":"{{JsonEscape .v}}","b":"{{.v | JsonEscape}}","c":"{{(JsonEscape .v)}}"}`, map[string]any{"a": hostile, "b": hostile, "c": hostile}},
		{"toJson is left as written", `{"a":{{toJson .v}},"b":{{.v | toRawJson}}}`, map[string]any{"a": hostile, "b": hostile}},
		{"a function's value", `{"a":"{{printf "%s!" .v}}","b":"{{.v | upper}}","len":"{{len .v}}"}`, map[string]any{"a": hostile + "!", "b": strings.ToUpper(hostile), "len": strconv.Itoa(len(hostile))}},
		{"if/else inside a string", `{"name":"{{if .v}}{{.v}}{{else}}none{{end}}","other":"{{if .empty}}{{.v}}{{else}}{{.k}}{{end}}"}`,
			map[string]any{"name": hostile, "other": `key "k"`}},
		{"if/else around strings", `{"name":{{if .v}}"{{.v}}"{{else}}null{{end}},"n":{{if .n}}{{.n}}{{else}}0{{end}}}`, map[string]any{"name": hostile, "n": 42.0}},
		{"with", `{"name":"{{with .v}}{{.}}{{end}}"}`, map[string]any{"name": hostile}},
		{"range over values, quotes in the body", `{"tags":[{{range $i, $t := splitList "," .csv}}{{if $i}},{{end}}"{{$t}}"{{end}}]}`, map[string]any{"tags": []any{`a"b`, `c\d`}}},
		{"range inside a string", `{"text":"{{range splitList "," .csv}}{{.}};{{end}}"}`, map[string]any{"text": `a"b;c\d;`}},
		{"range with else", `{"t":[{{range splitList "," .empty}}{{if .}}"{{.}}"{{end}}{{else}}"none"{{end}}]}`, map[string]any{"t": []any{}}},
		{"variables declared first", `{{$n := trim .v}}{"name":"{{$n}}"}`, map[string]any{"name": strings.TrimSpace(hostile)}},
		{"blank before the body", " \n\t{\"a\":\"{{.v}}\"}", map[string]any{"a": hostile}},
		{"an array", `[{"a":"{{.v}}"},"{{.k}}"]`, []any{map[string]any{"a": hostile}, `key "k"`}},
		{"a multi-line body", "{\n\"user\":{\n\"name\": \"{{.v}}\",\"phone\": \"{{.n}}\"\n}\n}", map[string]any{"user": map[string]any{"name": hostile, "phone": "42"}}},
		{"trim markers", `{"a": "{{- .v -}}" }`, map[string]any{"a": hostile}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, warnings := compileBody(t, c.src)
			require.Empty(t, warnings)
			require.Equal(t, c.want, renderJSON(t, text, vars))
		})
	}
}

// Escaping changes nothing for values that need none: bodies render byte
// for byte as before.
func TestJSONBodyEscapingKeepsPlainValues(t *testing.T) {
	vars := Vars{"v": "Ann Lee <+14155550100> & co, é漢 'q'", "n": "42", "csv": "a,b"}
	for _, src := range []string{
		`{"from":"{{.v}}","n":{{.n}},"t":[{{range $i, $e := splitList "," .csv}}{{if $i}},{{end}}"{{$e}}"{{end}}]}`,
		`{"a":"{{if .v}}{{.v | upper}}{{end}}","b":"{{printf "%s" .v}}"}`,
		`{"x":"{{.missing}}","y":"{{len .v}}"}`,
	} {
		plain, err := newTextCompiler(FuncMap(time.UTC)).compile(src)
		require.NoError(t, err)
		body, _ := compileBody(t, src)
		want, err := plain.Render(vars)
		require.NoError(t, err)
		got, err := body.Render(vars)
		require.NoError(t, err)
		require.Equal(t, want, got, src)
	}
}

func TestJSONBodyEscapingOnlyForJSONBodies(t *testing.T) {
	vars := Vars{"v": `say "hi"`}
	for src, want := range map[string]string{
		`name={{.v}}&x=1`:                   `name=say "hi"&x=1`,
		`<name>"{{.v}}"</name>`:             `<name>"say "hi""</name>`,
		`{{.v}} {"a":"{{.v}}"}`:             `say "hi" {"a":"say "hi""}`,
		`{{if .v}}{"a":"{{.v}}"}{{end}}`:    `{"a":"say \"hi\""}`,
		`{{if .nope}}{{end}}["{{.v}}"]`:     `["say \"hi\""]`,
		`{{if .v}}x{{end}}["{{.v}}"]`:       `x["say "hi""]`,
		`{{/* a comment */}}{"a":"{{.v}}"}`: `{"a":"say \"hi\""}`,
	} {
		text, _ := compileBody(t, src)
		got, err := text.Render(vars)
		require.NoError(t, err)
		require.Equal(t, want, got, src)
	}
	// Other strings are never escaped, JSON-looking or not.
	text, err := newTextCompiler(FuncMap(time.UTC)).compile(`{"a":"{{.v}}"}`)
	require.NoError(t, err)
	got, err := text.Render(vars)
	require.NoError(t, err)
	require.Equal(t, `{"a":"say "hi""}`, got)
}

// Where the branches of an if end on different sides of a quote, what
// follows cannot be placed for sure: it is escaped wherever it may be in a
// string, and the template gets a warning that says where.
func TestJSONBodyAmbiguousBranchesWarn(t *testing.T) {
	text, warnings := compileBody(t, `{"a":"{{if .q}}x"{{end}}, "c":"{{.v}}"}`)
	require.Len(t, warnings, 1)
	require.Contains(t, warnings[0], "{{if .q}}")
	require.Contains(t, warnings[0], "line 1, column 7")
	got, err := text.Render(Vars{"q": "1", "v": `"hi"`})
	require.NoError(t, err)
	require.Equal(t, `{"a":"x", "c":"\"hi\""}`, got)

	_, warnings = compileBody(t, `{"a":[{{range .xs}}"{{.}}, {{end}}"]}`)
	require.Len(t, warnings, 1)
	require.Contains(t, warnings[0], "{{range .xs}}")
}

func TestEngineFunctionsAreReserved(t *testing.T) {
	for _, src := range []string{`{{_switchboard_json_string .v}}`, `{{.v | _switchboard_json_string}}`, `{{if _switchboard_json_string .v}}x{{end}}`} {
		_, err := newTextCompiler(FuncMap(time.UTC)).compile(src)
		require.ErrorContains(t, err, "is reserved for the engine", src)
	}
}

func TestJSONStringValueMatchesJSONEscape(t *testing.T) {
	for _, s := range []string{"", "plain", hostile, "\x00\x1f\x7f", "\u2028\u2029", "bad \xff utf8", "é漢😀", `\`, `"`, "<>&"} {
		require.Equal(t, JSONEscape(s), jsonStringValue(s), "%q", s)
	}
	require.Equal(t, "42", jsonStringValue(42))
	require.Equal(t, `[a \"b]`, jsonStringValue([]string{"a", `"b`}))
	require.Equal(t, "<no value>", jsonStringValue(nil))
}

func TestScanJSON(t *testing.T) {
	for _, c := range []struct {
		text string
		from jsonState
		want jsonState
	}{
		{`{"a":`, jsonOutside, jsonOutside},
		{`{"a":"`, jsonOutside, jsonString},
		{`x\"y`, jsonString, jsonString},
		{`x\\`, jsonString, jsonString},
		{`x\`, jsonString, jsonEscape},
		{`"`, jsonEscape, jsonString},
		{`","b":"`, jsonString, jsonString},
		{`"}`, jsonString, jsonOutside},
		{`"`, jsonOutside | jsonString, jsonString | jsonOutside},
	} {
		require.Equal(t, c.want, c.from.after([]byte(c.text)), "%q from %b", c.text, c.from)
	}
}
