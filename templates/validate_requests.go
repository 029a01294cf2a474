package templates

import (
	"slices"
	"strings"
)

var (
	methods   = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
	encodings = []string{"json", "form", "urlencoded", "application/json", "application/x-www-form-urlencoded"}
	// PhoneOutputs are the contact outputs that hold phone numbers.
	PhoneOutputs = []string{"BusinessNumber", "BusinessNumber2", "BusinessFaxNumber", "MobileNumber",
		"MobileNumber2", "HomeNumber", "HomeNumber2", "HomeFaxNumber", "OtherNumber"}
)

func (c *checker) requests(s *Scenario) {
	seen := map[string]*Request{}
	for _, r := range s.Requests {
		n := r.Node
		c.unknown(n)
		if strings.TrimSpace(r.Name) == "" {
			c.errorf(n, "", "request has no Name")
		} else if prev := seen[r.Name]; prev != nil {
			c.errorf(n, "Name", "request %s is defined twice in scenario %s (first at line %d)", r.Name, s.ID, prev.Node.Pos.Line)
		} else {
			seen[r.Name] = r
		}
		if ReadsWebhook(s.ID) {
			// These requests read a provider's webhook; they send nothing.
			if _, ok := n.Attr("URLFormat"); ok {
				c.errorf(n, "URLFormat", "a %s request reads the provider's webhook and sends nothing, so it has no URLFormat", s.ID)
			}
			c.requestParameters(r)
			c.outputs(s, r)
			continue
		}
		if _, ok := n.Attr("Method"); !ok {
			c.errorf(n, "", "required attribute Method is missing")
		} else if !slices.Contains(methods, r.Method) {
			c.errorf(n, "Method", "Method %q is not one of %s", r.Method, oneOf(methods))
		}
		if _, ok := n.Attr("URLFormat"); !ok {
			msg := "required attribute URLFormat is missing"
			if _, ok := n.Attr("URL"); ok {
				msg += " (the attribute is called URLFormat, not URL)"
			}
			c.errorf(n, "", "%s", msg)
		} else if strings.TrimSpace(r.URLFormat) == "" {
			c.warnf(n, "URLFormat", "URLFormat is empty, so the request is always skipped")
		}
		if r.RequestEncoding != "" && !slices.Contains(encodings, strings.ToLower(r.RequestEncoding)) {
			c.errorf(n, "RequestEncoding", "RequestEncoding %q is not one of \"\" (JSON), \"json\", \"form\", \"UrlEncoded\"", r.RequestEncoding)
		}
		if rt := strings.ToLower(r.ResponseType); rt != "" && !strings.Contains(rt, "json") {
			c.warnf(n, "ResponseType", "ResponseType %q: outputs are read from JSON responses only", r.ResponseType)
		}
		if r.Weight != "" {
			if _, ok := parseUint(strings.TrimPrefix(r.Weight, "-")); !ok {
				c.errorf(n, "Weight", "Weight %q must be a whole number", r.Weight)
			}
		}
		if _, err := r.NotFoundStatuses(); err != nil {
			c.errorf(n, "NotFoundStatus", "NotFoundStatus %q: %v", r.NotFoundStatus, err)
		}
		c.requestParameters(r)
		c.outputs(s, r)
	}
	c.requiredRequests(s)
}

func (c *checker) requestParameters(r *Request) {
	bodies := 0
	headers := c.templateHeaders()
	for _, p := range r.Parameters {
		c.unknown(p.Node)
		switch {
		case p.IsHeader():
			headers++
			c.header(p)
			if headers == MaxHeaders+1 {
				c.errorf(p.Node, "", "this request carries more than %d headers (template-wide and its own); the limit is %d", MaxHeaders, MaxHeaders)
			}
		case p.IsBody():
			bodies++
			if bodies == 2 {
				c.warnf(p.Node, "", "the request has more than one body parameter; the last one is sent")
			}
		default:
			c.warnf(p.Node, "", "parameter %q of a request is neither a header (Type=\"Header\") nor the body (Name=\"Data\" Type=\"Body\"); it has no effect", p.Name)
		}
	}
}

