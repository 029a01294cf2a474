package server_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Uploading a channel template refuses mistakes in the strings the
// messaging side renders (TextFormat, ExpectBody, webhook answers), with
// their places, instead of accepting it and failing when a channel connects.
func TestUploadRefusesChannelTextErrors(t *testing.T) {
	e := newEnv(t)
	r := e.admin("POST", "/api/v1/templates", readFile(t, "../templates/testdata/invalid/channel-texts.xml"))
	require.Equal(t, 400, r.Status)
	body := r.JSON(t)["error"].(map[string]any)
	require.Equal(t, "invalid_template", body["code"])
	var textFormat map[string]any
	for _, d := range body["details"].([]any) {
		if d := d.(map[string]any); d["path"] == "Scenario[ReceiveMessage]/Parameter[TextFormat]@Value" {
			textFormat = d
		}
	}
	require.NotNil(t, textFormat, "%v", body["details"])
	require.EqualValues(t, 34, textFormat["line"])
	require.EqualValues(t, 38, textFormat["column"])
	require.Equal(t, `template: function "nosuchfunc" not defined`, textFormat["message"])
	require.Len(t, body["details"], 5)
}
