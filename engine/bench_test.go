package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/templates"
)

// bench15KB is the Zendesk example grown to about 15 KB with more global
// info requests: the size of a large real template.
func bench15KB(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("../examples/zendesk.xml")
	if err != nil {
		tb.Fatal(err)
	}
	src := string(data)
	var extra strings.Builder
	extra.WriteString(`    <Scenario Id="GetGlobalInfo" Type="REST"><Requests>` + "\n")
	for i := 0; len(src)+extra.Len() < 15*1024; i++ {
		fmt.Fprintf(&extra, `      <Request Name="info%d" Method="GET" ResponseType="application/json" URLFormat="{{.base_url}}/api/v2/info/%d?email={{UrlEncode .email}}">
        <Parameters><Parameter Father="PopulateTemplateString" Name="X-Info" Type="Header" Value="{{.email}}"/></Parameters>
        <Outputs><Output Name="Info%d" Path="data.#(kind==&quot;x&quot;)#.id"/></Outputs>
      </Request>`+"\n", i, i, i)
	}
	extra.WriteString("    </Requests></Scenario>\n")
	src = strings.Replace(src, "  </Scenarios>", extra.String()+"  </Scenarios>", 1)
	if len(src) < 15*1024 {
		tb.Fatalf("template is only %d bytes", len(src))
	}
	return []byte(src)
}

func BenchmarkLoad15KB(b *testing.B) {
	data := bench15KB(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t, problems := Load("bench.xml", data, Options{Location: time.UTC})
		if t == nil || problems.HasErrors() {
			b.Fatal(problems)
		}
	}
}

// zendeskClient is the Zendesk example, loaded, and a client of it.
func zendeskClient(b *testing.B) (*Template, *Client) {
	b.Helper()
	data, err := os.ReadFile("../examples/zendesk.xml")
	if err != nil {
		b.Fatal(err)
	}
	t, problems := Load("zendesk.xml", data, Options{Location: time.UTC})
	if problems.HasErrors() {
		b.Fatal(problems)
	}
	return t, NewClient(t, ClientConfig{})
}

// BenchmarkRenderExtract renders the Zendesk contact lookup with a full set
// of call variables and reads a typical answer into rows: the engine's work
// per request, without the network.
func BenchmarkRenderExtract(b *testing.B) {
	t, c := zendeskClient(b)
	req := t.Scenario(templates.ScenarioSyncContact).Request("contacts")
	vars := Vars{"base_url": "https://acme.zendesk.com", "email": "agent@acme.test", "api_token": "secret",
		"Phone": "+14155550100", "CallerNumber": "+14155550100", "CallerName": "Ann Lee", "CalleeNumber": "1001",
		"Call_From": "Ann Lee <+14155550100>", "Call_To": "1001", "Communication_Type": "Inbound",
		"StartTimeUnix": "1795255200", "CrmId": "361", "ContactSyncType": "contacts"}
	for i := range 30 {
		vars[fmt.Sprintf("extra%d", i)] = "value"
	}
	cred := Credentials{}
	body := string(`{"results":[{"id":17,"url":"https://acme.zendesk.com/api/v2/users/17.json","name":"Ann Lee","email":"ann@acme.test","created_at":"2025-01-02T10:00:00Z","time_zone":"Pacific Time (US & Canada)","phone":"+14155550100","shared_phone_number":false,"locale":"en-US","organization_id":null,"role":"end-user","verified":true,"tags":["vip"],"notes":"VIP","details":"","user_fields":{"plan":"gold"},"result_type":"user"}],"facets":null,"next_page":null,"previous_page":null,"count":1}`)
	b.ReportAllocs()
	for b.Loop() {
		rd, err := c.render(req, vars, cred)
		if err != nil || rd.url == "" {
			b.Fatal(err)
		}
		rows, err := extractRows(body, req.Outputs)
		if err != nil || len(rows) != 1 {
			b.Fatal(err, rows)
		}
	}
}

// BenchmarkRenderHostileLoop renders the URL of the issue, whose loop ran
// 22.7 s and made 2.6 GB, with its count in a variable so that it compiles:
// the bounded render refuses it at once (until) or after MaxRenderLoops
// iterations (a range over the number itself).
func BenchmarkRenderHostileLoop(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"until", `https://x.test/?q={{range $i := until (atoi .N)}}{{$i}}{{end}}`},
		{"range-int", `https://x.test/?q={{range $i := (atoi .N)}}{{$i}}{{end}}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			text, err := CompileText(c.src, FuncMap(time.UTC))
			if err != nil {
				b.Fatal(err)
			}
			vars := Vars{"N": "100000000"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := text.Render(vars); !errors.Is(err, ErrRenderLimit) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderLoop renders a loop of a hundred iterations, as a
// template legitimately may: the cost of the loop ticks.
func BenchmarkRenderLoop(b *testing.B) {
	text, err := CompileText(`{"tags":[{{range $i, $t := splitList "," .tags}}{{if $i}},{{end}}"{{$t}}"{{end}}]}`, FuncMap(time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	vars := Vars{"tags": strings.TrimSuffix(strings.Repeat("tag,", 100), ",")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := text.Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderCall renders every request a call makes with the Zendesk
// example (the lookup, the ticket, the journal) and the texts around them
// (Subject, Description, the ticket page): the bodies have {{if}},
// {{with}} and variables, which the closures of fasttext.go cover.
func BenchmarkRenderCall(b *testing.B) {
	t, c := zendeskClient(b)
	vars := Vars{"base_url": "https://acme.zendesk.com", "email": "agent@acme.test", "api_token": "secret",
		"Phone": "+14155550100", "CallerNumber": "+14155550100", "CallerName": "Ann \"The Countess\" Lee", "CalleeNumber": "1001",
		"Call_From": "Ann Lee <+14155550100>", "Call_To": "1001", "Communication_Type": "Inbound", "Call_Status": "Answered",
		"Talk_Duration": "00:01:05", "Talk_Duration_Sec": "65", "Time": "2026-11-26 10:00",
		"StartTimeUnix": "1795255200", "CrmId": "361", "ContactId": "17", "TicketId": "90210", "ContactSyncType": "contacts",
		"Subject": "Inbound call from +14155550100", "Description": "Inbound call Answered\nFrom: Ann Lee"}
	var reqs []*Request
	var texts []*Text
	for _, id := range []string{templates.ScenarioSyncContact, templates.ScenarioCreateTicket, templates.ScenarioCallJournal} {
		sc := t.Scenario(id)
		reqs = append(reqs, sc.Requests...)
		for _, name := range []string{"Subject", "Description", "TicketURLFormat", "URLFormat"} {
			if x := sc.Text(name); x != nil {
				texts = append(texts, x)
			}
		}
	}
	cred := Credentials{}
	b.ReportAllocs()
	for b.Loop() {
		for _, req := range reqs {
			if _, err := c.render(req, vars, cred); err != nil {
				b.Fatal(err)
			}
		}
		for _, x := range texts {
			if _, err := x.Render(vars); err != nil {
				b.Fatal(err)
			}
		}
	}
}
