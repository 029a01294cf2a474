package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/templates"
)

// Each row holds the fields of its own element: an element without a
// field gives "" in its row, never the next element's value.
func TestExtractRowsKeepsEachElementsFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		outs []Output
		want []map[string]string
	}{{
		name: "the first contact has no URL",
		body: `{"results":[{"id":1},{"id":2,"url":"u2"}]}`,
		outs: []Output{{Name: "Id", Path: "results.#.id"}, {Name: "Url", Path: "results.#.url"}},
		want: []map[string]string{{"Id": "1", "Url": ""}, {"Id": "2", "Url": "u2"}},
	}, {
		name: "gaps in several fields, a null field and a count",
		body: `{"data":[{"id":"a","name":"Ann"},{"id":"b","phone":"+2","url":"u-b"},{"id":"c","name":"Cy","phone":null,"url":"u-c"}],"total":3}`,
		outs: []Output{{Name: "ContactsId", Path: "data.#.id"}, {Name: "FirstName", Path: "data.#.name"},
			{Name: "BusinessNumber", Path: "data.#.phone"}, {Name: "Url", Path: "data.#.url"}, {Name: "Total", Path: "total"}},
		want: []map[string]string{
			{"ContactsId": "a", "FirstName": "Ann", "BusinessNumber": "", "Url": "", "Total": "3"},
			{"ContactsId": "b", "FirstName": "", "BusinessNumber": "+2", "Url": "u-b", "Total": "3"},
			{"ContactsId": "c", "FirstName": "Cy", "BusinessNumber": "", "Url": "u-c", "Total": "3"},
		},
	}, {
		name: "an element with none of the outputs makes no row",
		body: `[{"id":1,"contact":{"name":"Ann"}},null,{"kind":"ad"},{"id":3,"contact":{"email":"c@x"}}]`,
		outs: []Output{{Name: "Id", Path: "#.id"}, {Name: "Name", Path: "#.contact.name"}, {Name: "Email", Path: "#.contact.email"}},
		want: []map[string]string{{"Id": "1", "Name": "Ann", "Email": ""}, {"Id": "3", "Name": "", "Email": "c@x"}},
	}, {
		name: "the whole element read alongside its fields stays with them",
		body: `{"messages":[{"type":"location"},{"id":"m2","text":{"body":"hi"}}]}`,
		outs: []Output{{Name: "MessageId", Path: "messages.#.id"}, {Name: "Text", Path: "messages.#.text.body"}, {Name: "Message", Path: "messages"}},
		want: []map[string]string{
			{"MessageId": "", "Text": "", "Message": `{"type":"location"}`},
			{"MessageId": "m2", "Text": "hi", "Message": `{"id":"m2","text":{"body":"hi"}}`},
		},
	}, {
		name: "nested arrays per element",
		body: `[{"id":1},{"id":2,"emails":[{"value":"b@x"}]}]`,
		outs: []Output{{Name: "Id", Path: "#.id"}, {Name: "Emails", Path: "#.emails.#.value"}},
		want: []map[string]string{{"Id": "1", "Emails": ""}, {"Id": "2", "Emails": `["b@x"]`}},
	}, {
		name: "Yeastar query paths, the #{} alias and lists are single values",
		body: `{"users":[{"id":1},{"id":2,"url":"u2"}],"identities":[{"type":"email","value":"a@x"},{"type":"phone_number","value":"+100"},{"type":"phone_number","value":"+101"}]}`,
		outs: []Output{{Name: "Id", Path: "users.#.id"}, {Name: "Url", Path: "users.#.url"},
			{Name: "Mobile", Path: templates.NormalizePath(`identities.#{type=="phone_number"}#|1.value`)},
			{Name: "Phones", Path: `identities.#(type=="phone_number")#.value`, List: true}},
		want: []map[string]string{
			{"Id": "1", "Url": "", "Mobile": "+101", "Phones": `["+100","+101"]`},
			{"Id": "2", "Url": "u2", "Mobile": "+101", "Phones": `["+100","+101"]`},
		},
	}, {
		name: "no element has a field: no rows, as before",
		body: `{"results":[{"x":1}],"count":1}`,
		outs: []Output{{Name: "Id", Path: "results.#.id"}, {Name: "Count", Path: "count"}},
		want: []map[string]string{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := extractRows(tc.body, tc.outs)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestExtractRowsRefusesWhatIsNotJSON(t *testing.T) {
	t.Parallel()
	_, err := extractRows(`<html>502 Bad Gateway</html>`, []Output{{Name: "Id", Path: "results.#.id"}})
	require.ErrorContains(t, err, "not JSON")
}
