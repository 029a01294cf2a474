package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templates"
)

// Every starter template loads with no problem at all: an integrator
// starts from something that works.
func TestStarterTemplatesAreClean(t *testing.T) {
	for _, provider := range templates.StarterProviders {
		for _, auth := range templates.StarterAuths {
			src, err := templates.Starter(provider, auth)
			if provider == "sms" && auth == "oauth2" {
				require.ErrorContains(t, err, "an sms channel template takes none, basic or bearertoken")
				continue
			}
			require.NoError(t, err)
			_, problems := engine.Load(provider+"-"+auth+".xml", []byte(src), engine.Options{})
			require.Empty(t, problems, "%s/%s:\n%s", provider, auth, problems)
		}
	}
	_, err := templates.Starter("pbx", "none")
	require.ErrorContains(t, err, `provider "pbx" is not one of helpdesk, crm, sms`)
	_, err = templates.Starter("crm", "apikey")
	require.ErrorContains(t, err, `auth "apikey" is not one of none, basic, oauth2, bearertoken`)
}
