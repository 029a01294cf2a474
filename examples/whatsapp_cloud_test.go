package examples_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// whatsApp loads the shipped WhatsApp template as the service defines a
// channel of it.
func whatsApp(t *testing.T) *messaging.Definition {
	t.Helper()
	data, err := os.ReadFile("whatsapp_cloud.xml")
	require.NoError(t, err)
	tmpl, problems := engine.Load("whatsapp_cloud.xml", data, engine.Options{Location: time.UTC})
	require.Empty(t, problems)
	d, err := messaging.Define(tmpl)
	require.NoError(t, err)
	return d
}

// Every kind of message a customer can send reaches the agent as text
// that says what it is, with its media as a Graph API address. One
// webhook per kind, as Meta sends them (testdata/whatsapp, README.md).
func TestWhatsAppMessagesReadable(t *testing.T) {
	d := whatsApp(t)
	channel := engine.Vars{"access_token": "EAAG-secret-token", "app_secret": "app-secret", "graph_url": "https://graph.facebook.com", "graph_version": "v23.0"}
	media := func(id string) []string { return []string{"https://graph.facebook.com/v23.0/" + id} }
	tests := []struct {
		file  string
		text  string
		media []string
	}{
		{"text", "Does it come in another color?", nil},
		{"image", "[Image] Taj Mahal", media("1003383421387256")},
		{"image_without_caption", "[Image]", media("1003383421387257")},
		{"video", "[Video] My vacation video", media("1166846181421424")},
		{"audio", "[Audio]", media("1003383421387258")},
		{"voice", "[Voice message]", media("1003383421387259")},
		{"document", "[Document: receipt.pdf] Lucky Shrub Invoice", media("1003383421387260")},
		{"sticker", "[Sticker]", media("1003383421387261")},
		{"button_reply", "[Button] Cancel", nil},
		{"list_reply", "[List] Priority Mail Express (Next Day to 2 Days)", nil},
		{"button", "[Button] Unsubscribe", nil},
		{"location", "[Location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221496582, -122.16165924072) " +
			"https://www.google.com/maps/search/?api=1&query=37.44221496582,-122.16165924072 https://philzcoffee.com/", nil},
		{"contacts", "[Contact] Lucía Gómez, Google, +1 (983) 555-2319, lucia@example.com; Barbara J. Johnson, +14125550829, +14125550830", nil},
		{"reaction", "[Reaction] 👍", nil},
		{"reaction_removed", "[Reaction removed]", nil},
		{"unsupported", "[Unsupported message] Message type unknown: Message type is currently not supported.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "whatsapp", tt.file+".json"))
			require.NoError(t, err)
			parsed, err := d.Parse(body, channel)
			require.NoError(t, err)
			require.Empty(t, parsed.Warnings)
			require.Len(t, parsed.Messages, 1)
			m := parsed.Messages[0]
			require.Equal(t, tt.text, m.Text)
			want := tt.media
			if want == nil {
				want = []string{}
			}
			require.Equal(t, want, m.MediaURLs)
			require.Equal(t, "16505551234", m.From)
			require.Equal(t, "106540352242922", m.NumberID)
			require.False(t, m.ReceivedAt.IsZero())
			require.NotContains(t, fmt.Sprint(m), "secret", "the channel's secrets never reach a message")
		})
	}
}

