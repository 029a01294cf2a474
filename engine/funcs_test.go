package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func render(t *testing.T, src string, vars engine.Vars) string {
	t.Helper()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	text, err := engine.CompileText(src, engine.FuncMap(shanghai))
	require.NoError(t, err)
	out, err := text.Render(vars)
	require.NoError(t, err)
	return out
}

// The examples of DESIGN §2.1 are the test vectors.
func TestFunctionVectors(t *testing.T) {
	ts := engine.Vars{"ts": "1672531199"}
	tests := []struct{ src, want string }{
		{`{{TimeFormat .ts "yyyy-MM-ddTHH:mm:ss.000Z" "1"}}`, "2022-12-31T23:59:59.000Z"},
		{`{{TimeFormat .ts "yyyy-MM-ddTHH:mm:ss-z" "1"}}`, "2022-12-31T23:59:59+00:00"},
		{`{{TimeFormat .ts "yyyy-MM-ddTHH:mm:ss-z" "0"}}`, "2023-01-01T07:59:59+08:00"},
		{`{{TimeFormat .ts "yyyy-MM-ddTHH:mm:ss.000Zz" "1"}}`, "2022-12-31T23:59:59.000Z"},
		{`{{TimeFormat .ts "yyyy-MM-dd HH:mm:ss +0000" "1"}}`, "2022-12-31 23:59:59 +0000"},
		{`{{TimeFormat .ts "yyyy-MM-ddTHH:mm:ss.000Zz" "0"}}`, "2023-01-01T07:59:59.000+08:00"},
		{`{{TimeFormat .ts "dd/MM/yy hh:mm a z" "0"}}`, "01/01/23 07:59 AM +08:00"},
		{`{{TimeFormat .ts "HH:mm:ss.SSS" "1"}}`, "23:59:59.000"},
		{`{{TimeFormat 1672531199 "yyyy" "1"}}`, "2022"},
		{`{{TimeFormat .missing "yyyy" "1"}}`, ""},
		{`{{ToMillis .ts}}`, "1672531199000"},
		{`{{ToMillis 1672531199}}`, "1672531199000"},
		{`{{ToMillis .missing}}`, ""},
		{`{{Capitalize "hello world"}}`, "Hello world"},
		{`{{Capitalize "élan"}}`, "Élan"},
		{`{{Capitalize ""}}`, ""},
		{`{{UrlEncode "hello world!"}}`, "hello%20world%21"},
		{`{{UrlEncode "+14155550100"}}`, "%2B14155550100"},
		{`{{UrlEncode "a-b_c.d~e/f"}}`, "a-b_c.d~e%2Ff"},
		{`{{UrlEncode "ü"}}`, "%C3%BC"},
		{`{"n":"{{JsonEscape .v}}"}`, `{"n":"say \"hi\"\n<b>&\\"}`},
		{`{{.missing}}|{{if .missing}}x{{else}}empty{{end}}`, "|empty"},
		{`{{upper "abc"}} {{trim "  x "}} {{default "d" .missing}}`, "ABC x d"},
		{`{"v":{{toJson .v}}}`, `{"v":"say \"hi\"\n\u003cb\u003e\u0026\\"}`},
	}
	vars := engine.Vars{"ts": ts["ts"], "v": "say \"hi\"\n<b>&\\"}
	for _, tt := range tests {
		require.Equal(t, tt.want, render(t, tt.src, vars), tt.src)
	}
}

func TestTimeFormatRejectsGarbage(t *testing.T) {
	text, err := engine.CompileText(`{{TimeFormat .ts "yyyy" "1"}}`, engine.FuncMap(time.UTC))
	require.NoError(t, err)
	_, err = text.Render(engine.Vars{"ts": "yesterday"})
	require.ErrorContains(t, err, `"yesterday" is not a Unix timestamp`)
}

func TestHermeticFunctionsOnly(t *testing.T) {
	for _, fn := range []string{"now", "env", "randAlpha", "uuidv4", "ago", "randInt", "shuffle", "bcrypt", "htpasswd", "encryptAES"} {
		_, err := engine.CompileText("{{"+fn+"}}", engine.FuncMap(time.UTC))
		require.ErrorContains(t, err, "not defined", fn)
	}
}

func TestUnknownFunctionSuggestsTheRightOne(t *testing.T) {
	_, err := engine.CompileText("{{UrlEncod .Phone}}", engine.FuncMap(time.UTC))
	require.EqualError(t, err, `template: function "UrlEncod" not defined (did you mean "UrlEncode"?)`)
}

func FuzzTimeFormat(f *testing.F) {
	f.Add("1672531199", "yyyy-MM-ddTHH:mm:ss.000Zz", true)
	f.Add("-1.5", "hh a -z +z z Zz SSS", false)
	f.Fuzz(func(t *testing.T, ts, pattern string, utc bool) {
		out, err := engine.TimeFormat(ts, pattern, utc, time.FixedZone("X", 8*3600))
		if err == nil && strings.TrimSpace(ts) != "" && pattern != "" && out == "" {
			t.Fatalf("empty output for %q %q", ts, pattern)
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add(`{{TimeFormat .a "yyyy" "1"}}{{UrlEncode .b}}{{JsonEscape .c}}`, "1", "x y", `"q"`)
	f.Add(`{{if .a}}{{.b}}{{else}}{{Capitalize .c}}{{end}}`, "", "b", "c")
	f.Add(`{{ToMillis .a}}{{range $i, $e := list 1 2}}{{$e}}{{end}}`, "12.5", "", "")
	f.Fuzz(func(t *testing.T, src, a, b, c string) {
		// Loops and repetition can be made as large as the author likes;
		// templates come from admins, and the fuzzer would only find that
		// a billion iterations take long.
		for _, slow := range []string{"range", "repeat", "until", "seq", "template", "define", "block"} {
			if strings.Contains(src, slow) {
				return
			}
		}
		text, err := engine.CompileText(src, engine.FuncMap(time.UTC))
		if err != nil {
			return
		}
		// Rendering may fail (bad input to a function); it must not panic.
		_, _ = text.Render(engine.Vars{"a": a, "b": b, "c": c})
	})
}
