package templates

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Validate checks the structure of a parsed template and returns every
// problem found, errors and warnings, sorted by position. It does not look
// inside text/template strings; the engine compiles those and reports their
// problems in the same form.
func Validate(t *Template) Problems {
	c := &checker{t: t}
	c.repeatedAttrs(t.Root)
	c.root()
	c.scenarios()
	c.problems.Sort()
	return c.problems
}

type checker struct {
	t        *Template
	problems Problems

	// Lookups built once (validate_index.go).
	indexed        bool
	headers        int
	commonScenario *Scenario
	commonRequests map[string]*Request
	settings       map[*Scenario]map[string]*Parameter
}

func (c *checker) add(sev Severity, n *Node, attr, format string, args ...any) {
	p := Problem{File: c.t.File, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if attr != "" {
		p.Pos, p.Path = n.AttrPos(attr), n.AttrPath(attr)
	} else {
		p.Pos, p.Path = n.Pos, n.Path()
	}
	c.problems = append(c.problems, p)
}

func (c *checker) errorf(n *Node, attr, format string, args ...any) {
	c.add(SeverityError, n, attr, format, args...)
}

func (c *checker) warnf(n *Node, attr, format string, args ...any) {
	c.add(SeverityWarning, n, attr, format, args...)
}

var (
	providers   = []string{"crm", "helpdesk", "sms", "messaging"}
	authTypes   = []string{"none", "basic", "oauth2", "bearertoken"}
	keyPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	featureAttr = []string{"UserAssociation", "CallJournal", "CreateNewContact", "CreateNewTicket", "ChatJournal"}

	// knownAttrs lists, per element, the attributes that have a meaning.
	knownAttrs = map[string][]string{
		"Information": {"Provider", "Name", "Key", "Logo", "Remark", "Version", "AuthType",
			"MaxConcurrentRequest", "UserAssociation", "CallJournal", "CreateNewContact", "CreateNewTicket", "ChatJournal"},
		"Scenario":  {"Id", "Type"},
		"Parameter": {"Name", "Value", "Father", "Type", "Editor", "Title", "Key", "Description", "Required"},
		"Request":   {"Name", "Method", "ResponseType", "RequestEncoding", "URLFormat", "Weight", "NotFoundStatus"},
		"Outputs":   {"Next"},
		"Output":    {"Name", "Path", "Type"},
	}
	// knownChildren lists, per element, the child elements that have a meaning.
	knownChildren = map[string][]string{
		"Information": {"Parameters", "Scenarios"},
		"Scenarios":   {"Scenario"},
		"Scenario":    {"Presets", "Parameters", "Requests", "Responses"},
		"Requests":    {"Request"},
		"Request":     {"Parameters", "Outputs"},
		"Parameters":  {"Parameter"},
		"Outputs":     {"Output"},
	}
)

func (c *checker) root() {
	t, r := c.t, c.t.Root
	if r.Tag() != "Information" {
		c.errorf(r, "", "root element is <%s>; a template's root is <Information>", r.Tag())
	}
	c.unknown(r)
	for _, a := range []string{"Provider", "Name", "Key", "AuthType"} {
		if _, ok := r.Attr(a); !ok {
			c.errorf(r, "", "required attribute %s is missing", a)
		}
	}
	if _, ok := r.Attr("Provider"); ok && !slices.Contains(providers, t.Provider) {
		c.errorf(r, "Provider", "Provider %q is not one of %s%s", t.Provider, oneOf(providers), DidYouMean(t.Provider, providers))
	}
	if _, ok := r.Attr("Name"); ok && strings.TrimSpace(t.Name) == "" {
		c.errorf(r, "Name", "Name is empty")
	}
	if _, ok := r.Attr("Key"); ok && !keyPattern.MatchString(t.Key) {
		c.errorf(r, "Key", "Key %q must be 1 to 64 letters, digits, '_', '.' or '-' (it identifies the template)", t.Key)
	}
	if _, ok := r.Attr("AuthType"); ok && !slices.Contains(authTypes, t.AuthType) {
		c.errorf(r, "AuthType", "AuthType %q is not one of %s%s", t.AuthType, oneOf(authTypes), DidYouMean(t.AuthType, authTypes))
	}
	if _, ok := r.Attr("MaxConcurrentRequest"); ok {
		if n, ok := parseUint(t.MaxConcur); !ok || n < 1 || n > MaxConcurrentRequestCeiling {
			c.errorf(r, "MaxConcurrentRequest", "MaxConcurrentRequest %q must be a whole number from 1 to %d", t.MaxConcur, MaxConcurrentRequestCeiling)
		}
	}
	for _, a := range featureAttr {
		if v, ok := r.Attr(a); ok && v != "0" && v != "1" && v != "" {
			c.errorf(r, a, "%s %q must be 0 or 1", a, v)
		}
	}
	if r.Child("Scenarios") == nil {
		c.errorf(r, "", "the template has no <Scenarios>; it needs at least the AuthMethod scenario")
	}
}

// repeatedAttrs reports every attribute written twice on one element, at
// the second one, anywhere in the document (unknown elements included).
func (c *checker) repeatedAttrs(n *Node) {
	for _, r := range n.repeats {
		c.problems = append(c.problems, Problem{File: c.t.File, Pos: r.pos, Path: n.AttrPath(r.name), Severity: SeverityError,
			Message: fmt.Sprintf("attribute %s is given twice on <%s> (first at %s); an attribute may appear only once on an element, so remove one", r.name, n.Tag(), r.first)})
	}
	for _, ch := range n.Children {
		c.repeatedAttrs(ch)
	}
}

// unknown warns about attributes and child elements without a meaning. They
// are kept on write-back; the warning is there to catch typos.
func (c *checker) unknown(n *Node) {
	if known, ok := knownAttrs[n.Tag()]; ok {
		for i, a := range n.El.Attr {
			if a.Space != "" || slices.Contains(known, a.Key) {
				continue
			}
			c.problems = append(c.problems, Problem{File: c.t.File, Pos: n.attrPosAt(i), Path: n.AttrPath(a.Key), Severity: SeverityWarning,
				Message: fmt.Sprintf("unknown attribute %s is kept but has no effect%s", a.Key, DidYouMean(a.Key, known))})
		}
	}
	known, ok := knownChildren[n.Tag()]
	if !ok {
		return
	}
	for _, ch := range n.Children {
		if slices.Contains(known, ch.Tag()) {
			continue
		}
		if ch.Tag() == "Outputs" && n.Tag() == "Scenario" {
			c.warnf(ch, "", "<Outputs> belongs inside a <Request>; here it has no effect")
			continue
		}
		c.warnf(ch, "", "unknown element <%s> inside <%s> is kept but has no effect%s", ch.Tag(), n.Tag(), DidYouMean(ch.Tag(), known))
	}
}

// ScenarioIDs returns the scenario ids a template of the provider may hold.
func ScenarioIDs(provider string) []string {
	if provider == "sms" || provider == "messaging" {
		return []string{ScenarioAuth, ScenarioGlobalInfo, ScenarioVerifyChannel, ScenarioSendMessage,
			ScenarioReceiveMessage, ScenarioDeliveryReport, ScenarioFetchMedia, ScenarioCommon}
	}
	return []string{ScenarioAuth, ScenarioGlobalInfo, ScenarioUserAssociation, ScenarioSyncContact,
		ScenarioSearchContact, ScenarioCreateContact, ScenarioCreateTicket, ScenarioCallJournal, ScenarioChatJournal, ScenarioCommon}
}

func (c *checker) scenarios() {
	t := c.t
	if sn := t.Root.Child("Scenarios"); sn != nil {
		c.unknown(sn)
	}
	ids := ScenarioIDs(t.Provider)
	seen := map[string]*Scenario{}
	for _, s := range t.Scenarios {
		n := s.Node
		c.unknown(n)
		switch {
		case s.ID == "":
			c.errorf(n, "", "scenario has no Id; it must be one of %s", oneOf(ids))
		case !slices.Contains(ids, s.ID):
			c.errorf(n, "Id", "unknown scenario Id %q; a %s template's scenarios are %s%s", s.ID, t.Provider, oneOf(ids), DidYouMean(s.ID, ids))
		case seen[s.ID] != nil:
			c.errorf(n, "Id", "scenario %s is defined twice (first at line %d)", s.ID, seen[s.ID].Node.Pos.Line)
		}
		if s.ID != "" && seen[s.ID] == nil {
			seen[s.ID] = s
		}
		want := "REST"
		if s.ID == ScenarioAuth {
			want = "AUTH"
		}
		if s.Type != want && slices.Contains(ids, s.ID) {
			c.errorf(n, "Type", "scenario %s must have Type=%q, not %q", s.ID, want, s.Type)
		}
		c.scenarioParameters(s)
		c.requests(s)
	}
	if seen[ScenarioAuth] == nil && t.Root.Child("Scenarios") != nil {
		c.errorf(t.Root.Child("Scenarios"), "", "the template has no AuthMethod scenario; every template needs one (use AuthMethod=none when the API needs no authentication)")
	} else if s := seen[ScenarioAuth]; s != nil {
		c.auth(s)
	}
	features := map[string]string{"UserAssociation": ScenarioUserAssociation, "CallJournal": ScenarioCallJournal,
		"CreateNewContact": ScenarioCreateContact, "CreateNewTicket": ScenarioCreateTicket, "ChatJournal": ScenarioChatJournal}
	for _, a := range featureAttr {
		if t.Root.AttrValue(a) == "1" && seen[features[a]] == nil {
			c.warnf(t.Root, a, "%s=\"1\" but the template has no %s scenario; the feature cannot be used", a, features[a])
		}
	}
	c.nextChains()
	if t.IsChannel() {
		c.channel(seen)
	}
}
