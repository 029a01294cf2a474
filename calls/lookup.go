package calls

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/scenarios"
	"github.com/switchboard/switchboard/store"
)

// lookup finds the caller: in the local contact group first unless
// "always query" is on, then in the helpdesk, keeping what it finds in the
// group.
func (r *stepRun) lookup(ctx context.Context) (map[string]string, *engine.Result, error) {
	step := r.step
	key := scenarios.Digits(r.call.External.Number)
	cs := r.conn.Settings.ContactSync
	if always := cs != nil && cs.AlwaysQuery; !always && key != "" {
		found, err := r.groupContacts(ctx, key)
		if err != nil {
			return nil, nil, err
		}
		for _, g := range found {
			var c scenarios.Contact
			if json.Unmarshal(g.Data, &c) == nil && (len(step.Requests) == 0 || slices.Contains(step.Requests, c.Type)) {
				out := contactVars(c)
				out["ContactFrom"] = "group"
				return out, &engine.Result{Scenario: step.Scenario, Vars: out, Trace: []engine.Exchange{}}, nil
			}
		}
	}
	contacts, res := scenarios.LookupContacts(ctx, r.conn.Client, r.vars, step.Requests)
	if res.Err != nil {
		return nil, res, res.Err
	}
	r.contacts = groupEntries(r.in.ID, contacts) // saved with the step's result
	if len(contacts) == 0 {
		return map[string]string{"ContactCount": "0"}, res, nil
	}
	out := contactVars(contacts[0])
	out["ContactCount"] = strconv.Itoa(len(contacts))
	out["ContactFrom"] = "helpdesk"
	return out, res, nil
}

// groupContacts are the group's entries under key: read ahead with the
// job's inputs the first time (when the stored call's key is the same),
// from the store after.
func (r *stepRun) groupContacts(ctx context.Context, key string) ([]store.GroupContact, error) {
	if g := r.group; g != nil {
		r.group = nil
		if g.key == key {
			return g.contacts, nil
		}
	}
	return r.s.store.FindGroupContacts(ctx, r.in.ID, key)
}

// groupEntries are the local group's entries of found contacts: one per
// distinct phone number of each.
func groupEntries(integrationID string, contacts []scenarios.Contact) []store.GroupContact {
	var group []store.GroupContact
	for _, c := range contacts {
		data, _ := json.Marshal(c) // a contact of strings always marshals
		seen := map[string]bool{}
		for name, v := range c.Values {
			if !isPhoneOutput(name) || scenarios.Digits(v) == "" || seen[scenarios.Digits(v)] {
				continue
			}
			seen[scenarios.Digits(v)] = true
			group = append(group, store.GroupContact{IntegrationID: integrationID, ContactType: c.Type, ContactID: c.Values["ContactsId"], NumberKey: scenarios.Digits(v), Data: data})
		}
	}
	return group
}

// contactVars are the variables a found contact gives the call's later
// steps.
func contactVars(c scenarios.Contact) map[string]string {
	out := map[string]string{"ContactId": c.Values["ContactsId"], "ContactSyncType": c.Type, "ContactUrl": c.URL}
	for _, k := range []string{"FirstName", "LastName", "Company", "Email"} {
		if v := c.Values[k]; v != "" {
			out[k] = v
		}
	}
	return out
}

func isPhoneOutput(name string) bool {
	switch name {
	case "BusinessNumber", "BusinessNumber2", "BusinessFaxNumber", "MobileNumber", "MobileNumber2",
		"HomeNumber", "HomeNumber2", "HomeFaxNumber", "OtherNumber":
		return true
	}
	return false
}
