package examples_test

import (
	"bytes"
	"context"
	"flag"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templates"
	"github.com/switchboard/switchboard/templatetest"
)

// The template-test fixtures of the shipped templates
// (testdata/fixtures/<template>/<case>.json, README.md there) are recorded
// from the cases of fixtures_cases_test.go, each run as 'switchboard
// template run --record' runs it, against a local server giving the
// vendor's documented answers; TestFixturesReplay replays them with
// 'switchboard template test'.
//
// -record is this package's own flag (internal/golden, which the golden
// tests use, declares -update): record the fixtures again with
//
//	go test ./examples -run TestRecordFixtures -record
var record = flag.Bool("record", false, "record the template-test fixtures of testdata/fixtures from fixtureCases")

const fixturesDir = "testdata/fixtures"

// webhookNow is when every recorded webhook is read: signatures with a
// timestamp are made for it, and the fixture keeps it.
var webhookNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// noHTTPTemplates are the shipped templates with no scenario that sends
// over HTTP or reads a webhook, and so no fixtures: 'template test' has
// nothing of theirs to replay.
var noHTTPTemplates = map[string]string{
	// Transport="smpp": Switchboard speaks SMPP to the SMSC itself
	// (submit_sm, deliver_sm); the template has only AuthMethod, which
	// declares the fields, the channel's rules and the error map, and
	// no request or webhook.
	"smpp.xml": "SMPP, not HTTP",
}

// fixtureCase is one fixture: a scenario of a template run with fields and
// variables against the documented answers, or a webhook read.
type fixtureCase struct {
	template string // in this folder
	name     string // the fixture's file name, without .json
	scenario string
	requests []string // the only requests run (CreateNewTicket with UpdateTicket)
	// fields hold the template's real vendor address (its field's default
	// when it has one): the requests go to the local server all the same,
	// and the fixture keeps the vendor's URLs.
	fields, vars engine.Vars
	token        string // an access token given (oauth2)
	noGlobalInfo bool
	// answers are the documented answers, "METHOD /path" → reply; a
	// request to another path fails the case.
	answers map[string]reply
	// fails: the run fails, as it should with these answers.
	fails bool
	// webhook, for ReceiveMessage and DeliveryReport of channel
	// templates: what the provider sends. Its fields are those the
	// webhook's check reads, test values kept unmasked in the fixture so
	// that the replay checks the signature again.
	webhook *webhookCase
}

type webhookCase struct {
	body   string
	header http.Header
	url    string
}

// hdr is a header of name, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func fixturePath(c fixtureCase) string {
	return filepath.Join(fixturesDir, strings.TrimSuffix(c.template, ".xml"), c.name+".json")
}

func loadExample(t *testing.T, file string) (*engine.Template, []byte) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	tmpl, problems := engine.Load(file, data, engine.Options{Location: time.UTC})
	require.NotNil(t, tmpl, "%v", problems)
	return tmpl, data
}

func TestRecordFixtures(t *testing.T) {
	if !*record {
		t.Skip("records the fixtures of testdata/fixtures: go test ./examples -run TestRecordFixtures -record")
	}
	byTemplate := map[string][]fixtureCase{}
	for _, c := range fixtureCases {
		byTemplate[c.template] = append(byTemplate[c.template], c)
	}
	for _, file := range slices.Sorted(maps.Keys(byTemplate)) {
		cases := byTemplate[file]
		t.Run(strings.TrimSuffix(file, ".xml"), func(t *testing.T) {
			names := map[string]bool{}
			for _, c := range cases {
				require.False(t, names[c.name], "two cases of %s are named %s", file, c.name)
				names[c.name] = true
				t.Run(c.name, func(t *testing.T) { recordFixture(t, c) })
			}
			// A fixture whose case is gone goes too.
			old, _ := templatetest.List(filepath.Join(fixturesDir, strings.TrimSuffix(file, ".xml")))
			for _, path := range old {
				if !names[strings.TrimSuffix(filepath.Base(path), ".json")] {
					require.NoError(t, os.Remove(path))
				}
			}
		})
	}
}

// recordFixture runs a case as 'template run --record' does and writes
// its fixture, which must replay from the file.
func recordFixture(t *testing.T, c fixtureCase) {
	t.Helper()
	tmpl, data := loadExample(t, c.template)
	var f *templatetest.Fixture
	if c.webhook != nil {
		w := templaterun.Webhook{Scenario: c.scenario, Body: []byte(c.webhook.body), Header: c.webhook.header, URL: c.webhook.url,
			Fields: c.fields, Vars: c.vars}
		res, err := templaterun.ReadWebhook(tmpl, w, webhookNow)
		require.NoError(t, err)
		if c.fails {
			require.NotEmpty(t, res.Error)
		} else {
			require.Empty(t, res.Error)
			require.NotZero(t, len(res.Messages)+len(res.Reports), "the webhook brought nothing")
		}
		f = templatetest.FromWebhook(tmpl, w, webhookNow, res)
		// Test secrets: kept, so the replay checks the signature.
		f.Fields = maps.Clone(c.fields)
	} else {
		hd := newHelpdesk(t, c.answers)
		tr := toServer(t, hd.URL)
		in := templaterun.Input{Scenario: c.scenario, Requests: c.requests, Fields: c.fields, Vars: c.vars, Token: c.token,
			NoGlobalInfo: c.noGlobalInfo}
		in = templatetest.Pin(tmpl, in)
		// No retries: each request is answered once, as the replay does.
		env := templaterun.Env{
			Client: engine.ClientConfig{Transport: tr, Timeout: 10 * time.Second, Retry: engine.RetryPolicy{Max: -1}},
			Auth:   auth.Options{HTTPClient: &http.Client{Transport: tr, Timeout: 10 * time.Second}},
		}
		out, err := templaterun.Run(context.Background(), tmpl, in, env)
		require.NoError(t, err)
		require.Equal(t, c.fails, out.Failed(), "failed: %s %+v", out.Error, out.ChannelOutcome)
		var sent int
		for _, e := range out.Trace {
			if !e.Skipped {
				sent++
				require.NotContains(t, e.URL, "127.0.0.1", "the fixture keeps the vendor's URL")
			}
		}
		// The trace holds every request sent but a token's (bearertoken).
		require.GreaterOrEqual(t, len(hd.take()), sent)
		f = templatetest.FromRun(tmpl, in, "", out)
	}
	require.NoError(t, templatetest.Write(fixturePath(c), f))
	back, err := templatetest.Read(fixturePath(c))
	require.NoError(t, err)
	res, err := templatetest.Replay(context.Background(), c.template, data, back)
	require.NoError(t, err)
	require.True(t, res.Passed, res.Diff)
	require.Empty(t, res.Notes)
}

