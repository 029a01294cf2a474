package templates

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Download returns the XML for a person to download and share: like Bytes,
// but with every secret an author wrote into the template left out.
//
// A downloaded template is shared, attached to tickets and published, so
// anything literal that grants access must go: client secrets, Basic
// credentials, webhook secrets, passwords and verify tokens, credential
// headers, default values of password fields, and secret-named pairs inside
// URLs and bodies (…&client_secret=…, "api_key": "…"). What an author needs
// stays: values that are templates ({{.api_key}} names a variable, it holds
// nothing), and everything else.
//
// A whole value that was a secret becomes a reference to a new password
// field (Secret="{{.webhook_secret}}"), so whoever uploads the download is
// asked for their own secret and the template still validates; when the
// template has no room for another field the value is only removed. A
// comment before the root element lists what was left out.
func (t *Template) Download() []byte {
	d := &download{doc: t.Doc.Copy(), authType: t.AuthType}
	d.strip()
	if len(d.removed) > 0 {
		d.comment()
	}
	var b bytes.Buffer
	_, _ = writeDoc(d.doc, &b)
	return b.Bytes()
}

type download struct {
	doc      *etree.Document
	authType string
	removed  []string // where a secret was left out, for the comment
	secrets  []string // the literal secrets removed, swept from everything else
}

// secretEnd matches names that end in a word naming a secret, separators and
// case aside: client_secret, X-Api-Key, hapikey, access_token, Password,
// ChallengeToken. Names that merely contain such a word are settings about a
// secret, not secrets: TokenEndPoint, AccessTokenPath, token_type,
// SignatureHeader, ChallengeTokenParam.
var secretEnd = regexp.MustCompile(`(?i)(token|secret|password|passwd|passphrase|pwd|apikey|accesskey|secretkey|privatekey|subscriptionkey|appkey|authkey|credentials?|signature|authorization|cookie)$`)

// secretWhole are short names that are secrets on their own (Google's key=).
var secretWhole = []string{"key", "auth", "sig"}

// secretHeaderName matches header names whose literal values are credentials
// even when the name only contains the word (X-Auth-Token-Id).
var secretHeaderName = regexp.MustCompile(`(?i)(authorization|token|secret|password|api[-_]?key|cookie|credential|signature)`)

// authScheme is a literal credential in a header value, whatever the
// header's name.
var authScheme = regexp.MustCompile(`(?i)^\s*(basic|bearer|token|digest|apikey)\s+\S`)

// isSecretName reports whether a parameter, query or JSON field of this name
// holds a secret.
func isSecretName(name string) bool {
	squashed := strings.NewReplacer("-", "", "_", "", ".", "", " ", "").Replace(name)
	return secretEnd.MatchString(squashed) || slices.Contains(secretWhole, strings.ToLower(squashed))
}

// templatedSecrets are the AuthMethod settings that hold a credential and
// are rendered as templates.
var templatedSecrets = []string{"ClientSecret", "Base64EncodedCredential"}

// fathersWithoutSecrets hold error texts and switches, never credentials.
var fathersWithoutSecrets = []string{FatherChannel, FatherErrorMap, FatherStatusMap, FatherTokenErrorMap, FatherAuthOption}

func (d *download) strip() {
	verification := ""
	for _, el := range d.doc.FindElements("//Parameter") {
		if el.SelectAttrValue("Father", "") == FatherWebhook && el.SelectAttrValue("Name", "") == "Verification" {
			verification = strings.ToLower(strings.TrimSpace(el.SelectAttrValue("Value", "")))
		}
	}
	var literals []*etree.Element // literal secrets in values that are templates
	for _, el := range d.doc.FindElements("//Parameter") {
		value := el.SelectAttrValue("Value", "")
		if value == "" {
			continue
		}
		father, name := el.SelectAttrValue("Father", ""), el.SelectAttrValue("Name", "")
		isHeader := strings.EqualFold(el.SelectAttrValue("Type", ""), "Header")
		literal := !strings.Contains(value, "{{")
		switch {
		case father == FatherCustomField:
			editor := strings.ToLower(strings.TrimSpace(el.SelectAttrValue("Editor", "")))
			// A password field's default is a secret even when it is a
			// template; a list field's Value holds its options.
			if editor == "password" || (editor != "list" && literal && isSecretName(name)) {
				d.remove(el, value)
			}
			continue
		case slices.Contains(fathersWithoutSecrets, father):
			continue
		case father == FatherWebhook && name == "Secret" && verification == "ed25519":
			continue // the provider's public key, which it publishes
		case literal && (isSecretName(name) || (isHeader && (secretHeaderName.MatchString(name) || authScheme.MatchString(value)))):
			// Headers, webhook parameters and the credential settings are
			// templates, so a field can stand in for the secret; other
			// values are read as written and only lose it.
			if isHeader || father == FatherWebhook || (father == "" && slices.Contains(templatedSecrets, name)) {
				literals = append(literals, el)
			} else {
				d.remove(el, value)
			}
			continue
		}
		if v, ok := d.redactPairs(value); ok {
			el.CreateAttr("Value", v)
			d.removed = append(d.removed, paramPath(el)+" (secret-named values inside it)")
		}
	}
	// Fields are few (MaxCustomFields), so the secrets validation cannot do
	// without — webhook verification, the Basic credential — get theirs
	// first; a header or client secret without a field is only removed.
	slices.SortStableFunc(literals, func(a, b *etree.Element) int { return needed(b) - needed(a) })
	for _, el := range literals {
		d.replace(el)
	}
	for _, el := range d.doc.FindElements("//Request") {
		if v, ok := d.redactPairs(el.SelectAttrValue("URLFormat", "")); ok {
			el.CreateAttr("URLFormat", v)
			d.removed = append(d.removed, "Request["+el.SelectAttrValue("Name", "")+"]@URLFormat (secret-named values inside it)")
		}
	}
	d.sweep(&d.doc.Element)
}

