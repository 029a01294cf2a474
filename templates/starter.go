package templates

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"text/template"
)

// StarterProviders and StarterAuths are what a starter template can be
// made for (`switchboard template new`).
var (
	StarterProviders = []string{"helpdesk", "crm", "sms"}
	StarterAuths     = []string{"none", "basic", "oauth2", "bearertoken"}
)

// Starter returns a starter template for a provider and an auth type: a
// complete, valid template against a made-up vendor API (paths under its
// base_url field) whose requests, paths and outputs the
// integrator replaces with the vendor's, scenario by scenario, with a
// comment at each place to change. A channel (sms) has no oauth2: its
// provider signs requests with a key, not a person's consent.
func Starter(provider, auth string) (string, error) {
	if !slices.Contains(StarterProviders, provider) {
		return "", fmt.Errorf("provider %q is not one of %s", provider, strings.Join(StarterProviders, ", "))
	}
	if !slices.Contains(StarterAuths, auth) {
		return "", fmt.Errorf("auth %q is not one of %s", auth, strings.Join(StarterAuths, ", "))
	}
	if provider == "sms" && auth == "oauth2" {
		return "", fmt.Errorf("an sms channel template takes none, basic or bearertoken: providers sign channels' requests with a key, not with a person's OAuth2 consent")
	}
	var b bytes.Buffer
	err := starter.Execute(&b, map[string]string{"Provider": provider, "Auth": auth, "Key": "my_" + provider})
	return b.String(), err
}

