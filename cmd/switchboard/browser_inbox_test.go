package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/switchboard/switchboard/internal/browsertest"
)

const (
	inboxSMSKey    = "sk-inbox-3c1d"
	inboxSMSSecret = "whsec-inbox-9e27"
	inboxNumber    = "+14155550100"
	inboxCustomer  = "+14155550123"
)

// inboxSMSProvider is a provider of the generic SMS API: it echoes the
// verify challenge and records the messages it is asked to send.
type inboxSMSProvider struct {
	*httptest.Server
	mu   sync.Mutex
	sent []string // the bodies of POST /sendmessage
}

func newInboxSMSProvider(t *testing.T) *inboxSMSProvider {
	p := &inboxSMSProvider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+inboxSMSKey {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/verify":
			fmt.Fprint(w, r.URL.Query().Get("challenge"))
		case "/sendmessage":
			b, _ := io.ReadAll(r.Body)
			p.mu.Lock()
			p.sent = append(p.sent, string(b))
			n := len(p.sent)
			p.mu.Unlock()
			fmt.Fprintf(w, `{"data":{"id":"out-%d"}}`, n)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *inboxSMSProvider) bodies() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

// inboxSMSTemplate is the generic SMS API template with delivery reports
// (data.event_type message.finalized) and a length limit, as a provider
// that reports deliveries would have it.
func inboxSMSTemplate(t *testing.T) string {
	b, err := os.ReadFile("../../examples/sms_generic.xml")
	require.NoError(t, err)
	x := strings.Replace(string(b), `Key="sms_generic"`, `Key="sms_generic_reports"`, 1)
	x = strings.Replace(x, `Name="SMS API (generic)"`, `Name="SMS API with delivery reports"`, 1)
	x = strings.Replace(x, `<Parameter Father="Channel" Name="AgentInitiated" Value="1"/>`,
		`<Parameter Father="Channel" Name="AgentInitiated" Value="1"/>
        <Parameter Father="Channel" Name="MaxTextLength" Value="612"/>`, 1)
	x = strings.Replace(x, `  </Scenarios>`, `    <Scenario Id="DeliveryReport" Type="REST">
      <Parameters>
        <Parameter Name="EventPath" Value="data.event_type"/>
        <Parameter Name="EventValue" Value="message.finalized"/>
      </Parameters>
      <Requests>
        <Request Name="status">
          <Outputs>
            <Output Name="MessageId" Path="data.payload.id"/>
            <Output Name="Status" Path="data.payload.to.0.status"/>
          </Outputs>
        </Request>
      </Requests>
    </Scenario>
  </Scenarios>`, 1)
	require.Contains(t, x, "DeliveryReport")
	return x
}

// waitTrue polls a page condition until it holds.
func waitTrue(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](js))
	require.NoError(t, err, "waiting for %s", js)
}