// remove drops a parameter's Value.
func (d *download) remove(el *etree.Element, value string) {
	el.RemoveAttr("Value")
	d.secrets = append(d.secrets, value)
	d.removed = append(d.removed, paramPath(el))
}

// replace turns a literal secret into a reference to a new password field,
// or removes it when the template has no room for one.
func (d *download) replace(el *etree.Element) {
	name, value := el.SelectAttrValue("Name", ""), el.SelectAttrValue("Value", "")
	field, ok := d.addField(name, el.SelectAttrValue("Father", "") == FatherWebhook)
	if !ok {
		d.remove(el, value)
		return
	}
	el.CreateAttr("Value", "{{."+field+"}}")
	d.secrets = append(d.secrets, value)
	d.removed = append(d.removed, paramPath(el)+" (now the field "+field+")")
}

// needed is 1 for a secret validation requires, else 0.
func needed(el *etree.Element) int {
	if el.SelectAttrValue("Father", "") == FatherWebhook || el.SelectAttrValue("Name", "") == "Base64EncodedCredential" {
		return 1
	}
	return 0
}

// addField adds a password custom field to AuthMethod for a secret that was
// left out, named after the parameter that held it.
func (d *download) addField(param string, webhook bool) (string, bool) {
	params := d.doc.FindElement("//Scenario[@Id='" + ScenarioAuth + "']/Parameters")
	if params == nil {
		return "", false
	}
	var fields []*etree.Element
	taken := map[string]bool{}
	for _, p := range params.SelectElements("Parameter") {
		if p.SelectAttrValue("Father", "") == FatherCustomField {
			fields = append(fields, p)
		}
		taken[p.SelectAttrValue("Name", "")] = true
	}
	limit := MaxCustomFields
	if d.authType == "bearertoken" {
		limit = MaxCustomFieldsBearer
	}
	if len(fields) >= limit {
		return "", false
	}
	base, title := fieldName(param), param
	if webhook {
		base, title = "webhook_"+base, "Webhook "+param
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	f := etree.NewElement("Parameter")
	f.CreateAttr("Father", FatherCustomField)
	f.CreateAttr("Name", name)
	f.CreateAttr("Title", title+" (left out of the download)")
	f.CreateAttr("Editor", "password")
	insertLikeNeighbour(params, f, fields)
	return name, true
}

// insertLikeNeighbour adds el to parent after the last of the elements like
// it (or before parent's first element when there is none), on a line of
// its own with the same indentation.
func insertLikeNeighbour(parent, el *etree.Element, like []*etree.Element) {
	var anchor *etree.Element
	after := len(like) > 0
	if after {
		anchor = like[len(like)-1]
	} else if els := parent.ChildElements(); len(els) > 0 {
		anchor = els[0]
	}
	if anchor == nil {
		parent.AddChild(el)
		return
	}
	indent := ""
	if i := anchor.Index(); i > 0 {
		// Not IsWhitespace: it is false for text added by NewText.
		if cd, ok := parent.Child[i-1].(*etree.CharData); ok && strings.TrimSpace(cd.Data) == "" {
			indent = cd.Data
		}
	}
	if after {
		at := anchor.Index() + 1
		parent.InsertChildAt(at, el)
		if indent != "" {
			parent.InsertChildAt(at, etree.NewText(indent))
		}
		return
	}
	at := anchor.Index()
	parent.InsertChildAt(at, el)
	if indent != "" {
		parent.InsertChildAt(at+1, etree.NewText(indent))
	}
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// fieldName turns a parameter name into a field name: ClientSecret →
// client_secret, X-Api-Key → x_api_key.
func fieldName(param string) string {
	var b strings.Builder
	for i, r := range param {
		if i > 0 && r >= 'A' && r <= 'Z' {
			if prev := param[i-1]; (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9') {
				b.WriteByte('_')
			}
		}
		b.WriteRune(r)
	}
	name := strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(b.String()), "_"), "_")
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = "secret_" + name
	}
	return strings.TrimSuffix(name, "_")
}

