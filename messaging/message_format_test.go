package messaging_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/messaging"
)

// formatChannel is a channel template whose ReceiveMessage has the given
// settings.
func formatChannel(settings string) (*messaging.Definition, error) {
	src := fmt.Sprintf(`<Information Provider="messaging" Name="F" Key="f" AuthType="none">
<Scenarios>
  <Scenario Id="AuthMethod" Type="AUTH"><Parameters>
    <Parameter Father="CustomFieldList" Name="media_base" Value="https://media.example.test"/>
    <Parameter Father="CustomFieldList" Name="token" Editor="password"/>
  </Parameters></Scenario>
  <Scenario Id="SendMessage" Type="REST"><Requests><Request Name="send" Method="POST" URLFormat="https://x"><Outputs><Output Name="MessageId" Path="id"/></Outputs></Request></Requests></Scenario>
  <Scenario Id="ReceiveMessage" Type="REST">
    <Parameters>%s</Parameters>
    <Requests><Request Name="m"><Outputs>
      <Output Name="MessageId" Path="messages.#.id"/><Output Name="From" Path="messages.#.from"/>
      <Output Name="Text" Path="messages.#.text"/><Output Name="Kind" Path="messages.#.kind"/>
      <Output Name="Files" Path="messages.#.files"/>
    </Outputs></Request></Requests>
  </Scenario>
</Scenarios></Information>`, settings)
	et, problems := engine.Load("f.xml", []byte(src), engine.Options{Location: time.UTC})
	if problems.HasErrors() {
		return nil, fmt.Errorf("%v", problems)
	}
	return messaging.Define(et)
}

const formatHook = `{"messages":[
  {"id":"m1","from":"+14155550123","kind":"photo","text":"look","files":["a.jpg","b.jpg"]},
  {"id":"m2","from":"+14155550123","text":"plain"}]}`

func TestMessageFormats(t *testing.T) {
	t.Run("text and media from the outputs and the channel's fields", func(t *testing.T) {
		d, err := formatChannel(`
			<Parameter Name="TextFormat" Value="{{if .Kind}}[{{.Kind}}] {{end}}{{.Text}}"/>
			<Parameter Name="MediaUrlFormat" Value='{{$b := .media_base}}{{if .Files}}{{$l := list}}{{range fromJson .Files}}{{$l = append $l (print $b "/" .)}}{{end}}{{toJson $l}}{{end}}'/>`)
		require.NoError(t, err)
		parsed, err := d.Parse([]byte(formatHook), engine.Vars{"token": "tok-secret"})
		require.NoError(t, err)
		require.Empty(t, parsed.Warnings)
		require.Len(t, parsed.Messages, 2)
		require.Equal(t, "[photo] look", parsed.Messages[0].Text)
		require.Equal(t, []string{"https://media.example.test/a.jpg", "https://media.example.test/b.jpg"}, parsed.Messages[0].MediaURLs, "the field's default applies")
		require.Equal(t, "plain", parsed.Messages[1].Text)
		require.Equal(t, []string{}, parsed.Messages[1].MediaURLs)

		parsed, err = d.Parse([]byte(formatHook), engine.Vars{"media_base": "https://cdn.test"})
		require.NoError(t, err)
		require.Equal(t, "https://cdn.test/a.jpg", parsed.Messages[0].MediaURLs[0], "the channel's value wins")
	})
	t.Run("password fields are not given to the formats", func(t *testing.T) {
		d, err := formatChannel(`<Parameter Name="TextFormat" Value="{{.Text}} {{.token}}"/>`)
		require.NoError(t, err)
		parsed, err := d.Parse([]byte(formatHook), engine.Vars{"token": "tok-secret"})
		require.NoError(t, err)
		require.Equal(t, "look", parsed.Messages[0].Text)
	})
	t.Run("a format that fails keeps the outputs and says why", func(t *testing.T) {
		d, err := formatChannel(`
			<Parameter Name="TextFormat" Value='{{dig "a" "" (fromJson .Text)}}'/>
			<Parameter Name="MediaUrlFormat" Value="[not json"/>`)
		require.NoError(t, err)
		parsed, err := d.Parse([]byte(formatHook), nil)
		require.NoError(t, err, "a message is never dropped for its format")
		require.Len(t, parsed.Messages, 2)
		require.Equal(t, "look", parsed.Messages[0].Text)
		require.Equal(t, []string{}, parsed.Messages[0].MediaURLs)
		require.Len(t, parsed.Warnings, 4)
		require.Contains(t, parsed.Warnings[0], "message m1: TextFormat: template: at {{dig")
		require.Contains(t, parsed.Warnings[1], `message m1: MediaUrlFormat gave "[not json", which is not a JSON list of strings`)
	})
	t.Run("a format that does not compile is refused when the template loads, with its place", func(t *testing.T) {
		_, err := formatChannel(`<Parameter Name="TextFormat" Value="{{.Text"/>`)
		require.ErrorContains(t, err, "f.xml:9:46 Scenario[ReceiveMessage]/Parameter[TextFormat]@Value: template: unclosed action")
	})
}