// Two agents of a queue, each in their own browser: a customer's SMS is
// offered to both; one takes it over (it leaves the other's inbox), answers
// with Enter, the provider gets the answer, and its delivery report turns
// the tick delivered. The same inbox at a phone's width; a new
// conversation started from a number the agent's extension may use.
func TestBrowserInboxJourney(t *testing.T) {
	addr, _ := serveFresh(t)
	base := "http://" + addr
	as := asAdmin(t, addr)
	provider := newInboxSMSProvider(t)

	// The admin's setup, through the API.
	req, _ := http.NewRequest("POST", base+"/api/v1/templates", strings.NewReader(inboxSMSTemplate(t)))
	req.Header.Set("Authorization", "Bearer "+browserAdminToken)
	req.Header.Set("Content-Type", "application/xml")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	tb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 201, res.StatusCode, string(tb))
	templateID := gjson.GetBytes(tb, "id").String()
	for _, ext := range []string{"1001", "1002"} {
		as("PUT", "/api/v1/extensions/"+ext, map[string]string{"firstName": "Agent", "lastName": ext, "email": ext + "@acme.test"})
	}
	queue := as("POST", "/api/v1/queues", map[string]any{"name": "Support", "agents": []string{"1001", "1002"}})
	ch := as("POST", "/api/v1/channels", map[string]any{"templateId": templateID, "name": "Main SMS",
		"fields": map[string]string{"api_key": inboxSMSKey, "secret": inboxSMSSecret, "send_url": provider.URL + "/sendmessage", "verify_url": provider.URL + "/verify"},
		"numbers": []map[string]any{{"number": inboxNumber, "destination": map[string]string{"type": "queue", "id": queue["id"].(string)},
			"allowedExtensions": []string{"1001"}}},
	})
	require.Equal(t, "connected", ch["status"], ch["statusReason"])
	hook := ch["webhookUrl"].(string)
	as("POST", "/api/v1/users", map[string]any{"name": "ann", "role": "agent", "extension": "1001", "password": "agent password 1"})
	as("POST", "/api/v1/users", map[string]any{"name": "bob", "role": "agent", "extension": "1002", "password": "agent password 2"})

	// Two agents, two browser contexts (their own cookies) of one browser.
	ann := browsertest.New(t)
	bob, cancelBob := chromedp.NewContext(ann, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelBob)
	for _, a := range []struct {
		ctx             context.Context
		login, password string
	}{{ann, "ann", "agent password 1"}, {bob, "bob", "agent password 2"}} {
		require.NoError(t, chromedp.Do(a.ctx,
			signIn(base, a.login, a.password),
			chromedp.WaitVisible(chromedp.CSS("#agent-calls")),
			chromedp.Navigate(base+"/inbox"),
			chromedp.WaitVisible(chromedp.CSS("#inbox-page")),
		))
		waitTrue(t, a.ctx, `document.getElementById("stream-state").classList.contains("live")`)
	}

	// The customer writes: the offer shows in both inboxes, unread.
	in := fmt.Sprintf(`{"data":{"event_type":"message.received","id":"evt-1","payload":{"id":"in-1","from":{"phone_number":%q},`+
		`"to":[{"phone_number":%q}],"text":"Hi, my order #4411 has not arrived yet. Can you check?","media":[],"record_type":"message"}}}`, inboxCustomer, inboxNumber)
	postSigned(t, hook, inboxSMSSecret, in)
	for _, ctx := range []context.Context{ann, bob} {
		require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#offers li.session .inbox-badge`))))
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#offers li.session`)))
		require.NoError(t, err)
		require.Contains(t, text, inboxCustomer)
		require.Contains(t, text, "1", "one unread message")
	}

	// Ann opens it and takes it over; it leaves Bob's inbox.
	require.NoError(t, chromedp.Do(ann,
		chromedp.Click(chromedp.CSS(`#offers li.session button`)),
		chromedp.WaitVisible(chromedp.CSS(`#offer-bar`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.in`)),
	))
	browsertest.Screenshot(t, ann, "inbox-desktop")
	require.NoError(t, chromedp.Do(ann,
		chromedp.Click(chromedp.CSS(`#take-over`)),
		chromedp.WaitVisible(chromedp.CSS(`#reply-text`)),
	))
	waitTrue(t, bob, `document.querySelectorAll("#offers li.session, #sessions li.session").length === 0`)
	waitTrue(t, ann, `document.querySelector('#timeline .tl-event[data-type="taken_over"]') !== null`)
	waitTrue(t, ann, `document.querySelectorAll("#sessions li.session").length === 1 && document.querySelector(".inbox-badge") === null`)

	// She answers, Enter sends; the counter counts the channel's limit.
	require.NoError(t, chromedp.Do(ann, chromedp.SendKeys(chromedp.CSS("#reply-text"), "Sorry about that!")))
	count, err := chromedp.Run(ann, chromedp.Text(chromedp.CSS("#reply-count")))
	require.NoError(t, err)
	require.Equal(t, "17 / 612", count)
	require.NoError(t, chromedp.Do(ann, chromedp.SendKeys(chromedp.CSS("#reply-text"), " It ships today."+kb.Enter)))
	waitTrue(t, ann, `document.querySelector(".msg.out .tick") !== null && document.getElementById("reply-text").value === ""`)
	var bodies []string
	require.Eventually(t, func() bool { bodies = provider.bodies(); return len(bodies) == 1 }, 15e9, 2e7, "the provider got the answer")
	require.Equal(t, "Sorry about that! It ships today.", gjson.Get(bodies[0], "text").String())
	require.Equal(t, inboxCustomer, gjson.Get(bodies[0], "to").String())
	waitTrue(t, ann, `document.querySelector('.msg.out .tick[data-status="sent"]') !== null`)

	// The provider's delivery report turns the tick delivered.
	postSigned(t, hook, inboxSMSSecret, `{"data":{"event_type":"message.finalized","id":"evt-2","payload":{"id":"out-1","to":[{"phone_number":"`+inboxCustomer+`","status":"delivered"}]}}}`)
	waitTrue(t, ann, `document.querySelector('.msg.out .tick[data-status="delivered"]') !== null`)
	browsertest.Screenshot(t, ann, "inbox-conversation")

	// The customer opts out: the automatic answer shows, and a reply is
	// refused with a clear notice.
	postSigned(t, hook, inboxSMSSecret, fmt.Sprintf(`{"data":{"event_type":"message.received","id":"evt-3","payload":{"id":"in-2","from":{"phone_number":%q},`+
		`"to":[{"phone_number":%q}],"text":"STOP","media":[],"record_type":"message"}}}`, inboxCustomer, inboxNumber))
	waitTrue(t, ann, `document.querySelector(".msg.system") !== null`)
	require.Eventually(t, func() bool { return len(provider.bodies()) == 2 }, 15e9, 2e7, "the provider got the opt-out answer")
	require.NoError(t, chromedp.Do(ann,
		chromedp.SendKeys(chromedp.CSS("#reply-text"), "Are you sure?"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#conv-notice")),
	))
	optedOut, err := chromedp.Run(ann, chromedp.Text(chromedp.CSS("#conv-notice")))
	require.NoError(t, err)
	require.Contains(t, optedOut, "opted out")

	// Bob's extension may not start conversations: the form says so.
	require.NoError(t, chromedp.Do(bob,
		chromedp.Click(chromedp.CSS("#new-conversation")),
		chromedp.WaitVisible(chromedp.CSS("#new-notice")),
	))
	refusal, err := chromedp.Run(bob, chromedp.Text(chromedp.CSS("#new-notice")))
	require.NoError(t, err)
	require.Contains(t, refusal, "may not start conversations")

	// Ann starts one from the number her extension may use.
	require.NoError(t, chromedp.Do(ann,
		chromedp.Click(chromedp.CSS("#new-conversation")),
		chromedp.WaitVisible(chromedp.CSS("#new-to")),
	))
	waitTrue(t, ann, `document.querySelector("#new-from option") !== null && !document.getElementById("new-to").disabled`)
	require.NoError(t, chromedp.Do(ann,
		chromedp.SendKeys(chromedp.CSS("#new-to"), "+14155550199"),
		chromedp.SendKeys(chromedp.CSS("#new-text"), "Hello from Acme: your parcel is on its way."),
		chromedp.Click(chromedp.CSS("#new-send")),
	))
	waitTrue(t, ann, `document.getElementById("conv-customer").textContent === "+14155550199" && document.querySelector(".msg.out") !== null`)
	require.Eventually(t, func() bool { bodies = provider.bodies(); return len(bodies) == 3 }, 15e9, 2e7, "the provider got the new conversation's message")
	require.Equal(t, "+14155550199", gjson.Get(bodies[2], "to").String())
	waitTrue(t, ann, `document.querySelectorAll("#sessions li.session").length === 2`)

	// Ann transfers it to Bob: it leaves her inbox and shows in his.
	require.NoError(t, chromedp.Do(ann,
		chromedp.Click(chromedp.CSS("#show-transfer")),
		chromedp.WaitVisible(chromedp.CSS("#transfer-ext")),
		chromedp.SendKeys(chromedp.CSS("#transfer-ext"), "1002"),
		chromedp.Click(chromedp.CSS(`#transfer button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#conv-notice")),
	))
	waitTrue(t, ann, `document.getElementById("conv-notice").textContent.includes("extension 1002") && document.querySelectorAll("#sessions li.session").length === 1`)
	require.NoError(t, chromedp.Do(bob,
		chromedp.WaitVisible(chromedp.CSS(`#sessions li.session button`)),
		clickListed(`#sessions li.session button`),
		chromedp.WaitVisible(chromedp.CSS(`#timeline .tl-event[data-type="transferred"]`)),
	))
	moved, err := chromedp.Run(bob, chromedp.Text(chromedp.CSS(`#timeline .tl-event[data-type="transferred"]`)))
	require.NoError(t, err)
	require.Contains(t, moved, "from extension 1001 to extension 1002")

	// Bob archives it (it leaves the open ones), brings it back, and
	// closes it (asked in the page): nothing more can be written in it.
	require.NoError(t, chromedp.Do(bob,
		chromedp.Click(chromedp.CSS("#archive")),
		chromedp.WaitVisible(chromedp.CSS("#unarchive")),
	))
	waitTrue(t, bob, `document.querySelectorAll("#sessions li.session").length === 0`)
	require.NoError(t, chromedp.Do(bob,
		chromedp.Click(chromedp.CSS("#unarchive")),
		chromedp.WaitVisible(chromedp.CSS("#archive")),
	))
	waitTrue(t, bob, `document.querySelectorAll("#sessions li.session").length === 1`)
	require.NoError(t, chromedp.Do(bob,
		chromedp.Click(chromedp.CSS("#close")),
	))
	require.NoError(t, chromedp.Do(bob,
		chromedp.WaitVisible(chromedp.CSS(".conv-actions .confirm-yes")),
		chromedp.Click(chromedp.CSS(".conv-actions .confirm-yes")),
		chromedp.WaitVisible(chromedp.CSS(`#timeline .tl-event[data-type="closed"]`)),
	))
	waitTrue(t, bob, `document.getElementById("reply").hidden && document.getElementById("close").hidden && document.getElementById("conv-notice").textContent.includes("closed")`)

	// A phone's width: the list, then the conversation with a way back.
	require.NoError(t, chromedp.Do(ann,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/inbox"),
		chromedp.WaitVisible(chromedp.CSS(`#sessions li.session`)),
	))
	waitTrue(t, ann, `getComputedStyle(document.querySelector(".inbox-pane")).display === "none" && document.documentElement.scrollWidth <= 390`)
	waitTrue(t, ann, `document.getElementById("inbox-body").dataset.unread === "counted"`)
	unread, err := chromedp.Run(ann, chromedp.Evaluate[int](`document.querySelectorAll(".inbox-badge").length`))
	require.NoError(t, err)
	require.Zero(t, unread, "what Ann read stays read")
	browsertest.Screenshot(t, ann, "inbox-phone-list")
	require.NoError(t, chromedp.Do(ann,
		clickListed(`#sessions li.session:last-child button`),
		chromedp.WaitVisible(chromedp.CSS(`#back`)),
		chromedp.WaitVisible(chromedp.CSS(`.msg.out .tick[data-status="delivered"]`)),
	))
	waitTrue(t, ann, `getComputedStyle(document.querySelector(".inbox-list")).display === "none" && document.documentElement.scrollWidth <= 390`)
	browsertest.Screenshot(t, ann, "inbox-phone")
	require.NoError(t, chromedp.Do(ann,
		chromedp.Click(chromedp.CSS(`#back`)),
		chromedp.WaitVisible(chromedp.CSS(`#sessions li.session`)),
	))
}
