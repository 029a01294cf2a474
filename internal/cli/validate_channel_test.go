package cli_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
)

// `template validate` reports mistakes in the strings a channel template
// has the messaging side render (here TextFormat, MediaUrlFormat,
// ExpectBody and webhook parameters) with their places, and fails; before,
// the file was "ok" and the mistakes surfaced when a channel connected.
func TestValidateChannelTexts(t *testing.T) {
	file := "../../templates/testdata/invalid/channel-texts.xml"
	code, out, _ := run("template", "validate", file)
	require.Equal(t, cli.ExitFailed, code, out)
	require.Contains(t, out, file+`:34:38 Scenario[ReceiveMessage]/Parameter[TextFormat]@Value: template: function "nosuchfunc" not defined`)
	require.Contains(t, out, file+`:35:42 Scenario[ReceiveMessage]/Parameter[MediaUrlFormat]@Value: template: function "fromJsn" not defined (did you mean "fromJson"?)`)
	require.Contains(t, out, file+`:19:38 Scenario[VerifyChannel]/Parameter[ExpectBody]@Value: template: function "UrlEncod" not defined (did you mean "UrlEncode"?)`)
	require.Contains(t, out, "invalid, 5 errors, 0 warnings")
}