var starter = template.Must(template.New("starter").Delims("[[", "]]").Parse(`<?xml version="1.0" encoding="UTF-8"?>
<!--
  A starter [[.Provider]] template ([[.Auth]] auth). Replace, scenario by
  scenario, the made-up API below (paths under the base_url field) with
  your vendor's:
  each request's method and URLFormat, its body, and each output's Path
  (a GJSON path into the answer). Check it as you go: "switchboard
  template validate" reads it, "template run" runs a scenario against the
  vendor (its scenario, fields and variables as flags), and "template
  check" holds it to the vendor's OpenAPI document when there is one.
  Write down, here, the vendor's documentation each request follows.
-->
<Information Provider="[[.Provider]]" Name="My [[.Provider]]" Key="[[.Key]]" Version="0.1.0" AuthType="[[.Auth]]" MaxConcurrentRequest="10"[[if ne .Provider "sms"]] UserAssociation="1" CallJournal="1" CreateNewContact="1" CreateNewTicket="1"[[end]]
    Remark="What an admin needs to know to connect it: where each field's value comes from.">
  <Scenarios>
    <Scenario Id="AuthMethod" Type="AUTH">
      <Parameters>
        <Parameter Name="AuthMethod" Value="[[.Auth]]"/>
[[- if eq .Auth "basic"]]
        <!-- Basic credentials: base64 of this. An API key alone: CredentialType api_key and {{.api_key}}. -->
        <Parameter Name="CredentialType" Value="username_password"/>
        <Parameter Name="Base64EncodedCredential" Value="{{.username}}:{{.password}}"/>
[[- else if eq .Auth "oauth2"]]
        <!-- The vendor's OAuth2 authorization-code endpoints; the admin signs in once. -->
        <Parameter Name="AuthEndPoint" Value="{{.base_url}}/oauth/authorize"/>
        <Parameter Name="TokenEndPoint" Value="{{.base_url}}/oauth/token"/>
        <Parameter Name="Scope" Value="contacts tickets"/>
[[- else if eq .Auth "bearertoken"]]
        <!-- A token fetched with the client's credentials, renewed before it expires. -->
        <Parameter Name="TokenEndPoint" Value="{{.base_url}}/oauth/token"/>
        <Parameter Name="TokenRequestBody" Value="grant_type=client_credentials&amp;client_id={{UrlEncode .client_id}}&amp;client_secret={{UrlEncode .client_secret}}"/>
        <Parameter Name="AccessTokenPath" Value="access_token"/>
[[- end]]
        <Parameter Father="CustomFieldList" Name="base_url" Title="API address (https://yourcompany.example.com)"/>
[[- if eq .Auth "basic"]]
        <Parameter Father="CustomFieldList" Name="username" Title="User name"/>
        <Parameter Father="CustomFieldList" Name="password" Title="Password" Editor="password"/>
[[- else if or (eq .Auth "oauth2") (eq .Auth "bearertoken")]]
        <Parameter Father="CustomFieldList" Name="client_id" Title="Client ID"/>
        <Parameter Father="CustomFieldList" Name="client_secret" Title="Client secret" Editor="password"/>
[[- else]]
        <!-- No auth: a key in a header of every request. -->
        <Parameter Father="CustomFieldList" Name="api_key" Title="API key" Editor="password"/>
        <Parameter Father="PopulateTemplateString" Type="Header" Name="X-Api-Key" Value="{{.api_key}}"/>
[[- end]]
        <Parameter Father="PopulateTemplateString" Type="Header" Name="Accept" Value="application/json"/>
[[- if eq .Provider "sms"]]

        <!-- How the provider's webhooks prove themselves: an HMAC of the body with the secret. -->
        <Parameter Father="CustomFieldList" Name="webhook_secret" Title="Webhook signing secret" Editor="password"/>
        <Parameter Father="Webhook" Name="Verification" Value="hmac-sha256"/>
        <Parameter Father="Webhook" Name="SignatureHeader" Value="X-Signature-256"/>
        <Parameter Father="Webhook" Name="SignaturePrefix" Value="sha256="/>
        <Parameter Father="Webhook" Name="Secret" Value="{{.webhook_secret}}"/>

        <Parameter Father="Channel" Name="MessagesPerSecond" Value="1"/>
        <Parameter Father="Channel" Name="AgentInitiated" Value="1"/>
        <Parameter Father="Channel" Name="ErrorCodePath" Value="error.code"/>
        <Parameter Father="Channel" Name="ErrorMessagePath" Value="error.message"/>
        <!-- What the provider's error codes mean: temporary ones are sent again. -->
        <Parameter Father="ErrorMap" Name="HTTP 401" Value="The provider refused the credentials." Type="auth"/>
        <Parameter Father="ErrorMap" Name="HTTP 429" Value="Too many messages; sent again shortly." Type="temporary"/>
        <Parameter Father="StatusMap" Name="delivered" Value="delivered"/>
        <Parameter Father="StatusMap" Name="undelivered" Value="failed"/>
[[- end]]
      </Parameters>
    </Scenario>
[[if eq .Provider "sms"]]
    <!-- Checks the credentials when the channel is saved. -->
    <Scenario Id="VerifyChannel" Type="REST">
      <Requests>
        <Request Name="verify" Method="GET" URLFormat="{{.base_url}}/v1/account"/>
      </Requests>
    </Scenario>

    <!-- Sends an agent's message: From is the channel number, To the customer, both E.164. -->
    <Scenario Id="SendMessage" Type="REST">
      <Requests>
        <Request Name="send" Method="POST" URLFormat="{{.base_url}}/v1/messages">
          <Parameters>
            <Parameter Name="Data" Type="Body" Value='{"from":"{{.From}}","to":"{{.To}}","text":"{{JsonEscape .Text}}","media_urls":{{.MediaUrls}},"status_callback":"{{.WebhookUrl}}"}'/>
          </Parameters>
          <Outputs>
            <Output Name="MessageId" Path="id"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- Reads a webhook that brings a customer's message (event "message.received"). -->
    <Scenario Id="ReceiveMessage" Type="REST">
      <Parameters>
        <Parameter Name="EventPath" Value="event"/>
        <Parameter Name="EventValue" Value="message.received"/>
      </Parameters>
      <Requests>
        <Request Name="message">
          <Outputs>
            <Output Name="MessageId" Path="message.id"/>
            <Output Name="From" Path="message.from"/>
            <Output Name="To" Path="message.to"/>
            <Output Name="Text" Path="message.text"/>
            <Output Name="MediaUrls" Path="message.media_urls" Type="list"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- Reads a delivery report (event "message.status"); StatusMap says what its statuses mean. -->
    <Scenario Id="DeliveryReport" Type="REST">
      <Parameters>
        <Parameter Name="EventPath" Value="event"/>
        <Parameter Name="EventValue" Value="message.status"/>
      </Parameters>
      <Requests>
        <Request Name="status">
          <Outputs>
            <Output Name="MessageId" Path="message.id"/>
            <Output Name="Status" Path="message.status"/>
            <Output Name="ErrorCode" Path="message.error.code"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>
[[- else]]
    <!-- Finds the caller by number for the screen pop. Outputs: one row per contact. -->
    <Scenario Id="SyncContactAuto" Type="REST">
      <Parameters>
        <Parameter Name="ContactUrlType" Value="specify_url_format"/>
        <Parameter Name="URLFormat" Value="{{.base_url}}/contacts/{{.ContactId}}"/>
        <Parameter Name="ContactsIdEnable" Value="1"/>
        <Parameter Name="FirstNameEnable" Value="1"/>
        <Parameter Name="LastNameEnable" Value="1"/>
        <Parameter Name="EmailEnable" Value="1"/>
        <Parameter Name="BusinessNumberEnable" Value="1"/>
      </Parameters>
      <Requests>
        <Request Name="contacts" Method="GET" URLFormat="{{.base_url}}/v1/contacts?phone={{UrlEncode .Phone}}">
          <Outputs>
            <Output Name="ContactsId" Path="contacts.#.id"/>
            <Output Name="FirstName" Path="contacts.#.first_name"/>
            <Output Name="LastName" Path="contacts.#.last_name"/>
            <Output Name="Email" Path="contacts.#.email"/>
            <Output Name="BusinessNumber" Path="contacts.#.phone"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- An agent's search in the console: SearchValue is what they typed. -->
    <Scenario Id="SearchContact" Type="REST">
      <Requests>
        <Request Name="SearchContact_contacts" Method="GET" URLFormat="{{.base_url}}/v1/contacts?query={{UrlEncode .SearchValue}}">
          <Outputs>
            <Output Name="ContactsId" Path="contacts.#.id"/>
            <Output Name="FirstName" Path="contacts.#.first_name"/>
            <Output Name="LastName" Path="contacts.#.last_name"/>
            <Output Name="BusinessNumber" Path="contacts.#.phone"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- The vendor's users, to bind each extension to one. -->
    <Scenario Id="UserAssociation" Type="REST">
      <Requests>
        <Request Name="UserAssociation" Method="GET" URLFormat="{{.base_url}}/v1/users">
          <Outputs>
            <Output Name="UserUniqueId" Path="users.#.id"/>
            <Output Name="FirstName" Path="users.#.first_name"/>
            <Output Name="LastName" Path="users.#.last_name"/>
            <Output Name="Email" Path="users.#.email"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- Creates the caller as a contact when none was found. -->
    <Scenario Id="CreateNewContact" Type="REST">
      <Requests>
        <Request Name="contacts" Method="POST" URLFormat="{{.base_url}}/v1/contacts">
          <Parameters>
            <Parameter Name="Data" Type="Body" Value='{"first_name":"{{JsonEscape .FirstName}}","last_name":"{{JsonEscape .LastName}}","phone":"{{JsonEscape .BusinessNumber}}"}'/>
          </Parameters>
          <Outputs>
            <Output Name="ContactId" Path="id"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- Opens a ticket for the call; TicketURLFormat is where the agent sees it. -->
    <Scenario Id="CreateNewTicket" Type="REST">
      <Parameters>
        <Parameter Name="TicketURLFormat" Value="{{.base_url}}/tickets/{{.TicketId}}"/>
        <Parameter Name="EnableSubject" Value="1"/>
        <Parameter Name="Subject" Value="{{.Communication_Type}} call from {{.Call_From}}"/>
        <Parameter Name="EnableDescription" Value="1"/>
        <Parameter Name="Description" Value="{{.Communication_Type}} call {{.Call_Status}}, talk time {{.Talk_Duration}}"/>
      </Parameters>
      <Requests>
        <Request Name="CreateNewTicket" Method="POST" URLFormat="{{.base_url}}/v1/tickets">
          <Parameters>
            <Parameter Name="Data" Type="Body" Value='{"subject":"{{JsonEscape .Subject}}","description":"{{JsonEscape .Description}}","contact_id":"{{JsonEscape .ContactId}}"}'/>
          </Parameters>
          <Outputs>
            <Output Name="TicketId" Path="id"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>

    <!-- Logs the call on its ticket when it ends. -->
    <Scenario Id="CallJournal" Type="REST">
      <Parameters>
        <Parameter Name="EnableSubject" Value="1"/>
        <Parameter Name="Subject" Value="{{.Communication_Type}} call {{.Call_Status}}"/>
        <Parameter Name="EnableDescription" Value="1"/>
        <Parameter Name="Description" Value="From {{.Call_From}} to {{.Call_To}}, talk time {{.Talk_Duration}}"/>
      </Parameters>
      <Requests>
        <Request Name="CallJournal" Method="POST" URLFormat="{{if .TicketId}}{{.base_url}}/v1/tickets/{{.TicketId}}/notes{{end}}">
          <Parameters>
            <Parameter Name="Data" Type="Body" Value='{"body":"{{JsonEscape .Subject}}\n{{JsonEscape .Description}}"}'/>
          </Parameters>
        </Request>
      </Requests>
    </Scenario>
[[- end]]
  </Scenarios>
</Information>
`))