// toServer sends every request to the local server, whatever its URL's
// host, so that a template runs with its vendor's real addresses.
func toServer(t *testing.T, base string) http.RoundTripper {
	u, err := url.Parse(base)
	require.NoError(t, err)
	tr := &http.Transport{Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
		return tr.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// shippedTemplates are the templates of this folder.
func shippedTemplates(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.xml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestEveryTemplateHasFixtures: a template added to this folder gets its
// cases in fixtureCases, recorded.
func TestEveryTemplateHasFixtures(t *testing.T) {
	var missing []string
	for _, file := range shippedTemplates(t) {
		dir := filepath.Join(fixturesDir, strings.TrimSuffix(file, ".xml"))
		files, _ := templatetest.List(dir)
		if _, exempt := noHTTPTemplates[file]; exempt {
			require.Empty(t, files, "%s is listed in noHTTPTemplates, yet has fixtures", file)
			continue
		}
		if len(files) == 0 {
			missing = append(missing, file)
		}
	}
	require.Empty(t, missing, "templates without fixtures in %s/<name>/: add their cases to fixtureCases (fixtures_cases_test.go), "+
		"then record them with: go test ./examples -run TestRecordFixtures -record", fixturesDir)
	for file := range noHTTPTemplates {
		require.FileExists(t, file, "noHTTPTemplates names a template that is gone")
	}
}

// TestFixturesCoverEveryScenario: each scenario that sends a request or
// reads a webhook has a fixture, and each request a template can send
// (the Common ones its Next chains reach, UpdateTicket) is sent in one.
func TestFixturesCoverEveryScenario(t *testing.T) {
	var missing []string
	for _, file := range shippedTemplates(t) {
		if _, exempt := noHTTPTemplates[file]; exempt {
			tmpl, _ := loadExample(t, file)
			for _, id := range tmpl.ScenarioIDs() {
				sc := tmpl.Scenario(id)
				require.True(t, id == templates.ScenarioAuth || (len(sc.RequestNames()) == 0 && !templaterun.ReadsWebhook(tmpl, id)),
					"%s is exempt from fixtures, yet its scenario %s sends or reads something", file, id)
			}
			continue
		}
		tmpl, _ := loadExample(t, file)
		dir := filepath.Join(fixturesDir, strings.TrimSuffix(file, ".xml"))
		paths, _ := templatetest.List(dir)
		scenarios, sent := map[string]bool{}, map[string]bool{}
		for _, p := range paths {
			f, err := templatetest.Read(p)
			require.NoError(t, err)
			scenarios[f.Scenario] = true
			for _, e := range f.Exchanges {
				if !e.Skipped {
					sent[e.Request] = true
				}
			}
		}
		for _, id := range tmpl.ScenarioIDs() {
			// AuthMethod declares how to authorize; Common holds the
			// requests Next chains reach, checked below as requests.
			if id == templates.ScenarioAuth || id == templates.ScenarioCommon {
				continue
			}
			if !scenarios[id] {
				missing = append(missing, file+": scenario "+id)
			}
		}
		for _, id := range tmpl.ScenarioIDs() {
			if id == templates.ScenarioAuth || templaterun.ReadsWebhook(tmpl, id) {
				continue
			}
			for _, r := range tmpl.Scenario(id).RequestNames() {
				if !sent[r] {
					missing = append(missing, file+": request "+id+"/"+r)
				}
			}
		}
	}
	require.Empty(t, missing, "not covered by the fixtures in %s: add cases to fixtureCases (fixtures_cases_test.go) and record them", fixturesDir)
}

// TestFixturesReplay replays every template's fixtures through the
// command an author runs: 'switchboard template test FILE --fixtures DIR'.
func TestFixturesReplay(t *testing.T) {
	for _, file := range shippedTemplates(t) {
		if _, exempt := noHTTPTemplates[file]; exempt {
			continue
		}
		name := strings.TrimSuffix(file, ".xml")
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(fixturesDir, name)
			if files, _ := templatetest.List(dir); len(files) == 0 {
				t.Skipf("no fixtures (TestEveryTemplateHasFixtures names it)")
			}
			var out, errOut bytes.Buffer
			code := cli.Main([]string{"template", "test", file, "--fixtures", dir}, &out, &errOut)
			require.Equal(t, cli.ExitOK, code, "%s%s", out.String(), errOut.String())
			require.NotContains(t, out.String(), "note:", "every fixture replays whole (a masked test secret leaves a signature unchecked)")
		})
	}
}
