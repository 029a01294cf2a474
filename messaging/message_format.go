package messaging

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// messageFormat is what ReceiveMessage's settings TextFormat and
// MediaUrlFormat make of one message. Output paths alone cannot turn a
// provider's structured message (a location, a shared contact, a tapped
// button, a picture by media id) into what an agent reads: GJSON picks
// values but does not join them into a sentence or a URL. The formats are
// templates rendered per message, with the message's outputs over the
// channel's fields, so each channel template says how its provider's
// messages read instead of the service knowing providers.
type messageFormat struct {
	text  *engine.Text // the message's text; nil: the Text output
	media *engine.Text // one URL or a JSON list of them; nil: the MediaUrls/MediaUrl outputs
	// fields are the channel's custom fields the formats may read, with
	// their defaults; password fields are left out, so a secret cannot end
	// up in a message.
	fields   []string
	defaults map[string]string
}

func compileFormat(src *templates.Template, funcs template.FuncMap) (messageFormat, error) {
	var f messageFormat
	sc := src.Scenario(templates.ScenarioReceiveMessage)
	if sc == nil {
		return f, nil
	}
	for _, p := range []struct {
		name string
		dst  **engine.Text
	}{{"TextFormat", &f.text}, {"MediaUrlFormat", &f.media}} {
		v := sc.ParamValue(p.name)
		if strings.TrimSpace(v) == "" {
			continue
		}
		t, err := engine.CompileText(v, funcs)
		if err != nil {
			return f, fmt.Errorf("Scenario[%s]/Parameter[%s]: %w", templates.ScenarioReceiveMessage, p.name, err)
		}
		*p.dst = t
	}
	f.defaults = map[string]string{}
	for _, cf := range src.CustomFields() {
		if cf.IsSecret() {
			continue
		}
		f.fields = append(f.fields, cf.Name)
		if d := cf.DefaultValue(); d != "" {
			f.defaults[cf.Name] = d
		}
	}
	return f, nil
}

// apply renders the formats for one message read from row. A format that
// fails leaves what the outputs gave, and says so.
func (f messageFormat) apply(m *Inbound, row map[string]string, channel engine.Vars) []string {
	if f.text == nil && f.media == nil {
		return nil
	}
	vars := make(engine.Vars, len(f.fields)+len(row))
	for _, name := range f.fields {
		if v := strings.TrimSpace(channel[name]); v != "" {
			vars[name] = v
		} else if d := f.defaults[name]; d != "" {
			vars[name] = d
		}
	}
	for k, v := range row {
		vars[k] = v
	}
	var warnings []string
	if f.text != nil {
		if s, err := f.text.Render(vars); err != nil {
			warnings = append(warnings, fmt.Sprintf("message %s: TextFormat: %v; the Text output is kept", m.ProviderID, err))
		} else {
			m.Text = strings.TrimSpace(s)
		}
	}
	if f.media != nil {
		s, err := f.media.Render(vars)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("message %s: MediaUrlFormat: %v; the media outputs are kept", m.ProviderID, err))
			return warnings
		}
		urls := []string{}
		switch s = strings.TrimSpace(s); {
		case s == "":
		case strings.HasPrefix(s, "["):
			var list []string
			if err := json.Unmarshal([]byte(s), &list); err != nil {
				return append(warnings, fmt.Sprintf("message %s: MediaUrlFormat gave %q, which is not a JSON list of strings; the media outputs are kept", m.ProviderID, s))
			}
			for _, u := range list {
				if u = strings.TrimSpace(u); u != "" {
					urls = append(urls, u)
				}
			}
		default:
			urls = []string{s}
		}
		m.MediaURLs = urls
	}
	return warnings
}