var (
	// queryPair is name=value in a URL or a form body.
	queryPair = regexp.MustCompile(`([?&;]|^)([^=&?#;\s"{}]+)=([^&#;\s"]*)`)
	// jsonPair is "name": "value".
	jsonPair = regexp.MustCompile(`("([^"\\]+)"\s*:\s*")((?:[^"\\]|\\.)*)"`)
)

// redactPairs empties the literal values of secret-named query, form and
// JSON pairs inside a value, keeping the names and every template.
func (d *download) redactPairs(value string) (string, bool) {
	if !strings.ContainsAny(value, "=:") {
		return value, false
	}
	changed := false
	out := queryPair.ReplaceAllStringFunc(value, func(m string) string {
		g := queryPair.FindStringSubmatch(m)
		if g[3] == "" || strings.Contains(g[3], "{{") || !isSecretName(g[2]) {
			return m
		}
		changed = true
		d.secrets = append(d.secrets, g[3])
		return g[1] + g[2] + "="
	})
	out = jsonPair.ReplaceAllStringFunc(out, func(m string) string {
		g := jsonPair.FindStringSubmatch(m)
		if g[3] == "" || strings.Contains(g[3], "{{") || !isSecretName(g[2]) {
			return m
		}
		changed = true
		d.secrets = append(d.secrets, g[3])
		return g[1] + `"`
	})
	return out, changed
}

// minSweptSecret is the shortest secret swept from the rest of the document:
// shorter ones would cut unrelated text.
const minSweptSecret = 6

// sweep removes every secret that was left out from wherever else it is
// written literally (the same client secret in a URL under another name, a
// comment), so no copy survives.
func (d *download) sweep(el *etree.Element) {
	var secrets []string
	for _, s := range d.secrets {
		if s = strings.TrimSpace(s); len(s) >= minSweptSecret && !strings.Contains(s, "{{") {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return
	}
	var pairs []string
	for _, s := range secrets {
		pairs = append(pairs, s, "")
	}
	r := strings.NewReplacer(pairs...)
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for i, a := range el.Attr {
			el.Attr[i].Value = r.Replace(a.Value)
		}
		for _, tok := range el.Child {
			switch tok := tok.(type) {
			case *etree.Element:
				walk(tok)
			case *etree.CharData:
				tok.Data = r.Replace(tok.Data)
			case *etree.Comment:
				tok.Data = commentText(r.Replace(tok.Data))
			}
		}
	}
	walk(el)
}

// comment tells whoever opens the download what was left out and where.
func (d *download) comment() {
	var b strings.Builder
	b.WriteString(" Downloaded without its secrets. Left out:\n")
	for _, r := range d.removed {
		b.WriteString("     ")
		b.WriteString(commentText(r))
		b.WriteByte('\n')
	}
	b.WriteString(" ")
	at := 0
	if root := d.doc.Root(); root != nil {
		at = root.Index()
	}
	d.doc.InsertChildAt(at, etree.NewComment(b.String()))
	d.doc.InsertChildAt(at+1, etree.NewText("\n"))
}

// commentText makes s fit inside <!-- -->, which may not hold "--" or end
// with "-" (a name may hold them, and so may a comment a secret was cut
// out of).
func commentText(s string) string {
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "- -")
	}
	if strings.HasSuffix(s, "-") {
		s += " "
	}
	return s
}

// paramPath names a parameter in the comment: its scenario and name.
func paramPath(el *etree.Element) string {
	path := "Parameter[" + el.SelectAttrValue("Name", "") + "]"
	for p := el.Parent(); p != nil; p = p.Parent() {
		switch p.Tag {
		case "Request":
			path = "Request[" + p.SelectAttrValue("Name", "") + "]/" + path
		case "Scenario":
			return "Scenario[" + p.SelectAttrValue("Id", "") + "]/" + path
		}
	}
	return path
}
