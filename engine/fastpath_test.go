package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

// The engine takes shortcuts on its hot path: template strings of the usual
// shapes render through closures rather than text/template, list outputs
// are read per element rather than through GJSON's "#." arrays, and secret
// names are found without regular expressions. Each shortcut must give
// exactly what the general way gives; these tests compare the two.

// renderSlow renders through text/template only.
func renderSlow(t *Text, vars Vars) (string, error) {
	if t.tmpl == nil {
		return t.src, nil
	}
	return t.execute(vars)
}

// requireSameRender checks that the closures, where they apply, agree with
// text/template: the same text, or both failing.
func requireSameRender(t *testing.T, text *Text, vars Vars) {
	t.Helper()
	want, wantErr := renderSlow(text, vars)
	got, gotErr := text.Render(vars)
	if wantErr != nil {
		require.EqualError(t, gotErr, wantErr.Error(), "%q", text.src)
		return
	}
	require.NoError(t, gotErr, "%q", text.src)
	require.Equal(t, want, got, "%q with %v", text.src, vars)
	if text.fast != nil {
		fast, ok := text.fast.render(vars)
		require.True(t, ok, "%q: the closures gave up where text/template did not", text.src)
		require.Equal(t, want, fast, "%q", text.src)
	}
	// In layers: every value of vars over an older one, and a name only
	// the lower layer has.
	base, merged := Vars{"OnlyBelow": "below"}, Vars{"OnlyBelow": "below"}
	for k, v := range vars {
		base[k] = "old " + v
		merged[k] = v
	}
	want, wantErr = text.Render(merged)
	got, gotErr = text.RenderLayers(base, vars)
	require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(gotErr), "%q", text.src)
	require.Equal(t, want, got, "%q in layers", text.src)
}

var renderVarSets = []Vars{
	{},
	{"Phone": "+1 (415) 555-0100", "base": "https://acme.test", "CallerName": "Zoë \"Z\" O'Neil & co",
		"StartTimeUnix": "1795255200", "Subject": "Call from <x>", "ContactId": "17", "a": "1", "b": "x y", "c": `"q"`},
	{"Phone": "", "StartTimeUnix": "not a time", "a": "", "b": "\u00e9\u6f22", "c": "\n\t\\"},
}

func TestFastTextShapes(t *testing.T) {
	funcs := FuncMap(time.FixedZone("PBX", 8*3600))
	for _, src := range []struct {
		src  string
		fast bool
	}{
		{`{{.base}}/users?phone={{.Phone}}`, true},
		{`{{UrlEncode (print "role:end-user phone:*" .Phone)}}`, true},
		{`{{.Phone | UrlEncode}}`, true},
		{`{{.CallerName | trim | upper}}`, true},
		{`{"name": "{{JsonEscape .CallerName}}"}`, true},
		{`{{TimeFormat .StartTimeUnix "yyyy-MM-dd HH:mm"}}`, true},
		{`{{TimeFormat .StartTimeUnix "yyyy-MM-dd HH:mm" "1"}}`, true},
		{`{{ToMillis .StartTimeUnix}}`, true},
		{`{{print}}{{print .a}}{{print .a .b "c"}}`, true},
		{`{{ "literal" }}`, true},
		{`{{- .a -}} x {{- .b}}`, true},
		{`{{Capitalize .b}}`, true},
		{`{{if .a}}{{.b}}{{end}}`, true},
		{`{{if .a}}{{.b}}{{else if .c}}c{{else}}none{{end}}`, true},
		{`{{if regexMatch "^[0-9]+$" (toString .ContactId)}}"id":{{.ContactId}},{{end}}`, true},
		{`{{if not (regexMatch "^[0-9]+$" .a)}}no{{end}}{{if and .a (not .b)}}x{{end}}{{if or .a .b}}y{{end}}`, true},
		{`{{if eq (lower .b) "x y" "z"}}eq{{end}}{{if ne .a ""}}ne{{end}}{{if hasPrefix "+1" .Phone}}us{{end}}`, true},
		{`{{with .StartTimeUnix}} at {{TimeFormat . "yyyy" "1"}}{{else}}never{{end}}`, true},
		{`{{with or .a .b}}[{{.}}]{{end}}{{or .a .b "z"}}{{and .a .b}}`, true},
		{`{{$x := .a}}{{$x}}`, true},
		{`{{$d := regexReplaceAll "[^0-9]" .Phone ""}}{{UrlEncode (print "phone:" (ternary (print "*" $d) "none" (ne $d "")))}}`, true},
		{`{{$g := trimSuffix "/" (default "https://x.test" .base)}}{{if not (regexMatch "/v[0-9]+$" $g)}}{{$g = print $g "/v1"}}{{end}}{{$g}}`, true},
		{`{{$n := trim (print .a " " .b)}}{{if $n}}{{JsonEscape $n}}{{else}}{{JsonEscape .Phone}}{{end}}`, true},
		{`{{with .a}}{{$y := print . "!"}}{{$y}}{{$.b}}{{end}}`, true},
		{`{{printf "%s-%s" .a .b}}{{html .CallerName}}{{js .c}}{{urlquery .b}}{{replace "\n" "<br>" (html .c)}}`, true},
		{`{{default "none" .a}}{{default (default .a .b) .c}}`, true},
		{`{{/* a comment */}}{{.a}}`, true},
		{`{{.a.b}}`, false},
		{`{{len .a}}`, false},
		{`{{.}}`, false},
		{`{{with .a}}{{.b}}{{end}}`, false},
		{`{{if $x := .a}}{{$x}}{{end}}`, false},
		{`{{range $i, $c := list .a .b}}{{$c}}{{end}}`, false},
		{`{{$m := fromJson .a}}{{dig "x" "" $m}}`, false},
		{`{{regexMatch "a" .a}}`, false},
		{`{{ternary .a .b true}}`, false},
	} {
		text, err := newTextCompiler(funcs).compile(src.src)
		require.NoError(t, err, src.src)
		require.Equal(t, src.fast, text.fast != nil, "%q: closures expected: %v", src.src, src.fast)
		for _, vars := range renderVarSets {
			requireSameRender(t, text, vars)
		}
	}
}

