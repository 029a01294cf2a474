package scenarios

import (
	"slices"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Offer is what a template lets an integration's settings choose: the
// features it has, with their choices, for the form an admin fills in.
// ValidateSettings is the rule; Offer only says what it accepts.
type Offer struct {
	// ContactSync is offered when the template looks contacts up;
	// ContactTypes are the types it looks up (SyncContactAuto's requests).
	ContactSync  bool
	ContactTypes []string
	// ContactCreation, with the types the template creates.
	ContactCreation bool
	CreatableTypes  []string
	// Ticket and CallJournal are nil when the template does not offer them.
	Ticket      *TextsOffer
	CallJournal *TextsOffer
	// PlayRecording: the journal can carry the call's recording.
	PlayRecording bool
	// ChatJournal is nil when the template does not journal chats.
	ChatJournal *TextsOffer
	// The call types a ticket is made for, before or after the call, and
	// the moments a screen pop can show.
	BeforeCallTypes, AfterCallTypes, PopTriggers []string
}

// TextsOffer is a feature's subject and description: the template's own
// and whether the settings may change them.
type TextsOffer struct {
	Subject, Description         string
	EditSubject, EditDescription bool
}

// Offered says what settings the template c can take.
func Offered(c *engine.Template) Offer {
	src := c.Source
	o := Offer{
		BeforeCallTypes: slices.Clone(beforeCallTypes), AfterCallTypes: slices.Clone(afterCallTypes),
		PopTriggers: slices.Clone(popTriggers), ContactTypes: []string{}, CreatableTypes: []string{},
	}
	if sc := c.Scenario(templates.ScenarioSyncContact); sc != nil {
		o.ContactSync, o.ContactTypes = true, sc.RequestNames()
	}
	offers := func(attr, scenario string) bool {
		return src.Root.AttrValue(attr) == "1" && c.Scenario(scenario) != nil
	}
	if offers("CreateNewContact", templates.ScenarioCreateContact) {
		o.ContactCreation, o.CreatableTypes = true, c.Scenario(templates.ScenarioCreateContact).RequestNames()
	}
	texts := func(scenario string) *TextsOffer {
		sc := src.Scenario(scenario)
		if sc == nil {
			return &TextsOffer{EditSubject: true, EditDescription: true}
		}
		return &TextsOffer{Subject: sc.ParamValue("Subject"), Description: sc.ParamValue("Description"),
			EditSubject: sc.ParamValue("EnableSubject") != "0", EditDescription: sc.ParamValue("EnableDescription") != "0"}
	}
	if offers("CreateNewTicket", templates.ScenarioCreateTicket) {
		o.Ticket = texts(templates.ScenarioCreateTicket)
	}
	if offers("CallJournal", templates.ScenarioCallJournal) {
		o.CallJournal = texts(templates.ScenarioCallJournal)
		sc := src.Scenario(templates.ScenarioCallJournal)
		o.PlayRecording = sc == nil || sc.ParamValue("EnablePlayCallRecording") != "0"
	}
	// Chat journaling needs only the scenario: ChatJournal="1" is not a
	// Yeastar switch, so a template is not required to set it.
	if c.Scenario(templates.ScenarioChatJournal) != nil {
		o.ChatJournal = texts(templates.ScenarioChatJournal)
	}
	return o
}
