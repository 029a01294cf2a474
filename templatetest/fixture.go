package templatetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
)

// Fixture is one recorded run of a template's scenario.
type Fixture struct {
	// Scenario is the scenario Id that was run.
	Scenario string `json:"scenario"`
	// Requests, when set, are the only requests of the scenario run.
	Requests []string `json:"requests,omitempty"`
	// Fields are the custom field values; secrets are recorded as ****
	// and replayed as placeholders.
	Fields map[string]string `json:"fields,omitempty"`
	// Vars are the call or scenario variables given to the run.
	Vars map[string]string `json:"vars,omitempty"`
	// Token is **** when the run used an access token (oauth2,
	// bearertoken): the replay gives a placeholder one.
	Token string `json:"token,omitempty"`
	// NoGlobalInfo records that GetGlobalInfo did not run first.
	NoGlobalInfo bool `json:"noGlobalInfo,omitempty"`
	// Timezone is the PBX time zone the run used. Default UTC.
	Timezone string `json:"timezone,omitempty"`
	// Exchanges are the requests sent and the answers received, in order.
	Exchanges []Exchange `json:"exchanges,omitempty"`
	// Webhook is the webhook read, for the ReceiveMessage and
	// DeliveryReport scenarios of channel templates (then there are no
	// exchanges).
	Webhook *Webhook `json:"webhook,omitempty"`
	// Want is what the run gave.
	Want Want `json:"want"`
}

// Exchange is one request of the run and its answer.
type Exchange struct {
	Request string `json:"request"`
	Method  string `json:"method,omitempty"`
	URL     string `json:"url,omitempty"`
	// Headers are the request headers that are checked: a header left
	// out of the fixture is not.
	Headers map[string]string `json:"headers,omitempty"`
	Body    Body              `json:"body,omitempty"`
	// Skipped records a request whose URLFormat rendered empty.
	Skipped  bool      `json:"skipped,omitempty"`
	Response *Response `json:"response,omitempty"`
}

// Response is a recorded answer. Error, with no status, is an answer that
// never came (the connection failed): the replay closes the connection.
type Response struct {
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    Body              `json:"body,omitempty"`
	Error   string            `json:"error,omitempty"`
}

// Webhook is a webhook as the provider sent it.
type Webhook struct {
	Body    Body              `json:"body"`
	Headers map[string]string `json:"headers,omitempty"`
	URL     string            `json:"url,omitempty"`
	// Now is when it was read (RFC 3339): signatures with a timestamp
	// are checked against it.
	Now string `json:"now,omitempty"`
}

// Want is a run's result.
type Want struct {
	Rows     []templaterun.Row           `json:"rows,omitempty"`
	Vars     map[string]string           `json:"vars,omitempty"`
	Error    string                      `json:"error,omitempty"`
	Warnings []string                    `json:"warnings,omitempty"`
	Channel  *templaterun.ChannelOutcome `json:"channel,omitempty"`
	// Verified, Messages and Reports are what reading a webhook gave.
	Verified string          `json:"verified,omitempty"`
	Messages json.RawMessage `json:"messages,omitempty"`
	Reports  json.RawMessage `json:"reports,omitempty"`
}

// Body is a message body. A compact JSON object or array (as most APIs
// send them) is kept as JSON, so a fixture reads (and is edited) as the
// document it is; anything else is kept as a string, byte for byte.
type Body string

// MarshalJSON writes a compact JSON object or array as itself, anything
// else as a string. A document with spaces or line breaks of its own is a
// string: the fixture file indents what it holds as JSON, and reading it
// back compacts it, so only a compact one reads back as it was sent (an
// error quotes the answer's body as it came).
func (b Body) MarshalJSON() ([]byte, error) {
	if isJSONDocument(string(b)) {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(b)); err == nil && buf.String() == string(b) {
			return buf.Bytes(), nil
		}
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON reads what MarshalJSON writes: a JSON object or array
// compacted (the file's indentation is not the body's), anything else
// from its string.
func (b *Body) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && (data[0] == '{' || data[0] == '[') {
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			return err
		}
		*b = Body(buf.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("a body is a JSON object, a JSON array or a string: %w", err)
	}
	*b = Body(s)
	return nil
}

func isJSONDocument(s string) bool {
	s = strings.TrimSpace(s)
	return (strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")) && json.Valid([]byte(s))
}

// Read reads a fixture file. Errors name the file and, for bad JSON, the
// line.
func Read(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f Fixture
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %s", path, describeJSONError(data, err))
	}
	if strings.TrimSpace(f.Scenario) == "" {
		return nil, fmt.Errorf("%s: no scenario: a fixture says which scenario it runs", path)
	}
	return &f, nil
}

// describeJSONError places a decoding error at its line.
func describeJSONError(data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

// Write writes a fixture as indented JSON, creating its directory.
func Write(path string, f *Fixture) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Written whole then renamed: an interrupted recording leaves the old
	// fixture, not half of a new one.
	return renameio.WriteFile(path, buf.Bytes(), 0o644, renameio.WithStaticPermissions(0o644))
}

// List returns the fixture files of dir, sorted.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// DefaultDir is where the fixtures of a template file are kept unless
// told otherwise: beside it, in NAME.tests/.
func DefaultDir(templateFile string) string {
	return strings.TrimSuffix(templateFile, filepath.Ext(templateFile)) + ".tests"
}

// maskedVars copies vars with every secret masked; nil when empty, so a
// fixture leaves it out.
func maskedVars(v engine.Vars, m *engine.Masker) map[string]string {
	if len(v) == 0 {
		return nil
	}
	out := make(map[string]string, len(v))
	for k, val := range v {
		out[k] = m.String(val)
	}
	return out
}