// Several messages of different kinds in one webhook stay paired with
// their own text and media.
func TestWhatsAppMessagesOfOneWebhookStayPaired(t *testing.T) {
	d := whatsApp(t)
	value := func(doc map[string]any) map[string]any {
		change := doc["entry"].([]any)[0].(map[string]any)["changes"].([]any)[0].(map[string]any)
		return change["value"].(map[string]any)
	}
	var combined map[string]any
	var msgs []any
	for _, f := range []string{"location", "image", "text", "document"} {
		body, err := os.ReadFile(filepath.Join("testdata", "whatsapp", f+".json"))
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(body, &doc))
		msgs = append(msgs, value(doc)["messages"].([]any)...)
		if combined == nil {
			combined = doc
		}
	}
	value(combined)["messages"] = msgs
	body, err := json.Marshal(combined)
	require.NoError(t, err)

	parsed, err := d.Parse(body, nil)
	require.NoError(t, err)
	require.Len(t, parsed.Messages, 4)
	require.True(t, strings.HasPrefix(parsed.Messages[0].Text, "[Location] Philz Coffee"), parsed.Messages[0].Text)
	require.Empty(t, parsed.Messages[0].MediaURLs)
	require.Equal(t, "[Image] Taj Mahal", parsed.Messages[1].Text)
	require.Equal(t, []string{"https://graph.facebook.com/v23.0/1003383421387256"}, parsed.Messages[1].MediaURLs, "the fields' defaults apply")
	require.Equal(t, "Does it come in another color?", parsed.Messages[2].Text)
	require.Empty(t, parsed.Messages[2].MediaURLs)
	require.Equal(t, "[Document: receipt.pdf] Lucky Shrub Invoice", parsed.Messages[3].Text)
	require.Equal(t, []string{"https://graph.facebook.com/v23.0/1003383421387260"}, parsed.Messages[3].MediaURLs)
}

// The Graph API version is a field of the channel, v23.0 unless set; a
// graph_url that carries a version (channels made before the field) keeps
// it. Sending, checking the number and media addresses all follow it.
func TestWhatsAppGraphVersion(t *testing.T) {
	d := whatsApp(t)
	image, err := os.ReadFile(filepath.Join("testdata", "whatsapp", "image.json"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		fields engine.Vars // graph_url is the local Graph API's address plus this
		suffix string
		want   string
	}{
		{"default", engine.Vars{}, "", "/v23.0"},
		{"set", engine.Vars{"graph_version": "v24.0"}, "", "/v24.0"},
		{"address with a trailing slash", engine.Vars{"graph_version": "v23.0"}, "/", "/v23.0"},
		{"address of an older channel", engine.Vars{}, "/v21.0", "/v21.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hd := newHelpdesk(t, map[string]reply{
				"POST " + tt.want + "/106540352242922/messages": {200, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.out1"}]}`},
				"GET " + tt.want + "/106540352242922":           {200, `{"display_phone_number":"+1 555-078-3881","id":"106540352242922"}`},
			})
			fields := engine.Vars{"access_token": "EAAG-token", "app_secret": "s", "graph_url": hd.URL + tt.suffix}
			for k, v := range tt.fields {
				fields[k] = v
			}
			authz, err := auth.New(d.Template, fields, auth.Options{})
			require.NoError(t, err)
			c := engine.NewClient(d.Template, engine.ClientConfig{Vars: fields, Auth: authz})
			id, _, fail := d.Send(context.Background(), c, messaging.Outgoing{From: "+15550783881", NumberID: "106540352242922", To: "+16505551234", Text: "Hi"}, "")
			require.Nil(t, fail)
			require.Equal(t, "wamid.out1", id)
			status, reason, _ := d.Verify(context.Background(), c, "+15550783881", "106540352242922")
			require.Equal(t, messaging.StatusConnected, status, reason)
			require.Len(t, hd.take(), 2)

			parsed, err := d.Parse(image, fields)
			require.NoError(t, err)
			require.Equal(t, []string{hd.URL + tt.want + "/1003383421387256"}, parsed.Messages[0].MediaURLs)
		})
	}
}

// The webhooks the tests read are the ones Meta documents: each validates
// against the messages webhook of Meta's own OpenAPI document
// (testdata/meta-whatsapp-webhook.yaml, README.md says what was changed).
func TestWhatsAppFixturesFollowMetasContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/meta-whatsapp-webhook.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	payload := doc.Components.Schemas["WebhookPayload"].Value
	files, err := filepath.Glob(filepath.Join("testdata", "whatsapp", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 16)
	for _, f := range files {
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		var v any
		require.NoError(t, json.Unmarshal(body, &v))
		require.NoError(t, payload.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()), f)
	}
	// And it is a check: a message without its type's object is refused.
	var broken any
	require.NoError(t, json.Unmarshal([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
		"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],
		"messages":[{"from":"16505551234","id":"wamid.x","timestamp":"1749416383","type":"image","text":{"body":"hi"}}]}}]}]}`), &broken))
	require.Error(t, payload.VisitJSON(broken, openapi3.EnableJSONSchema2020()))
}
