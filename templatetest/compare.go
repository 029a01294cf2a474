package templatetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/switchboard/switchboard/templaterun"
)

// diff is the unified diff of the recorded run and the run now, each
// written as text (view); empty when they agree. Only the request
// headers the fixture holds are compared, so an author can drop one that
// does not matter.
func diff(recorded, now *Fixture) string {
	a, b := view(recorded, recorded), view(now, recorded)
	if a == b {
		return ""
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b), FromFile: "recorded", ToFile: "now", Context: 3,
	})
	if err != nil || d == "" {
		return "--- recorded\n" + a + "+++ now\n" + b
	}
	return d
}

// view writes a run as text: one block per request (method, URL without
// its query, then the query's parameters, the checked headers and the
// body, each sorted and pretty-printed), then the rows, variables and
// error. Two runs that mean the same thing read the same. ref is the
// recorded fixture, whose headers say which headers are checked.
func view(f, ref *Fixture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s\n", f.Scenario)
	for i, e := range f.Exchanges {
		var checked map[string]string
		if i < len(ref.Exchanges) {
			checked = ref.Exchanges[i].Headers
		}
		writeExchange(&b, i+1, e, checked)
	}
	w := f.Want
	if len(w.Rows) > 0 {
		b.WriteString("rows:\n")
		for i, r := range w.Rows {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, r.Request)
			writePairs(&b, "       ", r.Values)
			if r.ContactURL != "" {
				fmt.Fprintf(&b, "       contact URL: %s\n", r.ContactURL)
			}
		}
	}
	if len(w.Vars) > 0 {
		b.WriteString("vars:\n")
		writePairs(&b, "  ", w.Vars)
	}
	writeChannel(&b, w.Channel)
	if w.Verified != "" {
		fmt.Fprintf(&b, "signature: %s\n", w.Verified)
	}
	writeJSONBlock(&b, "messages", string(w.Messages))
	writeJSONBlock(&b, "reports", string(w.Reports))
	for _, warn := range w.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	if w.Error != "" {
		fmt.Fprintf(&b, "error: %s\n", w.Error)
	}
	return b.String()
}

func writeExchange(b *strings.Builder, n int, e Exchange, checked map[string]string) {
	if e.Skipped {
		fmt.Fprintf(b, "%d. %s %s: skipped (URLFormat rendered empty)\n", n, e.Request, e.Method)
		return
	}
	u, query := splitURL(e.URL)
	fmt.Fprintf(b, "%d. %s: %s %s\n", n, e.Request, e.Method, u)
	for _, kv := range query {
		fmt.Fprintf(b, "     query %s\n", kv)
	}
	for _, name := range sortedKeys(checked) {
		v, ok := lookupFold(e.Headers, name)
		if !ok {
			v = "(not sent)"
		}
		fmt.Fprintf(b, "     header %s: %s\n", name, v)
	}
	if e.Body != "" {
		ct, _ := lookupFold(e.Headers, "Content-Type")
		for _, line := range bodyLines(string(e.Body), ct) {
			fmt.Fprintf(b, "     body %s\n", line)
		}
	}
}

// splitURL returns the URL without its query, and the query's
// parameters, decoded and sorted.
func splitURL(raw string) (string, []string) {
	base, q, ok := strings.Cut(raw, "?")
	if !ok {
		return raw, nil
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return base, []string{"(raw) " + q}
	}
	return base, formLines(vals)
}

func formLines(vals url.Values) []string {
	var out []string
	for _, k := range sortedKeys(vals) {
		for _, v := range vals[k] {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// bodyLines is a body as comparable lines: JSON pretty-printed with its
// keys sorted, a form's fields sorted, anything else as it is.
func bodyLines(body, contentType string) []string {
	if isJSONDocument(body) {
		if s, ok := prettyJSON(body); ok {
			return strings.Split(s, "\n")
		}
	}
	if strings.Contains(strings.ToLower(contentType), "x-www-form-urlencoded") {
		if vals, err := url.ParseQuery(body); err == nil {
			return formLines(vals)
		}
	}
	return strings.Split(body, "\n")
}

// prettyJSON re-encodes a JSON document with sorted keys and numbers as
// they were written.
func prettyJSON(s string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	return strings.TrimRight(buf.String(), "\n"), true
}

func writeJSONBlock(b *strings.Builder, name, doc string) {
	if doc == "" {
		return
	}
	fmt.Fprintf(b, "%s:\n", name)
	s, ok := prettyJSON(doc)
	if !ok {
		s = doc
	}
	for _, line := range strings.Split(s, "\n") {
		fmt.Fprintf(b, "  %s\n", line)
	}
}

func writeChannel(b *strings.Builder, c *templaterun.ChannelOutcome) {
	if c == nil {
		return
	}
	if c.ChannelStatus != "" {
		fmt.Fprintf(b, "channel status: %s (%s)\n", c.ChannelStatus, c.StatusReason)
	}
	if c.SendFailure != "" {
		fmt.Fprintf(b, "send failed (%s): %s\n", c.FailureKind, c.SendFailure)
	}
}

// writePairs writes the values that are set, one a line: an empty one
// reads the same as one not there.
func writePairs(b *strings.Builder, indent string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		if m[k] != "" {
			fmt.Fprintf(b, "%s%s=%s\n", indent, k, m[k])
		}
	}
}

func lookupFold(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