// A function that fails or panics sends the string back to text/template,
// so the error reads as text/template words it.
func TestFastTextLeavesErrorsToTextTemplate(t *testing.T) {
	funcs := template.FuncMap{
		"boom":      func(string) string { panic("boom") },
		"fail":      func(string) (string, error) { return "", errors.New("no good") },
		"UrlEncode": URLEncode,
	}
	for _, src := range []string{`x{{boom .a}}`, `x{{fail .a}}`, `{{UrlEncode (fail .a)}}`} {
		text, err := newTextCompiler(funcs).compile(src)
		require.NoError(t, err)
		require.NotNil(t, text.fast, src)
		_, err = text.Render(Vars{"a": "1"})
		_, wantErr := renderSlow(text, Vars{"a": "1"})
		require.Error(t, wantErr, src)
		require.EqualError(t, err, wantErr.Error(), src)
	}
	text, err := newTextCompiler(FuncMap(time.UTC)).compile(`{{TimeFormat .a "yyyy"}}`)
	require.NoError(t, err)
	require.NotNil(t, text.fast)
	_, err = text.Render(Vars{"a": "soon"})
	require.ErrorContains(t, err, "TimeFormat")
}

// Every template string of the shipped and real-world templates renders the
// same both ways.
func TestFastTextMatchesTextTemplateOnRealTemplates(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../examples/*.xml", "../templates/testdata/*/*.xml", "testdata/realworld/*.xml"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	attr := regexp.MustCompile(`(?s)="([^"]*\{\{[^"]*)"`)
	funcs := FuncMap(time.UTC)
	fast, total := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range attr.FindAllStringSubmatch(string(data), -1) {
			src := xmlUnescape(m[1])
			for _, kind := range []textKind{plainText, bodyText} {
				text, _, err := newTextCompiler(funcs).compileAs(src, kind)
				if err != nil {
					continue // the validation tests cover strings that do not compile
				}
				if kind == plainText {
					total++
					if text.fast != nil {
						fast++
					}
				}
				for _, vars := range renderVarSets {
					requireSameRender(t, text, vars)
				}
			}
		}
	}
	t.Logf("%d of %d template strings render through closures", fast, total)
	require.Greater(t, fast*2, total, "most real template strings should take the fast way")
}

func xmlUnescape(s string) string {
	return strings.NewReplacer("&quot;", `"`, "&apos;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#xA;", "\n", "&#10;", "\n").Replace(s)
}

// Both ways agree on plain strings and on JSON bodies, whose values inside
// string literals the compiler escapes.
func FuzzFastTextMatchesTextTemplate(f *testing.F) {
	f.Add(`{{UrlEncode (print "role:end-user phone:*" .a)}}`, "1", "x y")
	f.Add(`{{.a | trim | upper}}-{{JsonEscape .b}}`, " q ", `"`)
	f.Add(`{{TimeFormat .a "yyyy" "1"}}{{ToMillis .b}}`, "1795255200", "12.5")
	f.Add(`{"from":"{{.a}}","to":"{{JsonEscape .b}}","n":{{.b}}}`, `Ada "The Countess"`, "\\\n\t😀")
	f.Add(`{"html":"<a href=\"{{.a | upper}}\">{{print .a .b}}</a>","{{.b}}":1}`, `"`, "\u2028\xff")
	f.Add(` [ "{{.a}}\\", {{.b}}, "\u00e9{{.a | trim}}" ]`, `\`, "[1]")
	f.Add(`{{if regexMatch "^[0-9]+$" .a}}{"id":{{.a}}}{{else if .b}}{"n":"{{.b}}"}{{else}}-{{end}}`, "17", "x")
	f.Add(`{{with or .a .b}}at {{TimeFormat . "yyyy" "1"}}{{else}}{{$.a}}{{end}}`, "1795255200", "")
	f.Add(`{{$d := regexReplaceAll "[^0-9]" .a ""}}{{ternary (print "*" $d) "none" (ne $d "")}}{{if not (eq $d .b)}}!{{end}}`, "+1 415", "1415")
	f.Add(`{{$g := default "x" .a}}{{if and .b (hasPrefix "h" $g)}}{{$g = print $g $g}}{{end}}{{$g}}{{printf "%s|%q" .a .b}}`, "http", "y")
	funcs := FuncMap(time.UTC)
	f.Fuzz(func(t *testing.T, src, a, b string) {
		if got, want := jsonStringValue(a), JSONEscape(a); got != want {
			t.Fatalf("jsonStringValue(%q) = %q, JSONEscape gives %q", a, got, want)
		}
		for _, slow := range []string{"range", "repeat", "until", "seq", "template", "define", "block"} {
			if strings.Contains(src, slow) {
				return
			}
		}
		for _, kind := range []textKind{plainText, bodyText} {
			text, _, err := newTextCompiler(funcs).compileAs(src, kind)
			if err != nil || text.fast == nil {
				continue
			}
			vars := Vars{"a": a, "b": b}
			want, wantErr := renderSlow(text, vars)
			got, ok := text.fast.render(vars)
			if wantErr != nil {
				if ok {
					t.Fatalf("%q: text/template fails (%v), the closures gave %q", src, wantErr, got)
				}
				continue
			}
			if !ok || got != want {
				t.Fatalf("%q (kind %d): closures gave %q (ok %v), text/template %q", src, kind, got, ok, want)
			}
			if got, ok := text.fast.renderLayers([]Vars{{"a": "below", "b": "below"}, vars}); !ok || got != want {
				t.Fatalf("%q (kind %d): in layers the closures gave %q (ok %v), text/template %q", src, kind, got, ok, want)
			}
		}
	})
}

// extractRowsGJSON is extractRows without the shortcuts: every path read
// by GJSON, one output at a time. A path "prefix.#.field" whose prefix is
// an array is read by GJSON's own rule for "#." — each element's field read
// with Get — except that an element without the field keeps its place in
// the rows ("" there) instead of being skipped; a row where every such
// output is missing and no other array has a value is left out. Every
// other path is read as GJSON reads it.
func extractRowsGJSON(body string, outs []Output) ([]map[string]string, error) {
	if len(outs) == 0 || strings.TrimSpace(body) == "" {
		return nil, nil
	}
	cols := make([][]string, len(outs))
	has := make([][]bool, len(outs)) // per row: the output has a value there
	isArray := make([]bool, len(outs))
	rows, scalar := -1, false
	for i, o := range outs {
		if o.Path == "" {
			continue
		}
		if o.List {
			if res := gjson.Get(body, o.Path); res.Exists() {
				cols[i], scalar = []string{listJSON(res)}, true
			}
			continue
		}
		if prefix, field, ok := splitElementPath(o.Path); ok {
			if elems, ok := elementsAt(body, prefix); ok {
				cols[i], has[i], isArray[i] = make([]string, len(elems)), make([]bool, len(elems)), true
				for e, elem := range elems {
					v := elem.Get(field)
					cols[i][e], has[i][e] = v.String(), v.Exists()
				}
				rows = max(rows, len(elems))
				continue
			}
		}
		res := gjson.Get(body, o.Path)
		switch {
		case !res.Exists():
		case res.IsArray():
			var vals []string
			res.ForEach(func(_, e gjson.Result) bool {
				vals = append(vals, e.String())
				has[i] = append(has[i], true)
				return true
			})
			cols[i], isArray[i] = vals, true
			rows = max(rows, len(vals))
		default:
			cols[i] = []string{res.String()}
			scalar = true
		}
	}
	if rows < 0 {
		rows = 0
		if scalar {
			rows = 1
		}
	}
	out := []map[string]string{}
	for r := range rows {
		found := false
		for i := range outs {
			found = found || (isArray[i] && r < len(has[i]) && has[i][r])
		}
		if !found && slices.Contains(isArray, true) {
			continue // a row made only of missing fields
		}
		row := map[string]string{}
		for i, o := range outs {
			v := ""
			if isArray[i] && r < len(cols[i]) {
				v = cols[i][r]
			} else if !isArray[i] && len(cols[i]) > 0 {
				v = cols[i][0]
			}
			row[o.Name] = v
		}
		out = append(out, row)
	}
	if len(out) == 0 && !gjson.Valid(body) {
		return nil, errors.New("the response is not JSON, so its outputs cannot be read")
	}
	return out, nil
}

// elementsAt is the array at prefix ("": the answer itself); ok is false
// when there is no array.
func elementsAt(body, prefix string) ([]gjson.Result, bool) {
	arr := gjson.Parse(body)
	if prefix != "" {
		arr = gjson.Get(body, prefix)
	}
	if !arr.IsArray() {
		return nil, false
	}
	elems := []gjson.Result{}
	arr.ForEach(func(_, e gjson.Result) bool {
		elems = append(elems, e)
		return true
	})
	return elems, true
}

var extractBodies = []string{
	`{"results":[{"id":17,"name":"Ann Lee","phone":"+1"},{"id":18,"name":"Bo \"B\" \u00e9"}],"count":2}`,
	`{"results":[{"id":1},{"x":2},{"id":3,"id":4}],"next":null}`,
	`{"results":[1,"two",{"id":3},null,[{"id":5}],true]}`,
	`[{"id":1,"emails":[{"value":"a@x"},{"value":"b@x"}]},{"id":2,"emails":[]}]`,
	`  [ {"id" : 1 , "n" : -1.5e3 } , { "id":2, "n": 12345678901234567890 } ]  `,
	`{"data":{"items":[{"a\u0062":"escaped key","ab":"plain"}]}}`,
	`{"results":{"id":1}}`,
	`{"results":[]}`,
	`{"results":[{"id":{"nested":[1,2]}},{"id":"x"}]}`,
	`not json`,
	`{"results":[{"id":1}`,
	`{"a.b":[{"id":1}]}`,
	`{"results":[{"id":1},{"id":2,"url":"u2"},{"url":"u3"},{"x":4},null,{"id":null,"url":""}]}`,
}

var extractPaths = [][]Output{
	{{Name: "Id", Path: "results.#.id"}, {Name: "Name", Path: "results.#.name"}, {Name: "Phone", Path: "results.#.phone"}, {Name: "Count", Path: "count"}},
	{{Name: "Id", Path: "#.id"}, {Name: "Email", Path: "#.emails.#.value"}, {Name: "N", Path: "#.n"}},
	{{Name: "Ab", Path: "data.items.#.ab"}, {Name: "Esc", Path: `data.items.#.a\u0062`}, {Name: "First", Path: "data.items.0.ab"}},
	{{Name: "Id", Path: "results.#.id"}, {Name: "Len", Path: "results.#"}, {Name: "Q", Path: `results.#(id==3).id`}},
	{{Name: "Id", Path: "results.#.id|@reverse"}, {Name: "Mod", Path: "results.#.@this"}, {Name: "Empty", Path: ""}},
	{{Name: "Id", Path: `a\.b.#.id`}, {Name: "Star", Path: "results.#.i*"}},
	{{Name: "Id", Path: "results.#.id"}, {Name: "Url", Path: "results.#.url"}, {Name: "Raw", Path: "results"}, {Name: "L", Path: "results.#.id", List: true}},
}

func TestExtractRowsMatchesGJSON(t *testing.T) {
	for _, body := range extractBodies {
		for _, outs := range extractPaths {
			requireSameRows(t, body, outs)
		}
	}
}

func requireSameRows(t *testing.T, body string, outs []Output) {
	t.Helper()
	want, wantErr := extractRowsGJSON(body, outs)
	got, gotErr := extractRows(body, outs)
	require.Equal(t, wantErr, gotErr, "%s %v", body, outs)
	require.Equal(t, want, got, "%s %v", body, outs)
}

func TestSplitElementPath(t *testing.T) {
	for path, want := range map[string][2]string{
		"results.#.id":            {"results", "id"},
		"#.id":                    {"", "id"},
		"data.items.#.emails.#.v": {"data.items", "emails.#.v"},
		"a.0.#.b":                 {"a.0", "b"},
	} {
		prefix, field, ok := splitElementPath(path)
		require.True(t, ok, path)
		require.Equal(t, want, [2]string{prefix, field}, path)
	}
	for _, path := range []string{"results.#", "results.id", "results.#.", "a*.#.id", `a\.b.#.id`, "results.#.id|@reverse", "results.#(id==1).x", "results..#.id", "results.#.@this"} {
		_, _, ok := splitElementPath(path)
		require.False(t, ok, path)
	}
}

// FuzzExtractRowsMatchesGJSON checks extraction against GJSON two ways.
// Rows equal extractRowsGJSON, which reads each element's field by its
// index. And nothing GJSON finds is lost, invented or reordered: for every
// output, the values GJSON's own path yields ("results.#.url" skipping
// elements without the field) appear in the output's column in order, and
// every other place in the column is "". Until outputs were aligned the
// property was plain equality with GJSON's arrays; it changed on purpose,
// because equality is what gave a contact the next contact's URL.
func FuzzExtractRowsMatchesGJSON(f *testing.F) {
	for _, body := range extractBodies {
		f.Add(body, "results.#.id", "#.emails.#.value")
		f.Add(body, "results.#.url", "results")
	}
	f.Fuzz(func(t *testing.T, body, p1, p2 string) {
		outs := []Output{{Name: "A", Path: p1}, {Name: "B", Path: p2}, {Name: "C", Path: p1 + ".x"}}
		want, wantErr := extractRowsGJSON(body, outs)
		got, gotErr := extractRows(body, outs)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("errors differ: %v / %v", wantErr, gotErr)
		}
		require.Equal(t, want, got)
		requireGJSONValuesKept(t, body, outs, got)
	})
}

// requireGJSONValuesKept checks that each array output's column holds
// what GJSON's path yields, in order, with "" in every other row. Only for
// JSON: on a broken answer GJSON's "#." array is made of fragments that no
// element reading gives.
func requireGJSONValuesKept(t *testing.T, body string, outs []Output, rows []map[string]string) {
	t.Helper()
	if !gjson.Valid(body) {
		return
	}
	for _, o := range outs {
		if _, _, ok := splitElementPath(o.Path); !ok || o.List {
			continue // read by GJSON alone: the rows already equal its values
		}
		res := gjson.Get(body, o.Path)
		if !res.IsArray() {
			continue
		}
		var vals []string
		res.ForEach(func(_, e gjson.Result) bool {
			vals = append(vals, e.String())
			return true
		})
		j := 0
		for r, row := range rows {
			switch v := row[o.Name]; {
			case j < len(vals) && v == vals[j]:
				j++
			case v != "":
				t.Fatalf("%s: row %d has %q, which is not GJSON's next value (%d of %q)", o.Path, r, v, j, vals)
			}
		}
		if j < len(vals) {
			t.Fatalf("%s: GJSON's values %q from %d on are in no row", o.Path, vals, j)
		}
	}
}

func TestSensitiveNamesMatchTheExpression(t *testing.T) {
	names := []string{"Authorization", "X-Api-Key", "x-api_key", "APIKEY", "Api-Token", "Cookie", "Set-Cookie",
		"X-Signature", "client_secret", "Client-Secret", "passwd", "Password", "X-Credential-Id", "Accept",
		"Content-Type", "X-Request-Id", "Idempotency-Key", "Proxy-Authorization", "keyword", "ToKeN", "api",
		"x-auth", "Date", "Etag", ""}
	for _, n := range names {
		require.Equal(t, sensitiveName.MatchString(n), isSensitiveName(n), n)
	}
}

func FuzzSensitiveName(f *testing.F) {
	f.Add("X-Api-Key")
	f.Add("Content-Type")
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := isSensitiveName(name), sensitiveName.MatchString(name); got != want {
			t.Fatalf("isSensitiveName(%q) = %v, the expression says %v", name, got, want)
		}
		// The quick tests may only say "maybe" where the expressions match.
		if jsonSecretField.MatchString(name) && !mayHoldSecretFields(name) {
			t.Fatalf("mayHoldSecretFields(%q) = false, but a secret field is there", name)
		}
		if sensitiveName.MatchString(name) && !mayHoldSensitiveName(name) {
			t.Fatalf("mayHoldSensitiveName(%q) = false, but a secret name is there", name)
		}
	})
}
