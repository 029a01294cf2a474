package templates

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The template docs name every element, attribute, Father, and fixed set
// of values the validator knows, read from its own lists: one added here
// without a word in docs/templates fails this test. Functions, call
// variables and scenario ids are held to the reference by
// engine/docs_test.go.
func TestDocsNameWhatTheValidatorKnows(t *testing.T) {
	page := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "docs", "templates", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	ref, channels := page("reference.md"), page("channels.md")
	check := func(doc, file, what string, names []string) {
		t.Helper()
		for _, n := range names {
			if !strings.Contains(doc, "`"+n+"`") && !strings.Contains(doc, "`"+n+" ") && !strings.Contains(doc, `"`+n+`"`) {
				t.Errorf("docs/templates/%s does not document %s %q", file, what, n)
			}
		}
	}
	for el, attrs := range knownAttrs {
		check(ref, "reference.md", "element", []string{el})
		check(ref, "reference.md", "attribute of <"+el+">", attrs)
	}
	for el, children := range knownChildren {
		check(ref, "reference.md", "element", append([]string{el}, children...))
	}
	check(ref, "reference.md", "Provider", providers)
	check(ref, "reference.md", "AuthType", authTypes)
	check(ref, "reference.md", "Father", slices.DeleteFunc(slices.Clone(fathers), func(f string) bool {
		return f == FatherWebhook || f == FatherChannel || f == FatherErrorMap || f == FatherStatusMap
	}))
	check(ref, "reference.md", "Editor", editors)
	check(ref, "reference.md", "Method", methods)
	check(ref, "reference.md", "ContactUrlType", urlTypes)
	check(ref, "reference.md", "CredentialType", credTypes)
	check(ref, "reference.md", "ClientAuthStyle", clientAuthStyles)
	check(ref, "reference.md", "phone output", PhoneOutputs)
	check(channels, "channels.md", "Father", []string{FatherWebhook, FatherChannel, FatherErrorMap, FatherStatusMap})
	check(channels, "channels.md", "Webhook parameter", WebhookParams)
	check(channels, "channels.md", "Verification", WebhookVerifications)
	check(channels, "channels.md", "Channel parameter", ChannelParams)
	check(channels, "channels.md", "Transport", Transports)
	check(channels, "channels.md", "SMPP field", SMPPFields)
	check(channels, "channels.md", "ErrorMap Type", ErrorKinds)
	check(channels, "channels.md", "message status", MessageStatuses)
	check(channels, "channels.md", "channel scenario", ScenarioIDs("sms"))
	for _, names := range ChannelScenarioTexts {
		check(channels, "channels.md", "channel scenario setting", names)
	}
}
