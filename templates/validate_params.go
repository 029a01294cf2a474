package templates

import (
	"regexp"
	"slices"
	"strings"
)

var (
	fathers       = []string{FatherCustomField, FatherHeader, FatherTokenErrorMap, FatherAuthOption, FatherScenarioSetting, FatherWebhook, FatherChannel, FatherErrorMap, FatherStatusMap}
	editors       = []string{"string", "password", "list"}
	identPattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	headerPattern = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
	urlTypes      = []string{"specify_url_format", "retrieve_from_contact"}
	credTypes     = []string{"username_password", "api_key"}
	// clientAuthStyles are where an oauth2 token endpoint wants the client
	// credentials (see auth.OAuth2).
	clientAuthStyles = []string{"auto", "header", "basic", "body", "params", "form", "query"}
)

// scenarioParameters checks the <Parameters> of a scenario (not of its requests).
func (c *checker) scenarioParameters(s *Scenario) {
	seen := map[string]*Parameter{}
	for _, p := range s.Parameters {
		n := p.Node
		c.unknown(n)
		if _, ok := n.Attr("Name"); !ok || strings.TrimSpace(p.Name) == "" {
			c.errorf(n, "", "parameter has no Name")
			continue
		}
		if p.Father != "" && !slices.Contains(fathers, p.Father) {
			c.warnf(n, "Father", "unknown Father %q is kept but has no effect%s", p.Father, DidYouMean(p.Father, fathers))
		}
		switch {
		case p.IsHeader():
			c.header(p)
		case p.Father == FatherCustomField, p.Father == FatherTokenErrorMap, p.Father == FatherAuthOption:
			if s.ID != ScenarioAuth {
				c.warnf(n, "Father", "Father=%q only has an effect in the AuthMethod scenario", p.Father)
			}
		case p.Father == FatherWebhook, p.Father == FatherChannel, p.Father == FatherErrorMap, p.Father == FatherStatusMap:
			if s.ID != ScenarioAuth || !c.t.IsChannel() {
				c.warnf(n, "Father", "Father=%q only has an effect in the AuthMethod scenario of a channel template (Provider sms or messaging)", p.Father)
			}
		case p.Father == FatherScenarioSetting:
			if !identPattern.MatchString(p.Name) {
				c.errorf(n, "Name", "scenario setting name %q must be a letter or '_' followed by letters, digits or '_' so templates can use {{.%s}}", p.Name, p.Name)
			}
		case p.Father == "" && p.Type == "":
			if prev := seen[p.Name]; prev != nil {
				c.warnf(n, "Name", "parameter %s is given twice (also at line %d); the last one wins", p.Name, prev.Node.Pos.Line)
			}
			seen[p.Name] = p
			c.setting(s, p)
		}
	}
}

// setting checks the values of the scenario settings with a fixed meaning.
func (c *checker) setting(s *Scenario, p *Parameter) {
	v := strings.TrimSpace(p.Value)
	switch {
	case p.Name == "ContactUrlType":
		if v != "" && !slices.Contains(urlTypes, v) {
			c.errorf(p.Node, "Value", "ContactUrlType %q is not one of %s%s", v, oneOf(urlTypes), DidYouMean(v, urlTypes))
		}
		if v == "retrieve_from_contact" && strings.TrimSpace(c.settingValue(s, "ContactFieldForUri")) == "" {
			c.errorf(p.Node, "Value", "ContactUrlType=retrieve_from_contact needs a ContactFieldForUri parameter with the JSON path of the contact's URL")
		}
	case p.Name == "Pagination":
		if v != "" && !slices.Contains([]string{"page", "offset", "cursor"}, strings.ToLower(v)) {
			c.errorf(p.Node, "Value", "Pagination %q is not one of \"page\", \"offset\", \"cursor\"", v)
		}
		if strings.EqualFold(v, "cursor") && strings.TrimSpace(c.settingValue(s, "NextCursorPath")) == "" {
			c.errorf(p.Node, "Value", "Pagination=cursor needs a NextCursorPath parameter with the JSON path of the next cursor")
		}
	case p.Name == "PageSize" || p.Name == "MaxPages":
		if n, ok := parseUint(v); v != "" && (!ok || n < 1) {
			c.errorf(p.Node, "Value", "%s %q must be a whole number above 0", p.Name, v)
		}
	case p.Name == "ContactFieldForUri" || p.Name == "NextCursorPath":
		if err := CheckPath(NormalizePath(v)); err != nil {
			c.errorf(p.Node, "Value", "%v", err)
		}
	case strings.HasSuffix(p.Name, "Enable") || p.Name == "PlayCallRecording" || p.Name == "NeedSyncContact":
		if v != "" && v != "0" && v != "1" {
			c.errorf(p.Node, "Value", "%s %q must be 0 or 1", p.Name, v)
		}
	}
}

