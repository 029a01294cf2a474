package examples_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/engine"
)

// zendeskContract is Zendesk's own OpenAPI document, trimmed to the ticket
// operations the template uses (testdata/README.md says where it is from).
type zendeskContract struct {
	doc    *openapi3.T
	router routers.Router
}

func loadZendeskContract(t *testing.T) *zendeskContract {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/zendesk-oas-tickets.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &zendeskContract{doc: doc, router: router}
}

// check validates one request the template sent, strictly: its body
// against the operation's schema with formats checked, and every field of
// the ticket object among those the schema declares (the schemas allow any
// other property, which would let a misspelt field through).
func (zc *zendeskContract) check(r received) error {
	// A known quirk of Zendesk's document: it names paths
	// without ".json", which the API (and the template) use.
	path := strings.TrimSuffix(r.Path, ".json")
	req, err := http.NewRequest(r.Method, "https://example.zendesk.com"+path, strings.NewReader(r.Body))
	if err != nil {
		return err
	}
	req.Header = r.Header.Clone()
	route, params, err := zc.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not an operation of Zendesk's contract: %w", r.Method, r.Path, err)
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()}},
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	schema := route.Operation.RequestBody.Value.Content.Get("application/json").Schema.Value
	declared := propertyNames(schema.Properties["ticket"].Value)
	var unknown []string
	gjson.Get(r.Body, "ticket").ForEach(func(k, _ gjson.Result) bool {
		// Updating a ticket with a voice comment is Zendesk's documented
		// way to add one ("Adding voice comments to tickets"); the Update
		// Ticket schema leaves it out, the Ticket object has it (write
		// only). Its fields are checked below.
		if !slices.Contains(declared, k.String()) && !(k.String() == "voice_comment" && r.Method == http.MethodPut) {
			unknown = append(unknown, k.String())
		}
		return true
	})
	if len(unknown) > 0 {
		return fmt.Errorf("%s %s: ticket fields %v are not in Zendesk's contract", r.Method, route.Path, unknown)
	}
	if vc := gjson.Get(r.Body, "ticket.voice_comment"); vc.Exists() {
		return zc.checkVoiceComment(vc.Raw)
	}
	return nil
}

// checkVoiceComment validates a voice_comment against the voice comment
// object of Talk Partner Edition, with no field beyond those it lists.
func (zc *zendeskContract) checkVoiceComment(raw string) error {
	ref := zc.doc.Components.Schemas["TicketCreateVoicemailTicketVoiceCommentInput"]
	if ref == nil {
		return errors.New("the contract has no voice comment object")
	}
	strict := *ref.Value
	no := false
	strict.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return err
	}
	if err := strict.VisitJSON(v, openapi3.EnableFormatValidation(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("voice_comment %s: %w", raw, err)
	}
	return nil
}

// propertyNames lists the properties a schema declares, through allOf.
func propertyNames(s *openapi3.Schema) []string {
	var out []string
	for name := range s.Properties {
		out = append(out, name)
	}
	for _, sub := range s.AllOf {
		out = append(out, propertyNames(sub.Value)...)
	}
	slices.Sort(out)
	return out
}

// Every ticket and journal request the Zendesk template sends, for every
// kind of call, is one Zendesk's own contract accepts.
func TestZendeskRequestsFollowTheContract(t *testing.T) {
	zc := loadZendeskContract(t)
	c, hd := zendeskTicketDesk(t)
	for _, call := range finishedCalls() {
		t.Run(call.name, func(t *testing.T) {
			vars := call.vars
			run(t, c, "CreateNewTicket", vars, "CreateNewTicket")
			vars["TicketId"] = "4711"
			run(t, c, "CreateNewTicket", vars, "UpdateTicket")
			run(t, c, "CallJournal", vars)
			noRecording := engine.Vars{}
			for k, v := range vars {
				noRecording[k] = v
			}
			noRecording["RecordPath"] = "" // the journal as a private comment
			run(t, c, "CallJournal", noRecording)
			got := hd.take()
			require.Len(t, got, 4)
			for _, r := range got {
				require.NoError(t, zc.check(r))
			}
			require.True(t, gjson.Get(got[2].Body, "ticket.voice_comment").Exists())
			require.True(t, gjson.Get(got[3].Body, "ticket.comment.body").Exists())
		})
	}
}

// The check itself refuses what it should: an empty started_at (as the
// template sent for a call with no start), a duration as a string, a
// misspelt field.
func TestZendeskContractRefusesWhatItShould(t *testing.T) {
	zc := loadZendeskContract(t)
	for _, body := range []string{
		`{"ticket":{"voice_comment":{"from":"+14155550100","to":"1001","recording_url":"https://x.test/r","started_at":"","call_duration":0}}}`,
		`{"ticket":{"voice_comment":{"from":"+14155550100","to":"1001","recording_url":"https://x.test/r","call_duration":"90"}}}`,
		`{"ticket":{"voice_comment":{"from":"+14155550100","to":"1001","recording_uri":"https://x.test/r"}}}`,
		`{"ticket":{"comment":{"body":"x","public":"no"}}}`,
		`{"ticket":{"coment":{"body":"x"}}}`,
	} {
		err := zc.check(received{Method: "PUT", Path: "/api/v2/tickets/4711.json", Body: body, Header: http.Header{"Content-Type": {"application/json"}}})
		require.Error(t, err, "accepted: %s", body)
	}
	require.NoError(t, zc.check(received{Method: "PUT", Path: "/api/v2/tickets/4711.json",
		Body: `{"ticket":{"comment":{"body":"x","public":false}}}`, Header: http.Header{"Content-Type": {"application/json"}}}))
}
