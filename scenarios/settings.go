package scenarios

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Settings are an integration's feature choices (DESIGN §9).
type Settings struct {
	ContactSync *struct {
		Enabled      bool     `json:"enabled"`
		ContactTypes []string `json:"contactTypes,omitempty"` // empty: every type the template looks up
		AlwaysQuery  bool     `json:"alwaysQuery"`
	} `json:"contactSync,omitempty"`
	ContactCreation *struct {
		Enabled     bool     `json:"enabled"`
		ContactType string   `json:"contactType"`
		Mode        string   `json:"mode"`                // auto or manual
		CallTypes   []string `json:"callTypes,omitempty"` // auto: inbound, outbound
	} `json:"contactCreation,omitempty"`
	Ticket *struct {
		Enabled     bool     `json:"enabled"`
		When        string   `json:"when"` // beforeCall or afterCall
		CallTypes   []string `json:"callTypes,omitempty"`
		Subject     string   `json:"subject,omitempty"`
		Description string   `json:"description,omitempty"`
	} `json:"ticket,omitempty"`
	CallJournal *struct {
		Enabled       bool   `json:"enabled"`
		Subject       string `json:"subject,omitempty"`
		Description   string `json:"description,omitempty"`
		PlayRecording bool   `json:"playRecording"`
	} `json:"callJournal,omitempty"`
	// ChatJournal writes the transcripts of messaging sessions answered
	// by an agent bound to this integration (UserAssociation) through
	// its ChatJournal scenario, when a session closes and, with Every,
	// every that many messages.
	ChatJournal *ChatJournalSettings `json:"chatJournal,omitempty"`
	ScreenPop   *struct {
		Trigger string `json:"trigger"` // ringing, answered, hangup or manual
	} `json:"screenPop,omitempty"`
	// Numbers is how the caller's number is written for the helpdesk:
	// Phone, ContactNumber, BusinessNumber and the caller's (or callee's)
	// number; RawPhone keeps it as the PBX gave it.
	Numbers *NumberFormat `json:"numbers,omitempty"`
	// ScenarioParameters fill in CustomScenarioParameters, per scenario.
	ScenarioParameters map[string]map[string]string `json:"scenarioParameters,omitempty"`
}

var (
	beforeCallTypes = []string{"inbound", "outbound"}
	afterCallTypes  = []string{"inboundAnswered", "inboundMissed", "outboundAnswered", "outboundUnanswered"}
	popTriggers     = []string{"ringing", "answered", "hangup", "manual"}
)

