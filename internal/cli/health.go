package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// defaultHealthURL is where serve listens with its default --addr (:8080),
// and in the container image (0.0.0.0:8080), seen from the same host.
const defaultHealthURL = "http://127.0.0.1:8080"

// readinessPath is the endpoint health asks: unlike /healthz it answers
// 200 only while the database does, which is what "healthy" means for a
// replica a load balancer or Docker decides about.
const readinessPath = "/readyz"

func newHealth() *cobra.Command {
	var rawURL string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Ask a running service whether it is ready; exit 0 if so, 1 with the reason if not",
		Long: `Ask a running service whether it is ready (GET /readyz: it answers, and
its database answers). Exit 0 when it is, 1 with the reason when not.

The container image's HEALTHCHECK runs this (the image has no curl). --url
is the service's base URL; a URL with a path other than / is asked as it is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			target, err := healthTarget(rawURL)
			if err != nil {
				return usageErr("--url %q: %w", rawURL, err)
			}
			if timeout <= 0 {
				return usageErr("--timeout %s: give a positive duration such as 5s", timeout)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if err := checkHealth(ctx, target); err != nil {
				return &exitError{code: ExitFailed, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ready\n", target)
			return nil
		},
	}
	cmd.Flags().StringVar(&rawURL, "url", defaultHealthURL, "base URL of the service")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "time limit for the answer")
	return cmd
}

// healthTarget turns --url into the URL to ask.
func healthTarget(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("not an http(s) URL like http://127.0.0.1:8080")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = readinessPath
	}
	return u.String(), nil
}

// checkHealth returns nil when target answers 200, else why not.
func checkHealth(ctx context.Context, target string) error {
	// No proxy (the service is asked directly, whatever HTTP_PROXY says)
	// and no kept-alive connection: the process ends right after.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("asking %s: %w", target, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s does not answer: %w", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	return fmt.Errorf("%s answered %s%s", target, resp.Status, healthReason(body))
}

// healthReason is the message of the service's JSON error body, or the
// start of whatever else came back.
func healthReason(body []byte) string {
	var e struct {
		Error struct{ Message string }
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return ": " + e.Error.Message
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return ""
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return ": " + text
}
