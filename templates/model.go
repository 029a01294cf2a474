package templates

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Template is a parsed integration template: a typed view over the XML
// document. The document itself (Doc) stays the source of truth for
// write-back, so elements and attributes Switchboard does not model survive
// a round trip.
type Template struct {
	File string
	Doc  *etree.Document
	Root *Node

	Provider  string // crm, helpdesk, sms or messaging
	Name      string
	Key       string // unique id of the template
	Logo      string
	Remark    string
	Version   string
	AuthType  string // none, basic, oauth2 or bearertoken
	MaxConcur string // MaxConcurrentRequest as written; see MaxConcurrentRequest

	UserAssociation  bool
	CallJournal      bool
	ChatJournal      bool
	CreateNewContact bool
	CreateNewTicket  bool

	Parameters []*Parameter // root-level parameters (rarely used)
	Scenarios  []*Scenario
}

// Scenario is one <Scenario Id Type>.
type Scenario struct {
	Node       *Node
	ID         string
	Type       string
	Parameters []*Parameter
	Requests   []*Request
}

// Parameter is one <Parameter>, in any of its roles (scenario setting, custom
// field, header, body, token error map, auth option).
type Parameter struct {
	Node        *Node
	Name        string
	Value       string
	Father      string
	Type        string
	Editor      string
	Title       string
	Key         string
	Description string
}

// Request is one <Request>.
type Request struct {
	Node            *Node
	Name            string
	Method          string
	ResponseType    string
	RequestEncoding string
	URLFormat       string
	Weight          string // as written; empty when absent
	// NotFoundStatus, as written: answers with these statuses mean
	// "nothing found" (no rows) rather than a failure; a Switchboard
	// extension for APIs that answer a lookup of an unknown id with 404.
	NotFoundStatus string
	Parameters     []*Parameter
	OutputsNode    *Node // nil when the request has no <Outputs>
	Next           string
	Outputs        []*Output
}

// Output is one <Output Name Path Type>.
type Output struct {
	Node *Node
	Name string
	Path string
	Type string
}

// Father values with a meaning (DESIGN §2).
const (
	FatherCustomField     = "CustomFieldList"
	FatherHeader          = "PopulateTemplateString"
	FatherTokenErrorMap   = "TokenErrorMap"
	FatherAuthOption      = "AuthOption"
	FatherScenarioSetting = "CustomScenarioParameter"
	// Channel templates (DESIGN §5), in AuthMethod: how webhooks are
	// verified and answered, the channel's rules, and what provider errors
	// mean.
	FatherWebhook  = "Webhook"
	FatherChannel  = "Channel"
	FatherErrorMap = "ErrorMap"
	// FatherStatusMap maps a provider's delivery status (a word or a
	// code, as DeliveryReport's Status output reads it) to Switchboard's.
	FatherStatusMap = "StatusMap"
)

// Scenario ids with a meaning (DESIGN §2 and §5).
const (
	ScenarioAuth            = "AuthMethod"
	ScenarioGlobalInfo      = "GetGlobalInfo"
	ScenarioUserAssociation = "UserAssociation"
	ScenarioSyncContact     = "SyncContactAuto"
	ScenarioSearchContact   = "SearchContact"
	ScenarioCreateContact   = "CreateNewContact"
	ScenarioCreateTicket    = "CreateNewTicket"
	ScenarioCallJournal     = "CallJournal"
	// ScenarioChatJournal writes a messaging session's transcript to the
	// helpdesk of the agent who answered it (a Switchboard extension).
	ScenarioChatJournal    = "ChatJournal"
	ScenarioCommon         = "Common"
	ScenarioVerifyChannel  = "VerifyChannel"
	ScenarioSendMessage    = "SendMessage"
	ScenarioReceiveMessage = "ReceiveMessage"
	ScenarioDeliveryReport = "DeliveryReport"
	// ScenarioFetchMedia (channels, optional) turns one of a message's media
	// URLs ({{.MediaUrl}}) into a download link (output DownloadUrl, and
	// MimeType), fetched with the channel's credentials for the agent: for
	// providers whose media need them (WhatsApp).
	ScenarioFetchMedia       = "FetchMedia"
	RequestUpdateTicket      = "UpdateTicket"
	SearchContactRequestPref = "SearchContact_"
)

// IsChannel reports whether the template describes a messaging channel
// (Provider sms or messaging) rather than a helpdesk or CRM.
func (t *Template) IsChannel() bool { return t.Provider == "sms" || t.Provider == "messaging" }

