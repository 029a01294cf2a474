package integrations

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/templates"
)

// The helpdesk users of an integration and the extensions bound to them:
// a call on an extension is worked by the integrations with a user bound
// to it, as that user.

// SyncUsers reads the helpdesk's users through UserAssociation (every
// page) and keeps them; the users that remain keep their bindings. It
// returns the users as stored and how many pages were read. A template
// without UserAssociation is a *NoScenarioError; a failed page a
// *RemoteError with the trace of every page read.
func (rt *Runtime) SyncUsers(ctx context.Context, in *store.Integration) ([]store.HelpdeskUser, int, error) {
	client, err := rt.Client(ctx, in)
	if err != nil {
		return nil, 0, err
	}
	users, results, err := scenarios.SyncUsers(ctx, client, nil)
	if errors.Is(err, engine.ErrNoScenario) {
		return nil, 0, &NoScenarioError{Scenario: templates.ScenarioUserAssociation}
	}
	if err != nil {
		var trace []engine.Exchange
		for _, res := range results {
			trace = append(trace, res.Trace...)
		}
		return nil, 0, &RemoteError{Op: "syncing users", Err: err, Trace: trace}
	}
	list := make([]store.HelpdeskUser, 0, len(users))
	for _, u := range users {
		list = append(list, store.HelpdeskUser{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email})
	}
	if err := rt.store.ReplaceUsers(ctx, in.ID, list); err != nil {
		return nil, 0, err
	}
	stored, err := rt.store.ListUsers(ctx, in.ID)
	if err != nil {
		return nil, 0, err
	}
	return stored, len(results), nil
}

// Binding is an extension bound to a helpdesk user.
type Binding struct{ UserID, Extension string }

// Autobind binds each helpdesk user to the extensions with the same
// e-mail address (case-insensitive) that no user is bound to yet; existing
// bindings stay as they are. It returns the bindings it made.
func (rt *Runtime) Autobind(ctx context.Context, in *store.Integration) ([]Binding, error) {
	users, err := rt.store.ListUsers(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	exts, err := rt.store.ListExtensions(ctx)
	if err != nil {
		return nil, err
	}
	bound := map[string]bool{}
	for _, u := range users {
		for _, e := range u.Extensions {
			bound[e] = true
		}
	}
	var made []Binding
	for _, u := range users {
		email := normalEmail(u.Email)
		if email == "" {
			continue
		}
		add := slices.Clone(u.Extensions)
		for _, e := range exts {
			if bound[e.Number] || normalEmail(e.Email) != email {
				continue
			}
			add = append(add, e.Number)
			bound[e.Number] = true
			made = append(made, Binding{u.UserID, e.Number})
		}
		if len(add) != len(u.Extensions) {
			if err := rt.store.SetUserExtensions(ctx, in.ID, u.UserID, add); err != nil {
				return nil, err
			}
		}
	}
	return made, nil
}

func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// BindProblem is why a binding was refused.
type BindProblem int

// The problems of a binding.
const (
	// UnknownUser: the user is not among the synced ones.
	UnknownUser BindProblem = iota + 1
	// UnknownExtension: no such extension exists.
	UnknownExtension
	// ExtensionTaken: another user of the integration has the extension.
	ExtensionTaken
)

// BindError is a binding refused, with what was wrong.
type BindError struct {
	Problem   BindProblem
	UserID    string // the user being bound
	Extension string // the extension refused (UnknownExtension, ExtensionTaken)
	BoundTo   string // the user who has it (ExtensionTaken)
}

func (e *BindError) Error() string {
	switch e.Problem {
	case UnknownUser:
		return "helpdesk user " + e.UserID + " not found (sync the users first)"
	case UnknownExtension:
		return "extension " + e.Extension + " does not exist"
	default:
		return "extension " + e.Extension + " is already bound to user " + e.BoundTo
	}
}

// BindUser sets the extensions a helpdesk user is bound to, replacing the
// ones it had. The user must have been synced, and each extension must
// exist and be bound to no other user of the integration (a call on it
// would otherwise be worked as two people); a *BindError says which.
func (rt *Runtime) BindUser(ctx context.Context, in *store.Integration, userID string, extensions []string) (store.HelpdeskUser, error) {
	users, err := rt.store.ListUsers(ctx, in.ID)
	if err != nil {
		return store.HelpdeskUser{}, err
	}
	if !slices.ContainsFunc(users, func(u store.HelpdeskUser) bool { return u.UserID == userID }) {
		return store.HelpdeskUser{}, &BindError{Problem: UnknownUser, UserID: userID}
	}
	for _, e := range extensions {
		if _, err := rt.store.GetExtension(ctx, e); errors.Is(err, store.ErrNotFound) {
			return store.HelpdeskUser{}, &BindError{Problem: UnknownExtension, UserID: userID, Extension: e}
		} else if err != nil {
			return store.HelpdeskUser{}, err
		}
		for _, u := range users {
			if u.UserID != userID && slices.Contains(u.Extensions, e) {
				return store.HelpdeskUser{}, &BindError{Problem: ExtensionTaken, UserID: userID, Extension: e, BoundTo: u.UserID}
			}
		}
	}
	if err := rt.store.SetUserExtensions(ctx, in.ID, userID, extensions); err != nil {
		return store.HelpdeskUser{}, err
	}
	list, err := rt.store.ListUsers(ctx, in.ID)
	if err != nil {
		return store.HelpdeskUser{}, err
	}
	for _, u := range list {
		if u.UserID == userID {
			return u, nil
		}
	}
	// A sync removed the user between the check and now.
	return store.HelpdeskUser{}, &BindError{Problem: UnknownUser, UserID: userID}
}