// ValidateSettings checks settings against what the template offers and
// returns every problem.
func ValidateSettings(st *Settings, c *engine.Template) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	src := c.Source
	requests := func(id string) []string {
		if sc := c.Scenario(id); sc != nil {
			return sc.RequestNames()
		}
		return nil
	}
	feature := func(name, attr, scenario string, on bool) bool {
		if !on {
			return false
		}
		if attr != "" && src.Root.AttrValue(attr) != "1" {
			add("%s: the template does not offer it (%s=%q)", name, attr, src.Root.AttrValue(attr))
			return false
		}
		if c.Scenario(scenario) == nil {
			add("%s: the template has no %s scenario", name, scenario)
			return false
		}
		return true
	}
	texts := func(name, scenario, subject, description string) {
		sc := src.Scenario(scenario)
		for field, v := range map[string]string{"subject": subject, "description": description} {
			if v == "" {
				continue
			}
			enable := "EnableSubject"
			if field == "description" {
				enable = "EnableDescription"
			}
			if sc != nil && sc.ParamValue(enable) == "0" {
				add("%s.%s: the template does not let the %s be changed (%s=0)", name, field, field, enable)
			}
			if _, err := engine.CompileText(v, engine.FuncMap(nil)); err != nil {
				add("%s.%s: %v", name, field, err)
			}
		}
	}
	if cs := st.ContactSync; cs != nil && feature("contactSync", "", templates.ScenarioSyncContact, cs.Enabled) {
		for _, t := range cs.ContactTypes {
			if !slices.Contains(requests(templates.ScenarioSyncContact), t) {
				add("contactSync.contactTypes: %q is not a contact type of the template (%s)", t, strings.Join(requests(templates.ScenarioSyncContact), ", "))
			}
		}
	}
	if cc := st.ContactCreation; cc != nil && feature("contactCreation", "CreateNewContact", templates.ScenarioCreateContact, cc.Enabled) {
		if !slices.Contains(requests(templates.ScenarioCreateContact), cc.ContactType) {
			add("contactCreation.contactType: %q is not one the template creates (%s)", cc.ContactType, strings.Join(requests(templates.ScenarioCreateContact), ", "))
		}
		switch cc.Mode {
		case "manual":
		case "auto":
			if len(cc.CallTypes) == 0 {
				add("contactCreation.callTypes: automatic creation needs inbound and/or outbound")
			}
			for _, t := range cc.CallTypes {
				if !slices.Contains(beforeCallTypes, t) {
					add("contactCreation.callTypes: %q is not inbound or outbound", t)
				}
			}
		default:
			add("contactCreation.mode: %q is not auto or manual", cc.Mode)
		}
	}
	if tk := st.Ticket; tk != nil && feature("ticket", "CreateNewTicket", templates.ScenarioCreateTicket, tk.Enabled) {
		allowed := map[string][]string{"beforeCall": beforeCallTypes, "afterCall": afterCallTypes}[tk.When]
		if allowed == nil {
			add("ticket.when: %q is not beforeCall or afterCall", tk.When)
		}
		if len(tk.CallTypes) == 0 {
			add("ticket.callTypes: say which calls get a ticket")
		}
		for _, t := range tk.CallTypes {
			if allowed != nil && !slices.Contains(allowed, t) {
				add("ticket.callTypes: %q is not one of %s for %s", t, strings.Join(allowed, ", "), tk.When)
			}
		}
		texts("ticket", templates.ScenarioCreateTicket, tk.Subject, tk.Description)
	}
	if cj := st.CallJournal; cj != nil && feature("callJournal", "CallJournal", templates.ScenarioCallJournal, cj.Enabled) {
		texts("callJournal", templates.ScenarioCallJournal, cj.Subject, cj.Description)
		if sc := src.Scenario(templates.ScenarioCallJournal); cj.PlayRecording && sc != nil && sc.ParamValue("EnablePlayCallRecording") == "0" {
			add("callJournal.playRecording: the template does not offer recording playback (EnablePlayCallRecording=0)")
		}
	}
	if cj := st.ChatJournal; cj != nil && feature("chatJournal", "", templates.ScenarioChatJournal, cj.Enabled) {
		texts("chatJournal", templates.ScenarioChatJournal, cj.Subject, cj.Description)
		if cj.Every < 0 || cj.Every > MaxChatJournalEvery {
			add("chatJournal.every: %d is not between 0 (only when the session closes) and %d", cj.Every, MaxChatJournalEvery)
		}
		if cj.CreateContact && src.Scenario(templates.ScenarioCreateContact) == nil {
			add("chatJournal.createContact: the template has no %s scenario", templates.ScenarioCreateContact)
		}
	}
	if nf := st.Numbers; nf != nil {
		p = append(p, nf.problems("numbers")...)
	}
	if sp := st.ScreenPop; sp != nil && !slices.Contains(popTriggers, sp.Trigger) {
		add("screenPop.trigger: %q is not one of %s", sp.Trigger, strings.Join(popTriggers, ", "))
	}
	for scenario, params := range st.ScenarioParameters {
		sc := src.Scenario(scenario)
		if sc == nil {
			add("scenarioParameters.%s: the template has no such scenario", scenario)
			continue
		}
		var names []string
		for _, q := range sc.ParamsByFather(templates.FatherScenarioSetting) {
			names = append(names, q.Name)
		}
		for name := range params {
			if !slices.Contains(names, name) {
				add("scenarioParameters.%s.%s: the scenario has no such CustomScenarioParameter (it has: %s)", scenario, name, strings.Join(names, ", "))
			}
		}
	}
	slices.Sort(p)
	return p
}

// ParseSettings reads stored settings (validated on the way in).
func ParseSettings(raw []byte) Settings {
	var st Settings
	_ = json.Unmarshal(raw, &st)
	return st
}
