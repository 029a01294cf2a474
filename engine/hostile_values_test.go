package engine_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// hostileValue is what a caller's name, a ticket's subject or a message may
// hold: quotes, a backslash, a newline, a tab, markup, an ampersand and an
// emoji. The variable's name makes each value its own.
func hostileValue(name string) string {
	return fmt.Sprintf("Ada \"The Countess\" \\ Lovelace <%s> & co\n\t😀", name)
}

// plainVariables hold identifiers, numbers and paging values, which land in
// URLs and outside JSON strings: there they are as safe as the service
// makes them, not free text.
var plainVariables = map[string]string{
	"ContactId": "17", "TicketId": "4711", "CrmId": "361", "ContactsId": "17", "NumberId": "1234",
	"StartTimeUnix": "1795255200", "EndTimeUnix": "1795255295", "CallDuration": "95", "Talk_Duration_Sec": "90",
	"Page": "1", "Offset": "0", "PageSize": "100", "Cursor": "", "AccessToken": "token-123456",
	"ChatStartTimeUnix": "1795685400", "ChatEndTimeUnix": "1795686072", "ChatMessageCount": "2", "ChatPart": "1", "ChatFinal": "1",
}

// wholeStringValue finds "key": "{{.Var}}" (or {{JsonEscape .Var}}) in a
// body: there the decoded string must be the variable's value exactly.
var wholeStringValue = regexp.MustCompile(`"([^"\\{}]+)"\s*:\s*"\{\{-?\s*(?:JsonEscape\s+)?\.(\w+)\s*-?\}\}"`)

// Every template the project ships or was given, every scenario, every
// request, with every call variable holding quotes, backslashes, newlines,
// tabs, markup and emoji: each JSON body the helpdesk receives is valid
// JSON, and a variable that is a whole string arrives as it was.
func TestHostileValuesKeepEveryBodyValid(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../examples/*.xml", "../templates/testdata/valid/*.xml", "testdata/realworld/*.xml"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.GreaterOrEqual(t, len(files), 8)

	var mu sync.Mutex
	var got []received
	helpdesk := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.URL.Path, string(b), r.Header.Get("Content-Type")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(helpdesk.Close)
	take := func() []received {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}

	checked := map[string]int{} // file → whole-string values checked
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			et, problems := engine.Load(filepath.Base(file), readFile(t, file), engine.Options{Location: time.UTC})
			require.NotNil(t, et, "%v", problems)
			fields := engine.Vars{}
			for _, f := range et.Source.CustomFields() {
				fields[f.Name] = "acme"
				if strings.Contains(strings.ToLower(f.Name), "url") {
					fields[f.Name] = "https://helpdesk.test/" + f.Name
				}
			}
			c := engine.NewClient(et, engine.ClientConfig{Vars: fields, Transport: dialTo(helpdesk),
				Retry: engine.RetryPolicy{WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
			vars := engine.Vars{}
			for _, name := range templates.KnownVariables {
				vars[name] = hostileValue(name)
			}
			for name, v := range plainVariables {
				vars[name] = v
			}
			mediaURL := "https://media.test/a.jpg?name=" + hostileValue("media")
			media, _ := json.Marshal([]string{mediaURL})
			vars["MediaUrls"] = string(media) // a JSON list, printed outside strings
			chat, _ := json.Marshal([]map[string]string{{"direction": "in", "text": hostileValue("chat"), "time": "2026-11-26 09:30:00"}})
			vars["ChatMessages"] = string(chat) // likewise

			for _, id := range et.ScenarioIDs() {
				if id == templates.ScenarioCommon {
					continue
				}
				res := c.Run(t.Context(), id, vars, engine.RunOptions{})
				require.NoError(t, res.Err, "%s: %s", id, res.Error)
				var sent []engine.Exchange
				for _, e := range res.Trace {
					if !e.Skipped {
						sent = append(sent, e)
					}
				}
				reqs := take()
				require.Len(t, reqs, len(sent), id)
				for i, r := range reqs {
					body := et.Scenario(id).Request(sent[i].Request).Body
					fieldsOf := decodeBody(t, r, id+"/"+sent[i].Request)
					if fieldsOf == nil {
						continue
					}
					// A key may be written in several branches, each from
					// another variable ("Last_Name" is the last name, or
					// the only name): the value sent is one of them, whole.
					names := map[string][]string{}
					var keys []string
					for _, m := range wholeStringValue.FindAllStringSubmatch(body.Source(), -1) {
						if _, seen := names[m[1]]; !seen {
							keys = append(keys, m[1])
						}
						names[m[1]] = append(names[m[1]], m[2])
					}
					for _, key := range keys {
						if _, sent := fieldsOf[key]; !sent {
							continue // in a branch not taken
						}
						var wants []string
						for _, name := range names[key] {
							want, ok := vars[name]
							if !ok {
								want = fields[name]
							}
							wants = append(wants, want)
						}
						require.True(t, slices.ContainsFunc(wants, func(w string) bool { return slices.Contains(fieldsOf[key], w) }),
							"%s/%s: %q is one of {{.%s}}, as given; the body was %s", id, sent[i].Request, key, strings.Join(names[key], "}}, {{."), r.Body)
						checked[file]++
					}
					if strings.Contains(body.Source(), ":{{.MediaUrls}}") {
						found := false
						for _, vs := range fieldsOf {
							found = found || slices.Contains(vs, mediaURL)
						}
						require.True(t, found, "%s: the media list arrives as it was: %s", id, r.Body)
						checked[file]++
					}
				}
				if id == templates.ScenarioSendMessage {
					require.NotEmpty(t, reqs, "SendMessage sends")
				}
			}
		})
	}
	t.Logf("whole-string values checked: %v", checked)
	require.Greater(t, checked["../templates/testdata/valid/lovable-helpdesk.xml"], 10, "lovable puts call data in JSON strings without JsonEscape")
	require.Equal(t, 2, checked["testdata/realworld/custom-helpdesk.xml"], "name and phone of CreateNewContact")
	require.Positive(t, checked["../examples/zohodesk.xml"])
	require.Positive(t, checked["../examples/sms_generic.xml"])
	require.Positive(t, checked["../examples/twilio.xml"])
}

type received struct {
	Method, Path, Body, ContentType string
}

// decodeBody checks that a body the helpdesk received is what it says it
// is, and returns every string value it holds by field name, at any depth
// (nil when there is no body).
func decodeBody(t *testing.T, r received, where string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	switch {
	case r.Body == "":
		return nil
	case strings.HasPrefix(r.ContentType, "application/x-www-form-urlencoded"):
		form, err := url.ParseQuery(r.Body)
		require.NoError(t, err, "%s: %s", where, r.Body)
		for k, vs := range form {
			out[k] = append(out[k], vs...)
		}
	default:
		require.True(t, json.Valid([]byte(r.Body)), "%s sent invalid JSON: %s", where, r.Body)
		var v any
		require.NoError(t, json.Unmarshal([]byte(r.Body), &v))
		collectStrings(v, "", out)
	}
	return out
}

func collectStrings(v any, key string, out map[string][]string) {
	switch x := v.(type) {
	case string:
		out[key] = append(out[key], x)
	case map[string]any:
		for k, e := range x {
			collectStrings(e, k, out)
		}
	case []any:
		for _, e := range x {
			collectStrings(e, key, out)
		}
	}
}