// auth checks the AuthMethod scenario against the template's AuthType.
func (c *checker) auth(s *Scenario) {
	t := c.t
	if m := s.Param("AuthMethod"); m != nil && strings.TrimSpace(m.Value) != "" && strings.TrimSpace(m.Value) != t.AuthType {
		c.errorf(m.Node, "Value", "AuthMethod parameter says %q but the root's AuthType is %q; they must agree", m.Value, t.AuthType)
	}
	need := map[string][]string{
		"oauth2":      {"AuthEndPoint", "TokenEndPoint"},
		"bearertoken": {"TokenEndPoint"},
	}
	for _, name := range need[t.AuthType] {
		if strings.TrimSpace(s.ParamValue(name)) == "" {
			c.errorf(s.Node, "", "AuthType %s needs the parameter %s with a value", t.AuthType, name)
		}
	}
	if t.AuthType == "basic" && strings.TrimSpace(s.ParamValue("Base64EncodedCredential")) == "" && strings.TrimSpace(s.ParamValue("CredentialType")) == "" {
		c.errorf(s.Node, "", "AuthType basic needs the parameter Base64EncodedCredential (e.g. {{.username}}:{{.password}}), or a CredentialType to use the usual one")
	}
	if p := s.Param("ClientAuthStyle"); p != nil && p.Value != "" && !slices.Contains(clientAuthStyles, strings.ToLower(p.Value)) {
		c.errorf(p.Node, "Value", "ClientAuthStyle %q is not one of %s", p.Value, oneOf(clientAuthStyles))
	}
	if p := s.Param("TokenRequestMethod"); p != nil && p.Value != "" && !slices.Contains([]string{"GET", "POST"}, strings.ToUpper(p.Value)) {
		c.errorf(p.Node, "Value", "TokenRequestMethod %q is not GET or POST", p.Value)
	}
	if p := s.Param("AccessTokenPath"); p != nil {
		if err := CheckPath(NormalizePath(p.Value)); err != nil {
			c.errorf(p.Node, "Value", "%v", err)
		}
	}
	// CredentialType picks the usual Basic credential; other auth types
	// never read it, and templates found in the wild carry one anyway
	// (CredentialType="custom" on an oauth2 template), so it only has to be
	// valid for basic.
	if p := s.Param("CredentialType"); p != nil && strings.TrimSpace(p.Value) != "" {
		v := strings.TrimSpace(p.Value)
		switch {
		case t.AuthType != "basic":
			c.warnf(p.Node, "Value", "CredentialType %q is ignored: it is only read when AuthType is basic, and this template's AuthType is %q", v, t.AuthType)
		case !slices.Contains(credTypes, v):
			c.errorf(p.Node, "Value", "CredentialType %q is not one of %s%s", v, oneOf(credTypes), DidYouMean(v, credTypes))
		}
	}
	if p := s.Param("TokenRefreshInterval"); p != nil && strings.TrimSpace(p.Value) != "" {
		if _, ok := parseUint(p.Value); !ok {
			c.errorf(p.Node, "Value", "TokenRefreshInterval %q must be a whole number of minutes (0 = never refresh, empty = 25)", p.Value)
		}
	}
	for _, p := range s.ParamsByFather(FatherTokenErrorMap) {
		if p.Type != "TokenInvalid" {
			c.errorf(p.Node, "Type", "a TokenErrorMap parameter needs Type=\"TokenInvalid\"")
		}
		if strings.TrimSpace(p.Value) == "" {
			c.errorf(p.Node, "Value", "TokenErrorMap needs a Value: the text in an error response that means the token is invalid")
		}
	}
	for _, p := range s.ParamsByFather(FatherAuthOption) {
		if p.Name != "NoNeedRefreshAccessToken" {
			c.warnf(p.Node, "Name", "unknown AuthOption %q has no effect%s", p.Name, DidYouMean(p.Name, []string{"NoNeedRefreshAccessToken"}))
		} else if p.Value != "0" && p.Value != "1" {
			c.errorf(p.Node, "Value", "NoNeedRefreshAccessToken %q must be 0 or 1", p.Value)
		}
	}
	c.customFields(s)
	if hs := t.Headers(); len(hs) > MaxHeaders {
		c.errorf(hs[MaxHeaders].Node, "", "the template has %d headers; the limit is %d", len(hs), MaxHeaders)
	}
}

func (c *checker) customFields(s *Scenario) {
	fields := s.ParamsByFather(FatherCustomField)
	limit := MaxCustomFields
	switch {
	case c.t.IsChannel() && c.t.Transport() == TransportSMPP:
		limit = MaxCustomFieldsSMPP
	case c.t.AuthType == "bearertoken":
		limit = MaxCustomFieldsBearer
	}
	if len(fields) > limit {
		c.errorf(fields[limit].Node, "", "the template has %d custom fields; %s allows at most %d", len(fields), fieldLimitOf(c.t), limit)
	}
	seen := map[string]*Parameter{}
	for _, f := range fields {
		if f.Name == "" {
			continue
		}
		if prev := seen[f.Name]; prev != nil {
			c.errorf(f.Node, "Name", "custom field %s is defined twice (first at line %d)", f.Name, prev.Node.Pos.Line)
		}
		seen[f.Name] = f
		if !identPattern.MatchString(f.Name) {
			c.errorf(f.Node, "Name", "custom field name %q must be a letter or '_' followed by letters, digits or '_' so templates can use {{.%s}}", f.Name, f.Name)
		}
		if f.Editor != "" && !slices.Contains(editors, f.Editor) {
			c.errorf(f.Node, "Editor", "Editor %q is not one of %s%s", f.Editor, oneOf(editors), DidYouMean(f.Editor, editors))
		}
		if f.Editor == "list" && strings.TrimSpace(f.Value) == "" {
			c.errorf(f.Node, "Value", "a list field needs its options in Value")
		}
	}
}

// fieldLimitOf names what sets the template's limit of custom fields.
func fieldLimitOf(t *Template) string {
	if t.IsChannel() && t.Transport() == TransportSMPP {
		return "a Transport=\"smpp\" template"
	}
	return "AuthType " + t.AuthType
}

// header checks one header parameter.
func (c *checker) header(p *Parameter) {
	if !headerPattern.MatchString(p.Name) {
		c.errorf(p.Node, "Name", "header name %q is not a valid HTTP header name", p.Name)
	}
	if strings.ContainsAny(p.Value, "\r\n") && !strings.Contains(p.Value, "{{") {
		c.errorf(p.Node, "Value", "header %s has a line break in its value", p.Name)
	}
}
