package messaging

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"time"

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
	// mergeKey and mergeWait join a message that comes as parts in
	// separate webhooks (assemble.go): the key its parts share, and
	// whether this one waits for the rest ("1", "true").
	mergeKey  *engine.Text
	mergeWait *engine.Text
	window    time.Duration // MergeWindowSeconds
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
	}{{"TextFormat", &f.text}, {"MediaUrlFormat", &f.media}, {"MergeKey", &f.mergeKey}, {"MergeWait", &f.mergeWait}} {
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
	f.window = time.Duration(atoi(sc.ParamValue("MergeWindowSeconds"), 5)) * time.Second
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
	if f.text == nil && f.media == nil && f.mergeKey == nil {
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
	if f.mergeKey != nil {
		// Read before the formats change the message: the key and the
		// wait are over the outputs as they came.
		warnings = append(warnings, f.applyMerge(m, vars)...)
	}
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

// applyMerge renders MergeKey and MergeWait for one message. A message
// whose key fails to render is kept alone.
func (f messageFormat) applyMerge(m *Inbound, vars engine.Vars) []string {
	key, err := f.mergeKey.Render(vars)
	if err != nil {
		return []string{fmt.Sprintf("message %s: MergeKey: %v; the message is kept alone", m.ProviderID, err)}
	}
	m.MergeKey = strings.TrimSpace(key)
	if f.mergeWait == nil || m.MergeKey == "" {
		return nil
	}
	wait, err := f.mergeWait.Render(vars)
	if err != nil {
		m.MergeKey = ""
		return []string{fmt.Sprintf("message %s: MergeWait: %v; the message is kept alone", m.ProviderID, err)}
	}
	switch strings.ToLower(strings.TrimSpace(wait)) {
	case "1", "true", "yes":
		m.AwaitsPart = true
	}
	return nil
}
