// Package storetest is the conformance suite every store.Store
// implementation passes: the same behaviour on SQLite and PostgreSQL. It
// tests storage only and must not import a domain package.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/store"
)

// Factory returns a new, empty store for one test.
type Factory func(t *testing.T) store.Store

// Run runs the suite.
func Run(t *testing.T, open Factory) {
	tests := map[string]func(t *testing.T, s store.Store){
		"Templates":         templates,
		"TemplateLimit":     templateLimit,
		"TemplateLimitRace": templateLimitRace,
		"APITokens":         apiTokens,
		"PBXWebhooks":       pbxWebhooks,
		"Integrations":      integrations,
		"OAuthStates":       oauthStates,
		"AccessTokens":      accessTokens,
		"Users":             users,
		"CallBindings":      callBindings,
		"Extensions":        extensions,
		"DeleteCascades":    deleteCascades,
		"TemplateInUse":     templateInUse,
		"Calls":             calls,
		"ListCalls":         listCalls,
		"Runs":              runs,
		"StepResults":       stepResults,
		"GroupContacts":     groupContacts,
		"Leases":            leases,
		"RequestSlots":      requestSlots,
		"Channels":          channels,
		"Queues":            queues,
		"Inbound":           inbound,
		"InboundRace":       inboundRace,
		"InboundBatch":      inboundBatch,
		"InboundSideBySide": inboundBatchesSideBySide,
		"ChannelStamp":      channelStamp,
		"Outbound":          outbound,
		"NumberStatsSeries": numberStatsSeries,
		"SessionChanges":    sessionChanges,
		"IdleAndHistory":    idleAndHistory,
		"OptOuts":           optOuts,
		"DeadLetters":       deadLetters,
		"Accounts":          accounts,
		"WebSessions":       webSessions,
		"SetupTokens":       setupTokens,
		"SetupRace":         setupRace,
		"SignInAttempts":    signInAttempts,
		"CallCounts":        callCounts,
		"MessageCounts":     messageCounts,
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

var ctx = context.Background()

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func tmpl(id, key string, builtin bool) *store.Template {
	return &store.Template{ID: id, Key: key, Name: "Name " + key, Provider: "helpdesk", Version: "1.0.0",
		BuiltIn: builtin, XML: []byte("<Information Key=\"" + key + "\"/>"), CreatedAt: now(), UpdatedAt: now()}
}

func templates(t *testing.T, s store.Store) {
	a := tmpl("t1", "zendesk", false)
	require.NoError(t, s.CreateTemplate(ctx, a, 10))
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t0", "builtin_desk", true), 10))
	got, err := s.GetTemplate(ctx, "t1")
	require.NoError(t, err)
	require.Equal(t, a, got)
	got, err = s.TemplateByKey(ctx, "zendesk")
	require.NoError(t, err)
	require.Equal(t, "t1", got.ID)

	require.ErrorIs(t, s.CreateTemplate(ctx, tmpl("t2", "zendesk", false), 10), store.ErrConflict)
	list, err := s.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.True(t, list[0].BuiltIn, "built-in templates come first")

	rev, err := s.TemplateRevision(ctx, "t1")
	require.NoError(t, err)
	a.Name, a.XML, a.UpdatedAt = "Zendesk v2", []byte("<Information/>"), now().Add(time.Second)
	require.NoError(t, s.ReplaceTemplate(ctx, a))
	rev2, err := s.TemplateRevision(ctx, "t1")
	require.NoError(t, err)
	require.NotEqual(t, rev, rev2, "a replacement changes the revision")
	_, err = s.TemplateRevision(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err = s.GetTemplate(ctx, "t1")
	require.NoError(t, err)
	require.Equal(t, "Zendesk v2", got.Name)
	require.Equal(t, []byte("<Information/>"), got.XML)
	a.Key = "builtin_desk"
	require.ErrorIs(t, s.ReplaceTemplate(ctx, a), store.ErrConflict)
	require.ErrorIs(t, s.ReplaceTemplate(ctx, tmpl("nope", "x", false)), store.ErrNotFound)

	require.NoError(t, s.DeleteTemplate(ctx, "t1"))
	_, err = s.GetTemplate(ctx, "t1")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, s.DeleteTemplate(ctx, "t1"), store.ErrNotFound)
}

func templateLimit(t *testing.T, s store.Store) {
	for i := range 3 {
		require.NoError(t, s.CreateTemplate(ctx, tmpl(fmt.Sprint("c", i), fmt.Sprint("custom", i), false), 3))
	}
	require.ErrorIs(t, s.CreateTemplate(ctx, tmpl("c3", "custom3", false), 3), store.ErrLimitReached)
	require.NoError(t, s.CreateTemplate(ctx, tmpl("b1", "shipped", true), 3), "built-in templates do not count")
	require.NoError(t, s.DeleteTemplate(ctx, "c0"))
	require.NoError(t, s.CreateTemplate(ctx, tmpl("c3", "custom3", false), 3))
}

func templateLimitRace(t *testing.T, s store.Store) {
	const limit, tries = 5, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.CreateTemplate(ctx, tmpl(fmt.Sprint("r", i), fmt.Sprint("race", i), false), limit)
			if err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			} else if !errors.Is(err, store.ErrLimitReached) {
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, limit, created, "concurrent uploads never exceed the limit")
}

func apiTokens(t *testing.T, s store.Store) {
	tok := &store.APIToken{ID: "k1", Name: "ops", Role: store.RoleAgent, Extension: "1001", Hash: []byte("hash-1"), CreatedAt: now()}
	require.NoError(t, s.CreateAPIToken(ctx, tok))
	require.ErrorIs(t, s.CreateAPIToken(ctx, &store.APIToken{ID: "k2", Role: "admin", Hash: []byte("hash-1"), CreatedAt: now()}), store.ErrConflict)
	got, err := s.APITokenByHash(ctx, []byte("hash-1"))
	require.NoError(t, err)
	require.Equal(t, tok, got)
	_, err = s.APITokenByHash(ctx, []byte("other"))
	require.ErrorIs(t, err, store.ErrNotFound)
	list, err := s.ListAPITokens(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, s.DeleteAPIToken(ctx, "k1"))
	require.ErrorIs(t, s.DeleteAPIToken(ctx, "k1"), store.ErrNotFound)
}

func pbxWebhooks(t *testing.T, s store.Store) {
	at := now()
	w := &store.PBXWebhook{ID: "w1", Name: "Head office P570", Hash: []byte("hash-1"), CreatedAt: at, RotatedAt: at}
	require.NoError(t, s.CreatePBXWebhook(ctx, w))
	require.ErrorIs(t, s.CreatePBXWebhook(ctx, &store.PBXWebhook{ID: "w2", Hash: []byte("hash-1"), CreatedAt: at, RotatedAt: at}), store.ErrConflict)
	require.NoError(t, s.CreatePBXWebhook(ctx, &store.PBXWebhook{ID: "w3", Name: "branch", Hash: []byte("hash-3"), CreatedAt: at.Add(time.Second), RotatedAt: at.Add(time.Second)}))
	got, err := s.PBXWebhookByHash(ctx, []byte("hash-1"))
	require.NoError(t, err)
	require.Equal(t, w, got)

	later := at.Add(time.Hour)
	rotated, err := s.RotatePBXWebhook(ctx, "w1", []byte("hash-2"), later)
	require.NoError(t, err)
	require.Equal(t, &store.PBXWebhook{ID: "w1", Name: "Head office P570", Hash: []byte("hash-2"), CreatedAt: at, RotatedAt: later}, rotated)
	_, err = s.PBXWebhookByHash(ctx, []byte("hash-1"))
	require.ErrorIs(t, err, store.ErrNotFound, "the old secret stops working at once")
	got, err = s.PBXWebhookByHash(ctx, []byte("hash-2"))
	require.NoError(t, err)
	require.Equal(t, "w1", got.ID)
	require.Equal(t, "Head office P570", got.Name)
	require.Equal(t, at, got.CreatedAt)
	require.Equal(t, later, got.RotatedAt)
	_, err = s.RotatePBXWebhook(ctx, "w3", []byte("hash-2"), later)
	require.ErrorIs(t, err, store.ErrConflict)
	_, err = s.RotatePBXWebhook(ctx, "nope", []byte("hash-9"), later)
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err := s.ListPBXWebhooks(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{"w1", "w3"}, []string{list[0].ID, list[1].ID})
	require.NoError(t, s.DeletePBXWebhook(ctx, "w1"))
	require.ErrorIs(t, s.DeletePBXWebhook(ctx, "w1"), store.ErrNotFound)
	_, err = s.PBXWebhookByHash(ctx, []byte("hash-2"))
	require.ErrorIs(t, err, store.ErrNotFound)
}

func integration(id string) *store.Integration {
	return &store.Integration{ID: id, TemplateID: "t", Status: store.StatusConnected,
		Fields: map[string]string{"base_url": "https://x.test"}, Secrets: map[string]string{"api_token": "s3cret-token-value"},
		Settings: []byte(`{"contactSync":{"enabled":true}}`), GlobalVars: map[string]string{"DepartmentId": "7"},
		CreatedAt: now(), UpdatedAt: now()}
}

func integrations(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	in := integration("i1")
	require.NoError(t, s.CreateIntegration(ctx, in))
	got, err := s.GetIntegration(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, in, got)

	revs := func() store.Revisions {
		r, err := s.Revisions(ctx, "i1")
		require.NoError(t, err)
		return r
	}
	r0 := revs()
	in.Status, in.StatusReason = store.StatusFailed, "token endpoint answered HTTP 401"
	in.Secrets["api_token"] = "rotated-secret"
	in.UpdatedAt = now().Add(time.Second)
	require.NoError(t, s.UpdateIntegration(ctx, in))
	r1 := revs()
	require.NotEqual(t, r0.Integration, r1.Integration, "an update changes the integration's revision")
	require.Equal(t, r0.Template, r1.Template)
	_, err = s.Revisions(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err = s.GetIntegration(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, in, got)

	empty := integration("i2")
	empty.Secrets, empty.GlobalVars, empty.Settings = map[string]string{}, nil, nil
	require.NoError(t, s.CreateIntegration(ctx, empty))
	got, err = s.GetIntegration(ctx, "i2")
	require.NoError(t, err)
	require.Empty(t, got.Secrets)
	require.Equal(t, "{}", string(got.Settings))

	list, err := s.ListIntegrations(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	_, err = s.GetIntegration(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorIs(t, s.UpdateIntegration(ctx, integration("nope")), store.ErrNotFound)

	// A connection check records its state and nothing else: a check
	// that read the integration before an administrator saved new settings
	// and fields does not undo them.
	stale, err := s.GetIntegration(ctx, "i1")
	require.NoError(t, err)
	saved := *stale
	saved.Settings, saved.Fields = []byte(`{"callJournal":{"enabled":true}}`), map[string]string{"base_url": "https://new.x.test"}
	require.NoError(t, s.UpdateIntegration(ctx, &saved))
	before := revs()
	checkedAt := now().Add(90 * time.Second).Truncate(time.Millisecond)
	require.NoError(t, s.SetConnectionState(ctx, "i1", store.ConnectionState{Status: store.StatusConnected, GlobalVars: map[string]string{"DepartmentId": "9"},
		ConnectedAt: checkedAt, UpdatedAt: checkedAt}))
	require.NotEqual(t, before.Integration, revs().Integration, "a check changes the revision")
	got, err = s.GetIntegration(ctx, "i1")
	require.NoError(t, err)
	require.JSONEq(t, `{"callJournal":{"enabled":true}}`, string(got.Settings), "the settings saved meanwhile stay")
	require.Equal(t, map[string]string{"base_url": "https://new.x.test"}, got.Fields)
	require.Equal(t, stale.Secrets, got.Secrets)
	require.Equal(t, store.StatusConnected, got.Status)
	require.Equal(t, map[string]string{"DepartmentId": "9"}, got.GlobalVars)
	require.True(t, checkedAt.Equal(got.ConnectedAt), "%v", got.ConnectedAt)
	require.ErrorIs(t, s.SetConnectionState(ctx, "nope", store.ConnectionState{Status: store.StatusFailed, UpdatedAt: checkedAt}), store.ErrNotFound)
	in = got

	// A connection time survives; the status changes only from the one
	// the caller saw.
	in.Status, in.ConnectedAt = store.StatusConnected, now().Add(2*time.Second)
	require.NoError(t, s.UpdateIntegration(ctx, in))
	ok, err := s.SetIntegrationStatus(ctx, "i1", store.StatusConnected, store.StatusFailed, "calls fail: HTTP 401", now().Add(3*time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	require.NotEqual(t, r1.Integration, revs().Integration, "a status change changes the revision")
	ok, err = s.SetIntegrationStatus(ctx, "i1", store.StatusConnected, store.StatusFailed, "again", now().Add(4*time.Second))
	require.NoError(t, err)
	require.False(t, ok, "not connected any more")
	got, err = s.GetIntegration(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, store.StatusFailed, got.Status)
	require.Equal(t, "calls fail: HTTP 401", got.StatusReason)
	require.Equal(t, in.ConnectedAt, got.ConnectedAt)
	require.Equal(t, in.Secrets, got.Secrets, "only the status changed")
	ok, err = s.SetIntegrationStatus(ctx, "nope", store.StatusConnected, store.StatusFailed, "", now())
	require.NoError(t, err)
	require.False(t, ok)
}

func oauthStates(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	require.NoError(t, s.CreateIntegration(ctx, integration("i1")))
	exp := now().Add(10 * time.Minute)
	require.NoError(t, s.SaveOAuthState(ctx, "state-a", "i1", exp))
	require.NoError(t, s.SaveOAuthState(ctx, "state-old", "i1", now().Add(-time.Second)))
	id, err := s.TakeOAuthState(ctx, "state-a", now())
	require.NoError(t, err)
	require.Equal(t, "i1", id)
	_, err = s.TakeOAuthState(ctx, "state-a", now())
	require.ErrorIs(t, err, store.ErrNotFound, "single use")
	_, err = s.TakeOAuthState(ctx, "state-old", now())
	require.ErrorIs(t, err, store.ErrNotFound, "expired")
	_, err = s.TakeOAuthState(ctx, "forged", now())
	require.ErrorIs(t, err, store.ErrNotFound)

	// Of concurrent callbacks with one state, exactly one wins.
	require.NoError(t, s.SaveOAuthState(ctx, "state-b", "i1", exp))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.TakeOAuthState(ctx, "state-b", now()); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, wins)
}

// accessTokens: the store keeps a token's bytes as they were given (auth's
// JSON, which the store does not read), one per key, and reports none as
// nil without an error.
func accessTokens(t *testing.T, s store.Store) {
	tok, err := s.LoadToken(ctx, "i1")
	require.NoError(t, err)
	require.Nil(t, tok)
	require.NoError(t, s.SaveToken(ctx, "i1", []byte(`{"access_token":"at-1","refresh_token":"rt-1"}`)))
	want := []byte(`{"access_token":"at-1","refresh_token":"rt-2"}`)
	require.NoError(t, s.SaveToken(ctx, "i1", want))
	require.NoError(t, s.SaveToken(ctx, "i2", []byte("other")))
	got, err := s.LoadToken(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, want, got)
	got, err = s.LoadToken(ctx, "i2")
	require.NoError(t, err)
	require.Equal(t, []byte("other"), got)
}

func users(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	require.NoError(t, s.CreateIntegration(ctx, integration("i1")))
	require.NoError(t, s.ReplaceUsers(ctx, "i1", []store.HelpdeskUser{
		{UserID: "u1", FirstName: "Ann", Email: "ann@x.test"}, {UserID: "u2", FirstName: "Bo"}}))
	require.NoError(t, s.SetUserExtensions(ctx, "i1", "u1", []string{"1001", "1002"}))
	require.ErrorIs(t, s.SetUserExtensions(ctx, "i1", "nobody", []string{"1"}), store.ErrNotFound)
	// A new sync keeps u1's binding, drops u2, adds u3.
	require.NoError(t, s.ReplaceUsers(ctx, "i1", []store.HelpdeskUser{
		{UserID: "u1", FirstName: "Ann", LastName: "Lee", Email: "ann@x.test"}, {UserID: "u3", FirstName: "Cy"}}))
	list, err := s.ListUsers(ctx, "i1")
	require.NoError(t, err)
	require.Equal(t, []store.HelpdeskUser{
		{IntegrationID: "i1", UserID: "u1", FirstName: "Ann", LastName: "Lee", Email: "ann@x.test", Extensions: []string{"1001", "1002"}},
		{IntegrationID: "i1", UserID: "u3", FirstName: "Cy", Extensions: []string{}},
	}, list)
	require.ErrorIs(t, s.ReplaceUsers(ctx, "i1", []store.HelpdeskUser{{UserID: "d"}, {UserID: "d"}}), store.ErrConflict)
	list, err = s.ListUsers(ctx, "i1")
	require.NoError(t, err)
	require.Len(t, list, 2, "a failed sync changes nothing")
}

func extensions(t *testing.T, s store.Store) {
	require.NoError(t, s.PutExtension(ctx, store.Extension{Number: "1001", FirstName: "Bob"}))
	require.NoError(t, s.PutExtension(ctx, store.Extension{Number: "1001", FirstName: "Bob", LastName: "Agent", Email: "bob@x.test"}))
	require.NoError(t, s.PutExtension(ctx, store.Extension{Number: "1000"}))
	got, err := s.GetExtension(ctx, "1001")
	require.NoError(t, err)
	require.Equal(t, "bob@x.test", got.Email)
	_, err = s.GetExtension(ctx, "9")
	require.ErrorIs(t, err, store.ErrNotFound)
	list, err := s.ListExtensions(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"1000", "1001"}, []string{list[0].Number, list[1].Number})
}

func deleteCascades(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	require.NoError(t, s.CreateIntegration(ctx, integration("i1")))
	require.NoError(t, s.ReplaceUsers(ctx, "i1", []store.HelpdeskUser{{UserID: "u1"}}))
	require.NoError(t, s.SaveOAuthState(ctx, "st", "i1", now().Add(time.Hour)))
	require.NoError(t, s.SaveToken(ctx, "i1", []byte(`{"access_token":"a"}`)))
	require.NoError(t, s.DeleteIntegration(ctx, "i1"))
	_, err := s.GetIntegration(ctx, "i1")
	require.ErrorIs(t, err, store.ErrNotFound)
	list, err := s.ListUsers(ctx, "i1")
	require.NoError(t, err)
	require.Empty(t, list)
	_, err = s.TakeOAuthState(ctx, "st", now())
	require.ErrorIs(t, err, store.ErrNotFound)
	tok, err := s.LoadToken(ctx, "i1")
	require.NoError(t, err)
	require.Nil(t, tok)
	require.ErrorIs(t, s.DeleteIntegration(ctx, "i1"), store.ErrNotFound)
}

func templateInUse(t *testing.T, s store.Store) {
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	require.NoError(t, s.CreateIntegration(ctx, integration("i1")))
	require.ErrorIs(t, s.DeleteTemplate(ctx, "t"), store.ErrInUse)
	require.NoError(t, s.DeleteIntegration(ctx, "i1"))
	require.NoError(t, s.DeleteTemplate(ctx, "t"))
}

func calls(t *testing.T, s store.Store) {
	_, err := s.GetCall(ctx, "c1")
	require.ErrorIs(t, err, store.ErrNotFound)
	// Concurrent updates of one call are serialized: none is lost.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateCall(ctx, "c1", func(data []byte) ([]byte, error) {
				n := 0
				if data != nil {
					fmt.Sscanf(string(data), "%d", &n)
				}
				return []byte(fmt.Sprint(n + 1)), nil
			})
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	data, err := s.GetCall(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, "20", string(data))

	// A failing update changes nothing.
	_, err = s.UpdateCall(ctx, "c1", func([]byte) ([]byte, error) { return nil, errors.New("no") })
	require.Error(t, err)
	data, _ = s.GetCall(ctx, "c1")
	require.Equal(t, "20", string(data))

	links, err := s.UpdateCallLink(ctx, "c1", "i1", func(m map[string]string) { m["TicketId"] = "7" })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"TicketId": "7"}, links)
	_, err = s.UpdateCallLink(ctx, "c1", "i1", func(m map[string]string) { m["ContactId"] = "c" })
	require.NoError(t, err)
	all, err := s.CallLinks(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, map[string]map[string]string{"i1": {"TicketId": "7", "ContactId": "c"}}, all)
}