// Scenario returns the scenario with the id, or nil. When an id is given
// twice (a validation error) the first one is returned.
func (t *Template) Scenario(id string) *Scenario {
	for _, s := range t.Scenarios {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// AuthParam returns the value of a plain AuthMethod parameter (the last one
// when given twice), or "".
func (t *Template) AuthParam(name string) string {
	if s := t.Scenario(ScenarioAuth); s != nil {
		if p := s.Param(name); p != nil {
			return p.Value
		}
	}
	return ""
}

// AuthParameters lists the AuthMethod parameters with the given Father.
func (t *Template) AuthParameters(father string) []*Parameter {
	if s := t.Scenario(ScenarioAuth); s != nil {
		return s.ParamsByFather(father)
	}
	return nil
}

// Transport is how a channel template's channel reaches its provider
// (Father="Channel" Name="Transport"): TransportHTTP unless it says
// TransportSMPP.
func (t *Template) Transport() string {
	for _, p := range t.AuthParameters(FatherChannel) {
		if p.Name == "Transport" && strings.EqualFold(strings.TrimSpace(p.Value), TransportSMPP) {
			return TransportSMPP
		}
	}
	return TransportHTTP
}

// CustomFields lists the user-input fields (Father=CustomFieldList).
func (t *Template) CustomFields() []*Parameter { return t.AuthParameters(FatherCustomField) }

// Headers lists the template-wide headers, sent on every request.
func (t *Template) Headers() []*Parameter {
	var out []*Parameter
	if s := t.Scenario(ScenarioAuth); s != nil {
		for _, p := range s.Parameters {
			if p.IsHeader() {
				out = append(out, p)
			}
		}
	}
	return out
}

// SecretFields returns the names of custom fields whose Editor is password.
func (t *Template) SecretFields() []string {
	var out []string
	for _, f := range t.CustomFields() {
		if f.IsSecret() {
			out = append(out, f.Name)
		}
	}
	return out
}

// Param returns the scenario setting (a parameter without Father) with the
// name. Real templates sometimes give one twice; the last one wins.
func (s *Scenario) Param(name string) *Parameter {
	var found *Parameter
	for _, p := range s.Parameters {
		if p.Father == "" && p.Type == "" && p.Name == name {
			found = p
		}
	}
	return found
}

// ParamValue returns the value of a scenario setting, or "".
func (s *Scenario) ParamValue(name string) string {
	if p := s.Param(name); p != nil {
		return p.Value
	}
	return ""
}

// ParamsByFather lists the scenario's parameters with the Father.
func (s *Scenario) ParamsByFather(father string) []*Parameter {
	var out []*Parameter
	for _, p := range s.Parameters {
		if p.Father == father {
			out = append(out, p)
		}
	}
	return out
}

// Request returns the request with the name, or nil.
func (s *Scenario) Request(name string) *Request {
	for _, r := range s.Requests {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// IsHeader reports whether the parameter adds an HTTP header.
func (p *Parameter) IsHeader() bool {
	return strings.EqualFold(p.Type, "Header") && (p.Father == "" || p.Father == FatherHeader)
}

// IsBody reports whether the parameter is a request body (Name=Data Type=Body).
func (p *Parameter) IsBody() bool { return p.Name == "Data" && strings.EqualFold(p.Type, "Body") }

// IsSecret reports whether the parameter is a password custom field.
func (p *Parameter) IsSecret() bool {
	return p.Father == FatherCustomField && strings.EqualFold(p.Editor, "password")
}

// DefaultValue is the value a custom field takes when left empty: a
// string field's Value; an optional list field's first option (its Value
// holds the options); none for a password or a required list.
func (p *Parameter) DefaultValue() string {
	if p.Father != FatherCustomField {
		return ""
	}
	switch p.EditorKind() {
	case "string":
		return strings.TrimSpace(p.Value)
	case "list":
		if opts := p.Options(); len(opts) > 0 && !p.Required() {
			return opts[0]
		}
	}
	return ""
}

// EditorKind is how a custom field is edited: its Editor, "string" when
// none is given.
func (p *Parameter) EditorKind() string {
	if p.Editor == "" {
		return "string"
	}
	return p.Editor
}

// Required reports whether a custom field must be filled in: every one
// must, unless the template marks it Required="0" (an extension of the
// Yeastar format).
func (p *Parameter) Required() bool { return p.Node.AttrValue("Required") != "0" }

// Options are a list field's choices: its Value, comma-separated; nil for
// other fields.
func (p *Parameter) Options() []string {
	if p.EditorKind() != "list" {
		return nil
	}
	var out []string
	for _, o := range strings.Split(p.Value, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Headers lists the request's own headers.
func (r *Request) Headers() []*Parameter {
	var out []*Parameter
	for _, p := range r.Parameters {
		if p.IsHeader() {
			out = append(out, p)
		}
	}
	return out
}

// Body returns the request's body parameter, or nil.
func (r *Request) Body() *Parameter {
	var found *Parameter
	for _, p := range r.Parameters {
		if p.IsBody() {
			found = p
		}
	}
	return found
}

// Output returns the output with the name, or nil.
func (r *Request) Output(name string) *Output {
	for _, o := range r.Outputs {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// NotFoundStatuses reads NotFoundStatus: HTTP statuses from 400 to 499,
// separated by commas.
func (r *Request) NotFoundStatuses() ([]int, error) {
	if r.NotFoundStatus == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(r.NotFoundStatus, ",") {
		n, ok := parseUint(strings.TrimSpace(part))
		if !ok || n < 400 || n > 499 {
			return nil, fmt.Errorf("%q is not a client error status (400 to 499); list them with commas, e.g. \"404,410\"", strings.TrimSpace(part))
		}
		out = append(out, n)
	}
	return out, nil
}
