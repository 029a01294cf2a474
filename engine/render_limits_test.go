package engine_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

func compileText(t *testing.T, src string) *engine.Text {
	t.Helper()
	text, err := engine.CompileText(src, engine.FuncMap(time.UTC))
	require.NoError(t, err, src)
	return text
}

// requireLimit renders and checks the render failed on a bound, with the
// message given.
func requireLimit(t *testing.T, text *engine.Text, vars engine.Vars, msg string) {
	t.Helper()
	out, err := text.Render(vars)
	require.ErrorIs(t, err, engine.ErrRenderLimit, "%q", text.Source())
	var le *engine.RenderLimitError
	require.ErrorAs(t, err, &le)
	require.EqualError(t, err, msg)
	require.Empty(t, out)
}

// The template of the issue: {{range $i := until 100000000}} in a URL took
// 22.7 s and 2.6 GB and sent a 100 MB URL. With the count written in the
// template it is refused when loading, with its place; with the count in
// a variable the run fails at once, sends nothing, and allocates little.
func TestIssueLoopFailsFastWithoutSending(t *testing.T) {
	srv, got := recordingServer(t, func(w http.ResponseWriter, _ *http.Request, _ string) { w.WriteHeader(204) })
	load := func(url string) (*engine.Template, error) {
		src := `<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters/></Scenario>
` + globalInfo(`<Request Name="a" Method="GET" URLFormat="`+url+`"/>`) + `
</Scenarios></Information>`
		et, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
		if problems.HasErrors() {
			return nil, errors.New(problems.Errors()[0].String())
		}
		return et, nil
	}

	_, err := load(`https://helpdesk.test/x?q={{range $i := until 100000000}}{{$i}}{{end}}`)
	require.EqualError(t, err, `t.xml:3:83 Scenario[GetGlobalInfo]/Request[a]@URLFormat: template: until 100000000 would make a list of 100000000 numbers; the limit is 10000`)

	for src, msg := range map[string]string{
		`/x?q={{range $i := until (atoi .N)}}{{$i}}{{end}}`: "request a: rendering URLFormat: until 100000000 would make a list of 100000000 numbers; the limit is 10000",
		`/x?q={{range $i := (atoi .N)}}{{$i}}{{end}}`:       "request a: rendering URLFormat: loops would run more than 10000 times",
	} {
		et, err := load(srv.URL + src)
		require.NoError(t, err)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res := engine.NewClient(et, engine.ClientConfig{}).Run(context.Background(), "GetGlobalInfo", engine.Vars{"N": "100000000"}, engine.RunOptions{})
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, res.Err, engine.ErrRenderLimit)
		require.Equal(t, msg, res.Error)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bounded memory: %s", src)
		require.Empty(t, got(), "nothing is sent")
		require.Len(t, res.Trace, 1)
		require.Equal(t, "rendering URLFormat: "+strings.TrimPrefix(msg, "request a: rendering URLFormat: "), res.Trace[0].Error)
	}
}

func TestRenderLimits(t *testing.T) {
	vars := engine.Vars{"N": "100000000", "M": "1000", "S": "line\nline\nline", "big": strings.Repeat("x", engine.MaxRenderBytes+1)}
	for src, msg := range map[string]string{
		`{{range until 1000}}{{range until 1000}}x{{end}}{{end}}`:          "loops would run more than 10000 times",
		`{{range $i := until 200}}{{range $j := until 200}}{{end}}{{end}}`: "loops would run more than 10000 times",
		`{{range (atoi .N)}}{{end}}`:                                       "loops would run more than 10000 times",
		`{{range until 2000}}{{repeat 1000 "x"}}{{end}}`:                   "the output is larger than 1 MB",
		`{{.big}}`:                    "the output is larger than 1 MB",
		`a{{.big}}b`:                  "the output is larger than 1 MB",
		`{{repeat (atoi .N) "ab"}}`:   "repeat 100000000 would make a string of more than 1 MB",
		`{{indent (atoi .N) .S}}`:     "indent 100000000 would make a string of more than 1 MB",
		`{{nindent (atoi .N) .S}}`:    "nindent 100000000 would make a string of more than 1 MB",
		`{{untilStep 0 (atoi .N) 2}}`: "untilStep 0 100000000 2 would make a list of 50000000 numbers; the limit is 10000",
		`{{seq 1 (atoi .N)}}`:         "seq would make 100000000 numbers; the limit is 10000",
		`{{replace "" (repeat 1000000 "a") (repeat 1000000 "b")}}`:                                 "replace would make a string of more than 1 MB",
		`{{wrapWith 1 (repeat 1000 "-") (repeat 10000 "a")}}`:                                      "wrapWith 1 would make a string of more than 1 MB",
		`{{join (repeat 1000 "-") (until (atoi .M))}}{{join (repeat 2000 "-") (until (atoi .M))}}`: "join would make a string of more than 1 MB",
		// A value that doubles: fine in the output, not in a variable.
		`{{$s := "aaaaaaaa"}}{{range until 100}}{{$s = print $s $s}}{{end}}{{len $s}}`: "a template variable would hold 2097152 bytes; the limit is 1 MB",
		`{{$l := list 1}}{{range until 20}}{{$l = concat $l $l}}{{end}}{{len $l}}`:     "a template variable would hold 16384 elements; the limit is 10000",
	} {
		requireLimit(t, compileText(t, src), vars, msg)
	}
}