func (c *checker) outputs(s *Scenario, r *Request) {
	if r.OutputsNode != nil {
		c.unknown(r.OutputsNode)
	}
	seen := map[string]*Output{}
	for _, o := range r.Outputs {
		n := o.Node
		c.unknown(n)
		if strings.TrimSpace(o.Name) == "" {
			c.errorf(n, "", "output has no Name")
			continue
		}
		if prev := seen[o.Name]; prev != nil {
			c.errorf(n, "Name", "output %s is defined twice in request %s (first at line %d)", o.Name, r.Name, prev.Node.Pos.Line)
		}
		seen[o.Name] = o
		if !identPattern.MatchString(o.Name) {
			c.errorf(n, "Name", "output name %q must be a letter or '_' followed by letters, digits or '_' so later requests can use {{.%s}}", o.Name, o.Name)
		}
		if err := CheckPath(NormalizePath(o.Path)); err != nil {
			c.errorf(n, "Path", "%v", err)
		}
		if o.Type != "" && !strings.EqualFold(o.Type, "string") && !strings.EqualFold(o.Type, "list") {
			c.warnf(n, "Type", "output Type %q is not \"string\" or \"list\"; it is read as a string", o.Type)
		}
	}
	if r.Next != "" {
		common := c.common()
		switch {
		case common == nil:
			c.errorf(r.OutputsNode, "Next", "Next=%q but the template has no Common scenario to hold request %s", r.Next, r.Next)
		case c.commonRequest(r.Next) == nil:
			names := make([]string, 0, len(common.Requests))
			for _, cr := range common.Requests {
				names = append(names, cr.Name)
			}
			c.errorf(r.OutputsNode, "Next", "Next=%q names no request of the Common scenario%s", r.Next, DidYouMean(r.Next, names))
		}
	}
	if s.ID == ScenarioSyncContact || s.ID == ScenarioSearchContact {
		c.contactOutputs(r)
	}
	if s.ID == ScenarioUserAssociation && r.Output("UserUniqueId") == nil {
		c.errorf(r.Node, "", "user association needs an output named UserUniqueId")
	}
}

// contactOutputs checks that a contact lookup yields what a screen pop and
// the contact group need, counting what its Next chain backfills.
func (c *checker) contactOutputs(r *Request) {
	have := map[string]bool{}
	for cur, hops := r, 0; cur != nil && hops < 32; hops++ {
		for _, o := range cur.Outputs {
			have[o.Name] = true
		}
		if cur.Next == "" {
			break
		}
		cur = c.commonRequest(cur.Next)
	}
	for _, name := range []string{"ContactsId", "FirstName"} {
		if !have[name] {
			c.errorf(r.Node, "", "contact lookup request %s needs an output named %s", r.Name, name)
		}
	}
	if !slices.ContainsFunc(PhoneOutputs, func(p string) bool { return have[p] }) {
		c.errorf(r.Node, "", "contact lookup request %s needs at least one phone output (%s)", r.Name, strings.Join(PhoneOutputs, ", "))
	}
}

// ReadsWebhook reports whether a scenario's requests read an incoming
// webhook (channel templates) instead of sending a request.
func ReadsWebhook(scenario string) bool {
	return scenario == ScenarioReceiveMessage || scenario == ScenarioDeliveryReport
}

// requiredRequests checks that scenarios looked up by request name have the
// requests the service will look for.
func (c *checker) requiredRequests(s *Scenario) {
	want := map[string]string{
		ScenarioUserAssociation: "UserAssociation",
		ScenarioCreateTicket:    "CreateNewTicket",
		ScenarioCallJournal:     "CallJournal",
		ScenarioChatJournal:     "ChatJournal",
	}[s.ID]
	names := make([]string, 0, len(s.Requests))
	for _, r := range s.Requests {
		names = append(names, r.Name)
	}
	if want != "" && s.Request(want) == nil {
		c.errorf(s.Node, "", "scenario %s needs a request named %s%s", s.ID, want, DidYouMean(want, names))
	}
	switch s.ID {
	case ScenarioSearchContact:
		for _, r := range s.Requests {
			if r.Name != "" && !strings.HasPrefix(r.Name, SearchContactRequestPref) {
				c.errorf(r.Node, "Name", "SearchContact requests are named SearchContact_<contact type>, e.g. SearchContact_contacts; %q is not", r.Name)
			}
		}
	case ScenarioCreateTicket:
		for _, r := range s.Requests {
			if r.Name != "" && r.Name != "CreateNewTicket" && r.Name != RequestUpdateTicket {
				c.warnf(r.Node, "Name", "request %s of CreateNewTicket never runs: only CreateNewTicket and UpdateTicket do", r.Name)
			}
		}
	}
	if len(s.Requests) == 0 && s.ID != ScenarioAuth && s.ID != "" {
		c.warnf(s.Node, "", "scenario %s has no requests", s.ID)
	}
}

// nextChains rejects Next chains that loop: Common requests reached through
// Next may name further Common requests, and a loop would never end.
func (c *checker) nextChains() {
	common := c.common()
	if common == nil {
		return
	}
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	reported := map[*Request]bool{}
	var visit func(r *Request, path []string)
	visit = func(r *Request, path []string) {
		state[r.Name] = active
		path = append(path, r.Name)
		if next := c.commonRequest(r.Next); next != nil {
			switch state[next.Name] {
			case active:
				if !reported[r] {
					reported[r] = true
					start := slices.Index(path, next.Name)
					loop := append(slices.Clone(path[start:]), next.Name)
					c.errorf(r.OutputsNode, "Next", "Next chain loops: %s", strings.Join(loop, " → "))
				}
			case unvisited:
				visit(next, path)
			}
		}
		state[r.Name] = done
	}
	for _, r := range common.Requests {
		if state[r.Name] == unvisited && r.Name != "" {
			visit(r, nil)
		}
	}
}
