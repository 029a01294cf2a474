package cli_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// A channel template through the command line: validate it, check the
// channel's connection, send a message, and read a signed webhook.

const genericTemplate = "../../examples/sms_generic.xml"

func TestChannelTemplateCommands(t *testing.T) {
	var sent []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/verify":
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
		case "/send":
			sent, _ = io.ReadAll(r.Body)
			if strings.Contains(string(sent), "+1000") {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"errors":[{"code":"10001","title":"Invalid 'to' address","detail":"not a number"}]}`)
				return
			}
			fmt.Fprint(w, `{"data":{"id":"msg-77"}}`)
		}
	}))
	defer srv.Close()
	fields := []string{"--field", "api_key=k-1", "--field", "secret=s3cr3t", "--field", "send_url=" + srv.URL + "/send", "--field", "verify_url=" + srv.URL + "/verify"}

	code, out, _ := run("template", "validate", genericTemplate, "../../examples/twilio.xml", "../../examples/whatsapp_cloud.xml")
	require.Equal(t, cli.ExitOK, code, out)
	require.Equal(t, 3, strings.Count(out, ": ok\n"))

	code, out, _ = run(append([]string{"template", "run", genericTemplate, "--scenario", "VerifyChannel"}, fields...)...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "channel status: connected")

	code, out, _ = run(append([]string{"template", "run", genericTemplate, "--scenario", "SendMessage", "--json",
		"--var", "From=+8618012121222", "--var", "To=+8618012121223", "--var", "Text=Hi there"}, fields...)...)
	require.Equal(t, cli.ExitOK, code, out)
	var res struct {
		Vars  map[string]string
		Trace []struct{ RequestHeaders map[string]string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "msg-77", res.Vars["MessageId"])
	require.JSONEq(t, `{"from":"+8618012121222","to":"+8618012121223","text":"Hi there","media_urls":[]}`, string(sent))
	require.Equal(t, "Bearer ****", res.Trace[0].RequestHeaders["Authorization"])

	code, out, _ = run(append([]string{"template", "run", genericTemplate, "--scenario", "SendMessage",
		"--var", "From=+8618012121222", "--var", "To=+1000", "--var", "Text=Hi"}, fields...)...)
	require.Equal(t, cli.ExitFailed, code, out)
	require.Contains(t, out, "send failed (permanent): Invalid number. (10001: not a number)")

	// A webhook, signed as the provider does; then the same body tampered.
	body := `{"data":{"event_type":"message.received","payload":{"id":"in-1","from":{"phone_number":"+8618012121223"},"to":[{"phone_number":"+8618012121222"}],"text":"Hello","media":[],"received_at":"2026-11-22T10:00:00.000+08:00"}}}`
	file := filepath.Join(t.TempDir(), "webhook.json")
	require.NoError(t, os.WriteFile(file, []byte(body), 0o600))
	mac := hmac.New(sha256.New, []byte("s3cr3t"))
	mac.Write([]byte(body))
	sig := "X-Signature-256: sha256=" + hex.EncodeToString(mac.Sum(nil))
	code, out, _ = run(append([]string{"template", "run", genericTemplate, "--scenario", "ReceiveMessage", "--webhook", file, "--header", sig}, fields...)...)
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "signature yes")
	require.Contains(t, out, `message 1: id=in-1 from=+8618012121223 to=+8618012121222 text="Hello"`)

	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(body, "Hello", "Hullo", 1)), 0o600))
	code, out, _ = run(append([]string{"template", "run", genericTemplate, "--scenario", "ReceiveMessage", "--webhook", file, "--header", sig, "--json"}, fields...)...)
	require.Equal(t, cli.ExitFailed, code, out)
	var hook struct{ Verified, Error string }
	require.NoError(t, json.Unmarshal([]byte(out), &hook))
	require.Equal(t, "no", hook.Verified)
	require.Contains(t, hook.Error, "X-Signature-256 does not match the body")

	code, _, errOut := run(append([]string{"template", "run", genericTemplate, "--scenario", "ReceiveMessage"}, fields...)...)
	require.Equal(t, cli.ExitBadUsage, code)
	require.Contains(t, errOut, "--webhook FILE")
}

// A WhatsApp picture reads as the agent sees it: what it is, its caption,
// and its media at the Graph API version of the channel.
func TestRunWhatsAppPictureWebhook(t *testing.T) {
	file := "../../examples/testdata/whatsapp/image.json"
	body, err := os.ReadFile(file)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, []byte("app-secret-9f8e"))
	mac.Write(body)
	code, out, errOut := run("template", "run", "../../examples/whatsapp_cloud.xml", "--scenario", "ReceiveMessage", "--json",
		"--field", "access_token=EAAG-token", "--field", "app_secret=app-secret-9f8e", "--field", "graph_version=v24.0",
		"--webhook", file, "--header", "X-Hub-Signature-256: sha256="+hex.EncodeToString(mac.Sum(nil)))
	require.Equal(t, cli.ExitOK, code, out+errOut)
	var hook struct {
		Verified string
		Messages []struct {
			Text      string
			MediaURLs []string `json:"mediaUrls"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &hook), out)
	require.Equal(t, "yes", hook.Verified)
	require.Len(t, hook.Messages, 1)
	require.Equal(t, "[Image] Taj Mahal", hook.Messages[0].Text)
	require.Equal(t, []string{"https://graph.facebook.com/v24.0/1003383421387256"}, hook.Messages[0].MediaURLs)
	require.NotContains(t, out, "EAAG-token")
}
