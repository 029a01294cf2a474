package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
	"github.com/switchboard/switchboard/templatetest"
)

// printChannel prints what a channel scenario's run means beyond its rows.
func printChannel(w io.Writer, o *templaterun.ChannelOutcome) {
	switch {
	case o == nil:
	case o.ChannelStatus != "":
		fmt.Fprintf(w, "channel status: %s", o.ChannelStatus)
		if o.StatusReason != "" {
			fmt.Fprintf(w, " (%s)", o.StatusReason)
		}
		fmt.Fprintln(w)
	case o.SendFailure != "":
		fmt.Fprintf(w, "send failed (%s): %s\n", o.FailureKind, o.SendFailure)
	}
}

// readWebhook checks a webhook's signature as the channel would and reads
// its messages or delivery reports, without sending anything.
func readWebhook(cmd *cobra.Command, t *engine.Template, f runFlags, fields, vars engine.Vars) error {
	if f.webhook == "" {
		return usageErr("%s reads a webhook: give its body with --webhook FILE (- for standard input)", f.scenario)
	}
	var body []byte
	var err error
	if f.webhook == "-" {
		body, err = io.ReadAll(cmd.InOrStdin())
	} else {
		body, err = os.ReadFile(f.webhook)
	}
	if err != nil {
		return usageErr("reading the webhook: %w", err)
	}
	header := http.Header{}
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return usageErr("--header %q: expected 'Name: value'", h)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	w := templaterun.Webhook{Scenario: f.scenario, Body: body, Header: header, URL: f.webhookURL, Fields: fields, Vars: vars}
	now := time.Now()
	res, err := templaterun.ReadWebhook(t, w, now)
	if err != nil {
		return runInputErr(err)
	}
	if f.record != "" {
		if err := recordFixture(cmd, f, templatetest.FromWebhook(t, w, now, res)); err != nil {
			return err
		}
	}
	if strings.HasPrefix(res.Verified, "not checked") {
		res.Verified += "; give them with --header"
	}
	out := cmd.OutOrStdout()
	if f.asJSON {
		if err := writeJSON(out, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "webhook for %s: signature %s\n", f.scenario, res.Verified)
		for i, m := range res.Messages {
			fmt.Fprintf(out, "  message %d: id=%s from=%s to=%s text=%q media=%v\n", i+1, m.ProviderID, m.From, m.To, m.Text, m.MediaURLs)
		}
		for i, r := range res.Reports {
			fmt.Fprintf(out, "  report %d: id=%s status=%s (%s) %s %s\n", i+1, r.ProviderID, r.Status, r.ProviderText, r.ErrorCode, r.ErrorMessage)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(out, "warning: %s\n", w)
		}
		if len(res.Messages)+len(res.Reports) == 0 && res.Error == "" {
			fmt.Fprintln(out, "  nothing for the channel: the webhook is acknowledged and dropped")
		}
		if res.Error != "" {
			fmt.Fprintf(out, "error: %s\n", res.Error)
		}
	}
	if res.Error != "" {
		return &exitError{code: ExitFailed}
	}
	return nil
}
