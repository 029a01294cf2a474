package engine_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// TestNotFoundStatusFindsNobody: a request whose NotFoundStatus lists the
// answer's status reads no rows and the run goes on; any other error
// status still fails it, and so does a request without the attribute.
func TestNotFoundStatusFindsNobody(t *testing.T) {
	srv, _ := recordingServer(t, func(w http.ResponseWriter, r *http.Request, _ string) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/gone"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"_error":{"status":404,"title":"Not found"}}`))
		case strings.HasSuffix(r.URL.Path, "/forbidden"):
			w.WriteHeader(http.StatusForbidden)
		default:
			_, _ = w.Write([]byte(`{"id":"c1"}`))
		}
	})
	et := tmpl(t, "", "", `<Scenario Id="CallJournal" Type="REST"><Requests>
<Request Name="CallJournal" Method="GET" NotFoundStatus="404, 410" URLFormat="{{.base}}/{{.Path}}">
  <Outputs><Output Name="ContactsId" Path="id"/></Outputs>
</Request>
<Request Name="strict" Method="GET" URLFormat="{{if .Strict}}{{.base}}/gone{{end}}"/>
</Requests></Scenario>`)
	c := engine.NewClient(et, engine.ClientConfig{Vars: engine.Vars{"base": srv.URL}, Retry: fastRetry})
	run := func(vars engine.Vars) *engine.Result {
		return c.Run(context.Background(), "CallJournal", vars, engine.RunOptions{})
	}

	res := run(engine.Vars{"Path": "gone"})
	require.NoError(t, res.Err, res.Error)
	require.Empty(t, res.Rows)
	require.Equal(t, 404, res.Trace[0].Status, "the trace shows the answer as it came")

	res = run(engine.Vars{"Path": "found"})
	require.NoError(t, res.Err)
	require.Equal(t, "c1", res.Rows[0].Values["ContactsId"])

	res = run(engine.Vars{"Path": "forbidden"})
	var status *engine.HTTPStatusError
	require.ErrorAs(t, res.Err, &status, "403 is not in the list: a failure")
	require.Equal(t, 403, status.Status)

	res = run(engine.Vars{"Path": "gone", "Strict": "1"})
	require.ErrorAs(t, res.Err, &status, "a request without NotFoundStatus fails on 404")
}

func TestNotFoundStatusIsValidated(t *testing.T) {
	src := `<Information Provider="helpdesk" Name="T" Key="t" AuthType="none"><Scenarios>
<Scenario Id="AuthMethod" Type="AUTH"><Parameters/></Scenario>
<Scenario Id="CallJournal" Type="REST"><Requests>
<Request Name="CallJournal" Method="GET" NotFoundStatus="404,200" URLFormat="https://x.test/"/>
</Requests></Scenario></Scenarios></Information>`
	_, problems := engine.Load("t.xml", []byte(src), engine.Options{Location: time.UTC})
	require.True(t, problems.HasErrors())
	require.Len(t, problems.Errors(), 1, "%v", problems)
	require.Equal(t, `t.xml:4:42 Scenario[CallJournal]/Request[CallJournal]@NotFoundStatus: NotFoundStatus "404,200": "200" is not a client error status (400 to 499); list them with commas, e.g. "404,410"`,
		problems.Errors()[0].String())
}
