package scenarios

import (
	"context"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Contact is one contact found in the helpdesk, with the page to open for
// it (the screen-pop URL).
type Contact struct {
	Type   string            `json:"type"` // the contact type: the lookup request's name
	Values map[string]string `json:"values"`
	URL    string            `json:"url"`
}

// contactURLOutput carries ContactFieldForUri through a run.
const contactURLOutput = "__ContactUrl"

// LookupContacts finds the contacts with a number through SyncContactAuto,
// in the given contact types (all when empty). vars must hold Phone.
func LookupContacts(ctx context.Context, c *engine.Client, vars engine.Vars, types []string) ([]Contact, *engine.Result) {
	return findContacts(ctx, c, templates.ScenarioSyncContact, vars, types)
}

// SearchContacts finds contacts by free text through SearchContact (its
// requests are SearchContact_<type>), in the given types (all when empty).
func SearchContacts(ctx context.Context, c *engine.Client, query string, vars engine.Vars, types []string) ([]Contact, *engine.Result) {
	v := engine.Vars{}
	for k, x := range vars {
		v[k] = x
	}
	v["SearchValue"] = query
	var reqs []string
	for _, t := range types {
		reqs = append(reqs, templates.SearchContactRequestPref+t)
	}
	return findContacts(ctx, c, templates.ScenarioSearchContact, v, reqs)
}

func findContacts(ctx context.Context, c *engine.Client, scenario string, vars engine.Vars, requests []string) ([]Contact, *engine.Result) {
	t := c.Template()
	sc := t.Scenario(scenario)
	if sc == nil {
		return nil, &engine.Result{Scenario: scenario, Err: fmt.Errorf("%w: the template has no %s scenario", engine.ErrNoScenario, scenario),
			Error: "the template has no " + scenario + " scenario"}
	}
	if len(requests) > 0 {
		// Only the types the scenario has: settings may name types of the
		// lookup that the search does not offer.
		var keep []string
		for _, r := range requests {
			if sc.Request(r) != nil {
				keep = append(keep, r)
			}
		}
		if len(keep) == 0 {
			return nil, &engine.Result{Scenario: scenario, Rows: []engine.Row{}, Vars: engine.Vars{}, Trace: []engine.Exchange{}}
		}
		requests = keep
	}
	// The screen-pop settings live on SyncContactAuto for both scenarios.
	pop := t.Scenario(templates.ScenarioSyncContact)
	opts := engine.RunOptions{Requests: requests}
	urlType := ""
	if pop != nil {
		urlType = strings.TrimSpace(pop.Setting("ContactUrlType"))
		if urlType == "retrieve_from_contact" {
			opts.ExtraOutputs = []engine.Output{{Name: contactURLOutput, Path: templates.NormalizePath(pop.Setting("ContactFieldForUri"))}}
		}
	}
	res := c.Run(ctx, scenario, vars, opts)
	contacts := make([]Contact, 0, len(res.Rows))
	for i := range res.Rows {
		row := &res.Rows[i]
		ct := Contact{Type: strings.TrimPrefix(row.Request, templates.SearchContactRequestPref), Values: row.Values}
		switch urlType {
		case "retrieve_from_contact":
			ct.URL = row.Values[contactURLOutput]
			delete(row.Values, contactURLOutput)
		case "specify_url_format", "":
			if pop != nil {
				ct.URL = renderContactURL(pop, c.Vars(), vars, ct)
			}
		}
		contacts = append(contacts, ct)
	}
	delete(res.Vars, contactURLOutput)
	return contacts, res
}

// renderContactURL renders the URLFormat setting for one contact: the
// contact's values, ContactId and ContactSyncType over the call's variables.
func renderContactURL(pop *engine.Scenario, base, vars engine.Vars, ct Contact) string {
	text := pop.Text("URLFormat")
	if text == nil {
		return ""
	}
	found := engine.Vars{"ContactId": ct.Values["ContactsId"], "ContactSyncType": ct.Type}
	for k, x := range ct.Values {
		if _, set := found[k]; !set && x != "" {
			found[k] = x
		}
	}
	u, err := text.RenderLayers(base, vars, found)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(u)
}

// ContactURL is the page of a contact known by its values (a created one,
// say) when the template formats contact URLs (ContactUrlType
// specify_url_format); "" when it reads them from the contact instead or
// has no SyncContactAuto.
func ContactURL(c *engine.Client, vars engine.Vars, ct Contact) string {
	pop := c.Template().Scenario(templates.ScenarioSyncContact)
	if pop == nil {
		return ""
	}
	if t := strings.TrimSpace(pop.Setting("ContactUrlType")); t != "" && t != "specify_url_format" {
		return ""
	}
	return renderContactURL(pop, c.Vars(), vars, ct)
}