// listCalls: the list is newest first, filtered on the columns copied
// from each call's JSON, with its links and its runs counted by status.
func listCalls(t *testing.T, s store.Store) {
	put := func(id, ext, number, state string) {
		t.Helper()
		_, err := s.UpdateCall(ctx, id, func([]byte) ([]byte, error) {
			return []byte(fmt.Sprintf(`{"id":%q,"extension":%q,"state":%q,"external":{"number":%q}}`, id, ext, state, number)), nil
		})
		require.NoError(t, err)
	}
	list, err := s.ListCalls(ctx, store.CallFilter{})
	require.NoError(t, err)
	require.Empty(t, list)
	put("a", "1001", "+1 (415) 555-0100", "hangup")
	time.Sleep(2 * time.Millisecond) // created_at is in milliseconds
	put("b", "1002", "+49 30 1234", "ringing")
	time.Sleep(2 * time.Millisecond)
	put("c", "1001", "anonymous", "answered")
	put("a", "1001", "+1 (415) 555-0100", "hangup") // an update keeps its place
	// A row that is only reserved (empty data) is not a call yet.
	_, err = s.UpdateCall(ctx, "d", func([]byte) ([]byte, error) { return nil, errors.New("no") })
	require.Error(t, err)

	ids := func(f store.CallFilter) []string {
		t.Helper()
		list, err := s.ListCalls(ctx, f)
		require.NoError(t, err)
		out := []string{}
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	require.Equal(t, []string{"c", "b", "a"}, ids(store.CallFilter{}))
	require.Equal(t, []string{"c", "a"}, ids(store.CallFilter{Extension: "1001"}))
	require.Equal(t, []string{"a"}, ids(store.CallFilter{Number: "4155550"}))
	require.Equal(t, []string{"a"}, ids(store.CallFilter{Number: "+1 415-555"}))
	require.Equal(t, []string{"c"}, ids(store.CallFilter{Number: "anon"}))
	require.Equal(t, []string{"c"}, ids(store.CallFilter{Number: "AnOn"}), "text matches without regard to case, on every database")
	require.Equal(t, []string{}, ids(store.CallFilter{Number: "%"}))
	require.Equal(t, []string{"b"}, ids(store.CallFilter{State: "ringing"}))
	require.Equal(t, []string{"b"}, ids(store.CallFilter{Limit: 1, Offset: 1}))
	require.Equal(t, []string{}, ids(store.CallFilter{Extension: "1001", State: "ringing"}))

	_, err = s.UpdateCallLink(ctx, "a", "i1", func(m map[string]string) { m["ContactId"] = "17" })
	require.NoError(t, err)
	for i, st := range []string{store.RunFailed, store.RunSucceeded, store.RunFailed} {
		require.NoError(t, s.SaveRun(ctx, &store.Run{ID: fmt.Sprint("ra", i), CallID: "a", IntegrationID: "i1", Step: fmt.Sprint("s", i),
			Scenario: "x", Status: st, CreatedAt: now(), UpdatedAt: now()}))
	}
	list, err = s.ListCalls(ctx, store.CallFilter{Extension: "1001"})
	require.NoError(t, err)
	require.Len(t, list, 2)
	a := list[1]
	require.Equal(t, "a", a.ID)
	require.JSONEq(t, `{"id":"a","extension":"1001","state":"hangup","external":{"number":"+1 (415) 555-0100"}}`, string(a.Data))
	require.Equal(t, map[string]map[string]string{"i1": {"ContactId": "17"}}, a.Links)
	require.Equal(t, map[string]int{store.RunFailed: 2, store.RunSucceeded: 1}, a.Steps)
	require.False(t, a.CreatedAt.IsZero())
	require.Empty(t, list[0].Links)
	require.Empty(t, list[0].Steps)
}

func runs(t *testing.T, s store.Store) {
	_, err := s.GetRunByStep(ctx, "c1", "i1", "journal")
	require.ErrorIs(t, err, store.ErrNotFound)
	r := &store.Run{ID: "r1", CallID: "c1", IntegrationID: "i1", Step: "journal", Scenario: "CallJournal", Status: store.RunFailed,
		Attempts: 1, LastError: "HTTP 503", Trace: []byte(`[{"status":503}]`), Outputs: map[string]string{}, JobID: 9, CreatedAt: now(), UpdatedAt: now()}
	require.NoError(t, s.SaveRun(ctx, r))
	r.Status, r.Attempts, r.LastError, r.Outputs = store.RunSucceeded, 2, "", map[string]string{"x": "1"}
	require.NoError(t, s.SaveRun(ctx, r))
	got, err := s.GetRunByStep(ctx, "c1", "i1", "journal")
	require.NoError(t, err)
	require.Equal(t, r, got)
	got, err = s.GetRun(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, 2, got.Attempts)
	require.NoError(t, s.SaveRun(ctx, &store.Run{ID: "r2", CallID: "c2", IntegrationID: "i1", Step: "lookup", Scenario: "SyncContactAuto",
		Status: store.RunFailed, CreatedAt: now(), UpdatedAt: now()}))
	failed, err := s.ListRuns(ctx, store.RunFilter{Status: store.RunFailed})
	require.NoError(t, err)
	require.Len(t, failed, 1)
	require.Equal(t, "r2", failed[0].ID)
	ofCall, err := s.ListRuns(ctx, store.RunFilter{CallID: "c1"})
	require.NoError(t, err)
	require.Len(t, ofCall, 1)
}

// A step's result is saved with what it learned, merged into the link,
// and the contacts it found, together.
func stepResults(t *testing.T, s store.Store) {
	_, err := s.UpdateCall(ctx, "c1", func([]byte) ([]byte, error) { return []byte(`{"id":"c1"}`), nil })
	require.NoError(t, err)
	_, err = s.UpdateCallLink(ctx, "c1", "i1", func(m map[string]string) { m["CrmId"] = "361"; m["ContactId"] = "old" })
	require.NoError(t, err)
	r := &store.Run{ID: "r1", CallID: "c1", IntegrationID: "i1", Step: "lookup", Scenario: "SyncContactAuto", Status: store.RunSucceeded,
		Attempts: 1, Trace: []byte(`[]`), Outputs: map[string]string{"ContactId": "17"}, CreatedAt: now(), UpdatedAt: now()}
	link, err := s.SaveStepResult(ctx, store.StepResult{Run: r, Learned: map[string]string{"ContactId": "17", "Quote": `Ann "the caller"`},
		Contacts: []store.GroupContact{{IntegrationID: "i1", ContactType: "contacts", ContactID: "17", NumberKey: "14155550100", Data: []byte(`{"id":"17"}`)}}})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"CrmId": "361", "ContactId": "17", "Quote": `Ann "the caller"`}, link)
	links, err := s.CallLinks(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, link, links["i1"], "the link as stored is the one returned")
	got, err := s.GetRunByStep(ctx, "c1", "i1", "lookup")
	require.NoError(t, err)
	require.Equal(t, r, got)
	found, err := s.FindGroupContacts(ctx, "i1", "14155550100")
	require.NoError(t, err)
	require.Len(t, found, 1)

	// Nothing learned: the run alone, and no link back.
	r2 := &store.Run{ID: "r2", CallID: "c1", IntegrationID: "i2", Step: "journal", Scenario: "CallJournal", Status: store.RunFailed,
		Attempts: 1, LastError: "HTTP 503", Outputs: map[string]string{}, CreatedAt: now(), UpdatedAt: now()}
	link, err = s.SaveStepResult(ctx, store.StepResult{Run: r2})
	require.NoError(t, err)
	require.Nil(t, link)
	links, err = s.CallLinks(ctx, "c1")
	require.NoError(t, err)
	require.NotContains(t, links, "i2")

	// A job's inputs in one read: the call, this integration's runs and
	// link, and the call's extension.
	require.NoError(t, s.PutExtension(ctx, store.Extension{Number: "1001", FirstName: "Dana"}))
	_, err = s.UpdateCall(ctx, "c1", func([]byte) ([]byte, error) { return []byte(`{"id":"c1","extension":"1001"}`), nil })
	require.NoError(t, err)
	w, err := s.CallWork(ctx, "c1", "i1", nil)
	require.NoError(t, err)
	require.True(t, w.Leased)
	require.JSONEq(t, `{"id":"c1","extension":"1001"}`, string(w.Call))
	require.Len(t, w.Runs, 1)
	require.Equal(t, r, w.Runs[0])
	require.Equal(t, links["i1"], w.Link)
	require.Equal(t, &store.Extension{Number: "1001", FirstName: "Dana"}, w.Extension)
	revs, err := s.Revisions(ctx, "i1")
	if errors.Is(err, store.ErrNotFound) {
		require.Nil(t, w.Revisions)
	} else {
		require.NoError(t, err)
		require.Equal(t, &revs, w.Revisions)
	}
	w, err = s.CallWork(ctx, "c1", "i3", nil)
	require.NoError(t, err)
	require.Empty(t, w.Runs)
	require.Nil(t, w.Link)
	_, err = s.CallWork(ctx, "nope", "i1", nil)
	require.ErrorIs(t, err, store.ErrNotFound)
	// The revisions of an integration that exists, on a call of an
	// extension not known: read in the call's row, each missing part is nil.
	require.NoError(t, s.CreateTemplate(ctx, tmpl("t", "k", false), 10))
	require.NoError(t, s.CreateIntegration(ctx, integration("i9")))
	setExtension := func(ext string) {
		_, err := s.UpdateCall(ctx, "c1", func([]byte) ([]byte, error) { return []byte(`{"id":"c1","extension":"` + ext + `"}`), nil })
		require.NoError(t, err)
	}
	setExtension("2002")
	w, err = s.CallWork(ctx, "c1", "i9", nil)
	require.NoError(t, err)
	revs, err = s.Revisions(ctx, "i9")
	require.NoError(t, err)
	require.Equal(t, &revs, w.Revisions)
	require.Nil(t, w.Extension)
	require.Nil(t, w.Link)
	setExtension("1001")

	// With the work's lease: taken in the same round trip, and when
	// another job holds it, nothing is read.
	t0 := now()
	lease := &store.WorkLease{Key: "call:c1:i1", Owner: "job:1", Now: t0, TTL: time.Minute}
	w, err = s.CallWork(ctx, "c1", "i1", lease)
	require.NoError(t, err)
	require.True(t, w.Leased)
	require.JSONEq(t, `{"id":"c1","extension":"1001"}`, string(w.Call))
	w, err = s.CallWork(ctx, "c1", "i1", &store.WorkLease{Key: "call:c1:i1", Owner: "job:2", Now: t0, TTL: time.Minute})
	require.NoError(t, err)
	require.Equal(t, &store.CallWork{}, w)
	require.NoError(t, s.ReleaseLeases(ctx, []store.HeldLease{{Key: lease.Key, Owner: lease.Owner}}))
	w, err = s.CallWork(ctx, "c1", "i1", &store.WorkLease{Key: "call:c1:i1", Owner: "job:2", Now: t0, TTL: time.Minute})
	require.NoError(t, err)
	require.True(t, w.Leased)
	require.Len(t, w.Runs, 1)
	require.Empty(t, w.GroupKey, "the call has no number")
	require.Empty(t, w.Group)

	// The contact group's entries of the call's number, read ahead.
	_, err = s.UpdateCall(ctx, "c2", func([]byte) ([]byte, error) {
		return []byte(`{"id":"c2","external":{"number":"+1 (415) 555-0100"}}`), nil
	})
	require.NoError(t, err)
	require.NoError(t, s.PutGroupContacts(ctx, []store.GroupContact{
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "9", NumberKey: "14155550100", Data: []byte(`{"FirstName":"Bo"}`)},
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "17", NumberKey: "14155550100", Data: []byte(`{"FirstName":"Ann"}`)},
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "18", NumberKey: "14155550199", Data: []byte(`{}`)},
		{IntegrationID: "i2", ContactType: "contacts", ContactID: "19", NumberKey: "14155550100", Data: []byte(`{}`)},
	}))
	w, err = s.CallWork(ctx, "c2", "i1", nil)
	require.NoError(t, err)
	require.Equal(t, "14155550100", w.GroupKey)
	want, err := s.FindGroupContacts(ctx, "i1", "14155550100")
	require.NoError(t, err)
	require.Len(t, want, 2)
	require.Equal(t, want, w.Group)
}

