package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// Basic authenticates with Authorization: Basic base64(credential). The
// credential is the template's Base64EncodedCredential rendered with the
// integration's fields, e.g. {{.email}}/token:{{.api_token}}. Without one,
// CredentialType chooses the usual form: username_password is
// {{.username}}:{{.password}}, api_key is {{.api_key}}.
type Basic struct {
	cred engine.Credentials // the same every time: built once
}

var defaultCredentials = map[string]string{
	"username_password": "{{.username}}:{{.password}}",
	"api_key":           "{{.api_key}}",
}

// NewBasic renders the credential once; fields do not change between
// requests, and a changed field makes a new integration client.
func NewBasic(t *engine.Template, vars engine.Vars) (*Basic, error) {
	text := t.AuthText("Base64EncodedCredential")
	if text == nil || strings.TrimSpace(text.Source()) == "" {
		ct := strings.TrimSpace(t.Source.AuthParam("CredentialType"))
		def, ok := defaultCredentials[ct]
		if !ok {
			return nil, fmt.Errorf("basic auth: the template has no Base64EncodedCredential and no CredentialType (username_password or api_key)")
		}
		var err error
		if text, err = engine.CompileText(def, engine.FuncMap(time.UTC)); err != nil {
			return nil, err
		}
	}
	raw, err := text.Render(vars)
	if err != nil {
		return nil, fmt.Errorf("basic auth: rendering Base64EncodedCredential: %w", err)
	}
	if strings.Trim(raw, ": ") == "" {
		return nil, fmt.Errorf("basic auth: the credential %q renders empty; fill in the fields it uses", text.Source())
	}
	encoded := base64.StdEncoding.EncodeToString([]byte(raw))
	h := http.Header{}
	h.Set("Authorization", "Basic "+encoded)
	return &Basic{cred: engine.Credentials{Header: h, Secrets: []string{raw, encoded}}}, nil
}

// Credentials implements engine.Authorizer.
func (b *Basic) Credentials(context.Context) (engine.Credentials, error) {
	return b.cred, nil
}
