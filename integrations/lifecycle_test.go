package integrations_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/store"
)

// An integration is created from a helpdesk template with fields that fit
// it, connected at once; its fields are changed (a secret left out keeps
// its value) and it connects again; deleted, it is gone with its
// connection.
func TestIntegrationLifecycle(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, _ := r.BasicAuth(); u == "" || p != "s3cret" {
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, `{"account":"Acme"}`)
	}))
	t.Cleanup(api.Close)
	f := newFixture(t)
	f.template(t, deskTemplate(2))

	_, err := f.rt.Create(t.Context(), "tpl_none", nil)
	var ie *integrations.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, `templateId "tpl_none": no such template`, ie.Message)
	_, err = f.rt.Create(t.Context(), "tpl_desk", map[string]string{"base": "desk.example.com", "nickname": "x"})
	var fe *integrations.FieldsError
	require.ErrorAs(t, err, &fe)
	require.Len(t, fe.Problems, 4, "%v", fe.Problems) // unknown field, a URL without scheme, two required fields missing

	c, err := f.rt.Create(t.Context(), "tpl_desk", map[string]string{"base": api.URL, "username": "ann", "password": "s3cret"})
	require.NoError(t, err)
	in := c.Integration
	require.Equal(t, store.StatusConnected, in.Status)
	require.Equal(t, map[string]string{"password": "s3cret"}, in.Secrets)

	c, err = f.rt.UpdateFields(t.Context(), in, map[string]string{"base": api.URL, "username": "bob"})
	require.NoError(t, err)
	require.Equal(t, store.StatusConnected, c.Integration.Status, "the stored password was kept")
	require.Equal(t, "bob", c.Integration.Fields["username"])

	// A check that read the integration before the administrator saved
	// settings (the periodic GetGlobalInfo refresh reads every
	// integration, then calls each helpdesk) records its status without
	// undoing them.
	stale, err := f.st.GetIntegration(t.Context(), in.ID)
	require.NoError(t, err)
	fresh := *stale
	fresh.Settings = []byte(`{"callJournal":{"enabled":true}}`)
	require.NoError(t, f.st.UpdateIntegration(t.Context(), &fresh))
	_, err = f.rt.Fail(t.Context(), stale, "the helpdesk answered HTTP 503")
	require.NoError(t, err)
	got, err := f.st.GetIntegration(t.Context(), in.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, got.Status)
	require.JSONEq(t, `{"callJournal":{"enabled":true}}`, string(got.Settings))

	require.NoError(t, f.rt.Delete(t.Context(), in.ID))
	_, err = f.st.GetIntegration(t.Context(), in.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, f.rt.Delete(t.Context(), in.ID), store.ErrNotFound)
}