// A loop whose iterations are slow is stopped after MaxRenderTime, long
// before its iteration budget: ten thousand derived passwords (scrypt) take hours.
func TestRenderTimeLimit(t *testing.T) {
	for name, src := range map[string]string{
		"the body writes":  `{{range until 10000}}{{derivePassword 1 "long" "p" "u" "s"}}{{end}}`,
		"the body assigns": `{{range until 10000}}{{$h := derivePassword 1 "long" "p" "u" "s"}}{{end}}`,
		"a loop starts":    `{{range until 100}}{{range until 50}}{{end}}{{if derivePassword 1 "long" "p" "u" "s"}}{{end}}{{end}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireLimit(t, compileText(t, src), nil, "rendering took longer than 1s")
		})
	}
}

// What can only fail is refused when the template is compiled.
func TestRenderLimitsRefusedWhenCompiling(t *testing.T) {
	for src, msg := range map[string]string{
		`{{range until 100000000}}x{{end}}`:                  "template: until 100000000 would make a list of 100000000 numbers; the limit is 10000",
		`{{range 100000000}}x{{end}}`:                        "template: {{range 100000000}} would loop more than 10000 times",
		`{{range $i := 20000}}{{$i}}{{end}}`:                 "template: {{range 20000}} would loop more than 10000 times",
		`{{repeat 100000000 "x"}}`:                           "template: repeat 100000000 would make a string of more than 1 MB",
		`{{indent 2000000 "x"}}`:                             "template: indent 2000000 would make a string of more than 1 MB",
		`{{seq 0 2 100000}}`:                                 "template: seq would make 50001 numbers; the limit is 10000",
		`{{define "x"}}a{{end}}{{template "x"}}`:             `template: {{define "x"}} and {{block}} are not supported: a template string cannot define templates`,
		`{{block "x" .}}a{{end}}`:                            `template: {{define "x"}} and {{block}} are not supported: a template string cannot define templates`,
		`{{template "t1"}}`:                                  `template: {{template "t1"}} is not supported: a template string cannot call another`,
		`{{range until 10}}{{_switchboard_loop $ .}}{{end}}`: `template: function "_switchboard_loop" is reserved for the engine`,
		`{{genPrivateKey "rsa"}}`:                            `template: function "genPrivateKey" not defined`,
	} {
		_, err := engine.CompileText(src, engine.FuncMap(time.UTC))
		require.EqualError(t, err, msg, src)
	}
}

// Loops within the bounds render as they always did, each render with its
// own budget, however many run at once with the same variables.
func TestLoopsWithinTheBoundsRender(t *testing.T) {
	vars := engine.Vars{"csv": "a,b,c"}
	hundred := make([]string, 100)
	for i := range hundred {
		hundred[i] = strconv.Itoa(i)
	}
	for src, want := range map[string]string{
		`{{range $i := until 100}}{{if $i}},{{end}}{{$i}}{{end}}`:                                                                                                        strings.Join(hundred, ","),
		`{{range 3}}{{.}}{{end}}|{{range until 0}}x{{else}}none{{end}}`:                                                                                                  "012|none",
		`{{range $i, $e := splitList "," .csv}}{{$i}}={{$e}};{{end}}`:                                                                                                    "0=a;1=b;2=c;",
		`{{range until 50}}{{range until 50}}{{end}}{{end}}done`:                                                                                                         "done",
		`{{$n := 0}}{{range until 100}}{{$n = add $n 1}}{{if eq $n 50}}{{break}}{{end}}{{end}}{{$n}}`:                                                                    "50",
		`{{repeat 3 "ab"}}|{{indent 2 "a\nb"}}|{{seq 3}}|{{until 3}}|{{untilStep 0 10 4}}|{{replace "a" "bb" "aXa"}}|{{join "-" (until 3)}}|{{wrapWith 3 "/" "abcdef"}}`: "ababab|  a\n  b|1 2 3|[0 1 2]|[0 4 8]|bbXbb|0-1-2|abc/def",
	} {
		got, err := compileText(t, src).Render(vars)
		require.NoError(t, err, src)
		require.Equal(t, want, got, src)
	}

	text := compileText(t, `{{range until 6000}}x{{end}}`)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			out, err := text.Render(vars)
			if err == nil && len(out) != 6000 {
				err = errors.New("short output")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "six thousand iterations each: the renders must not share a budget")
	}
}
