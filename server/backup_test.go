package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/internal/cli"
	"github.com/switchboard/switchboard/store"
)

// A backup of a running service under load, restored into a new data
// directory, holds every integration with its secrets and every call and
// message stored before the backup began.
func TestBackupOfRunningServiceRestores(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := newCallDesk(t)
	zd := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(d.URL)}), 201)["id"].(string)
	p := genericSMSProvider(t, smsAPIKey)
	ch, _ := smsChannel(t, e, p)
	hook := ch["webhookUrl"].(string)
	pbx := e.token("pbx", "")

	// Call events and inbound messages, sent continuously until the
	// backup is done (bounded: at most 5,000 rounds).
	var rounds atomic.Int64
	warm := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var loadErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		post := func(url, token string, body []byte, header ...string) error {
			req, err := http.NewRequest("POST", url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			r.Body.Close()
			if r.StatusCode >= 300 {
				return fmt.Errorf("POST %s: %d", url, r.StatusCode)
			}
			return nil
		}
		for i := 0; i < 5000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := genericInbound(fmt.Sprintf("load-%d", i), fmt.Sprintf("+1415555%04d", i%5), smsNumber, fmt.Sprintf("message %d", i))
			if loadErr = post(hook, "", []byte(body), "X-Signature-256", "sha256="+hmacSHA256Hex(smsSecret, body)); loadErr != nil {
				return
			}
			ev, _ := json.Marshal(callEvent(fmt.Sprintf("load-call-%d", i), "ringing", nil))
			if loadErr = post(e.srv.URL+"/api/v1/events/calls", pbx, ev); loadErr != nil {
				return
			}
			if rounds.Add(1) == 20 {
				close(warm)
			}
		}
	}()
	select {
	case <-warm:
	case <-t.Context().Done():
	}

	// What is stored before the backup begins.
	sessions, err := e.store.ListSessions(ctx, store.SessionFilter{Limit: 1000})
	require.NoError(t, err)
	messages := map[string]string{}
	for _, s := range sessions {
		msgs, err := e.store.Messages(ctx, s.ID)
		require.NoError(t, err)
		for _, m := range msgs {
			messages[m.ID] = m.Text
		}
	}
	calls, err := e.store.ListCalls(ctx, store.CallFilter{Limit: 5000})
	require.NoError(t, err)
	integrations, err := e.store.ListIntegrations(ctx)
	require.NoError(t, err)
	channel, err := e.store.GetChannel(ctx, ch["id"].(string))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(messages), 20)

	dir := t.TempDir()
	archive := filepath.Join(dir, "switchboard.sbk")
	pass := filepath.Join(dir, "pass")
	require.NoError(t, os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600))
	during := rounds.Load()
	var out, errOut bytes.Buffer
	code := cli.Main([]string{"backup", archive, "--data", e.dir, "--passphrase-file", pass}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	after := rounds.Load()
	close(stop)
	wg.Wait()
	require.NoError(t, loadErr)
	t.Logf("%d rounds of load before the backup, %d while it ran; %s", during, after-during, strings.TrimSpace(out.String()))

	restored := filepath.Join(dir, "restored")
	out.Reset()
	code = cli.Main([]string{"restore", archive, "--data", restored, "--passphrase-file", pass}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "restored the backup")

	key, err := store.LoadKey("", restored)
	require.NoError(t, err)
	sealer, err := store.NewSealer(key)
	require.NoError(t, err)
	st, err := store.OpenSQLite(ctx, restored, sealer)
	require.NoError(t, err)
	defer st.Close()
	for _, in := range integrations {
		got, err := st.GetIntegration(ctx, in.ID)
		require.NoError(t, err)
		require.Equal(t, in.Secrets, got.Secrets, "the secrets of %s open to the values stored", in.ID)
		require.Equal(t, in.Fields, got.Fields)
	}
	zdIn, err := st.GetIntegration(ctx, zd)
	require.NoError(t, err)
	require.Equal(t, "zd-secret-token-42", zdIn.Secrets["api_token"])
	sms, err := st.GetIntegration(ctx, ch["id"].(string))
	require.NoError(t, err)
	require.Equal(t, smsAPIKey, sms.Secrets["api_key"])
	require.Equal(t, smsSecret, sms.Secrets["secret"])
	gotChannel, err := st.GetChannel(ctx, channel.ID)
	require.NoError(t, err)
	require.Equal(t, channel.VerifyToken, gotChannel.VerifyToken)

	restoredSessions, err := st.ListSessions(ctx, store.SessionFilter{Limit: 1000})
	require.NoError(t, err)
	found := map[string]string{}
	for _, s := range restoredSessions {
		msgs, err := st.Messages(ctx, s.ID)
		require.NoError(t, err)
		for _, m := range msgs {
			found[m.ID] = m.Text
		}
	}
	for id, text := range messages {
		require.Equal(t, text, found[id], "message %s", id)
	}
	for _, c := range calls {
		_, err := st.GetCall(ctx, c.ID)
		require.NoError(t, err, "call %s", c.ID)
	}
}