func groupContacts(t *testing.T, s store.Store) {
	require.NoError(t, s.PutGroupContacts(ctx, []store.GroupContact{
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "17", NumberKey: "14155550100", Data: []byte(`{"FirstName":"Ann"}`)},
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "17", NumberKey: "14155550101", Data: []byte(`{"FirstName":"Ann"}`)},
	}))
	require.NoError(t, s.PutGroupContacts(ctx, []store.GroupContact{
		{IntegrationID: "i1", ContactType: "contacts", ContactID: "17", NumberKey: "14155550100", Data: []byte(`{"FirstName":"Ann B"}`)},
	}))
	found, err := s.FindGroupContacts(ctx, "i1", "14155550100")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.JSONEq(t, `{"FirstName":"Ann B"}`, string(found[0].Data))
	none, err := s.FindGroupContacts(ctx, "i2", "14155550100")
	require.NoError(t, err)
	require.Empty(t, none)
}

func leases(t *testing.T, s store.Store) {
	t0 := now()
	ok, err := s.TryLease(ctx, "call:i1", "w1", t0, time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.TryLease(ctx, "call:i1", "w2", t0, time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "held by w1")
	ok, err = s.TryLease(ctx, "call:i1", "w1", t0, time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "w1 may renew")
	ok, err = s.TryLease(ctx, "call:i1", "w2", t0.Add(2*time.Minute), time.Minute)
	require.NoError(t, err)
	require.True(t, ok, "an expired lease can be taken")
	require.NoError(t, s.ReleaseLease(ctx, "call:i1", "w1"), "releasing a lease one lost changes nothing")
	ok, _ = s.TryLease(ctx, "call:i1", "w1", t0.Add(2*time.Minute), time.Minute)
	require.False(t, ok)
	require.NoError(t, s.ReleaseLease(ctx, "call:i1", "w2"))
	ok, _ = s.TryLease(ctx, "call:i1", "w1", t0.Add(2*time.Minute), time.Minute)
	require.True(t, ok)

	// Many at once; a lease another owner holds stays.
	for _, k := range []string{"a", "b", "c"} {
		ok, err := s.TryLease(ctx, "many:"+k, "w1", t0, time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
	}
	require.NoError(t, s.ReleaseLeases(ctx, nil))
	require.NoError(t, s.ReleaseLeases(ctx, []store.HeldLease{{Key: "many:a", Owner: "w1"}, {Key: "many:b", Owner: "w1"}, {Key: "many:c", Owner: "w9"}}))
	for k, free := range map[string]bool{"a": true, "b": true, "c": false} {
		ok, err := s.TryLease(ctx, "many:"+k, "w2", t0, time.Minute)
		require.NoError(t, err)
		require.Equal(t, free, ok, k)
	}
}

func requestSlots(t *testing.T, s store.Store) {
	t0 := now()
	for _, owner := range []string{"a", "b"} {
		ok, err := s.TryRequestSlot(ctx, "i1", 2, owner, t0, time.Minute)
		require.NoError(t, err)
		require.True(t, ok, owner)
	}
	ok, err := s.TryRequestSlot(ctx, "i1", 2, "c", t0, time.Minute)
	require.NoError(t, err)
	require.False(t, ok, "both slots are held")
	ok, _ = s.TryRequestSlot(ctx, "i2", 2, "c", t0, time.Minute)
	require.True(t, ok, "other integrations have their own slots")
	require.NoError(t, s.ReleaseRequestSlot(ctx, "i1", "a"))
	ok, _ = s.TryRequestSlot(ctx, "i1", 2, "c", t0, time.Minute)
	require.True(t, ok, "a released slot is free")
	ok, _ = s.TryRequestSlot(ctx, "i1", 2, "d", t0.Add(2*time.Minute), time.Minute)
	require.True(t, ok, "an expired slot is free")

	// However many take at once, at most n hold a slot.
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.TryRequestSlot(ctx, "race", 3, fmt.Sprint("o", i), t0, time.Minute)
			require.NoError(t, err)
			if ok {
				mu.Lock()
				held++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 3, held)
}
