package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
)

// Download GETs a URL an answer named — a provider's link to a message's
// media — with the integration's credentials: the template-wide headers
// and the auth header, through the same request slots, time limit and
// transport (with its address checks) as every request. The caller
// streams the body and closes it. Nothing is retried: the answer is
// streamed, not kept. A status outside 2xx is an *HTTPStatusError.
func (c *Client) Download(ctx context.Context, rawURL string) (*http.Response, error) {
	cred, err := c.cfg.Auth.Credentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("getting credentials: %w", err)
	}
	vars := maps.Clone(c.cfg.Vars)
	if vars == nil {
		vars = Vars{}
	}
	maps.Copy(vars, cred.Vars)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err == nil && req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		err = fmt.Errorf("URL %q is not an absolute http or https URL", c.maskerFor(cred).URL(rawURL))
	}
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	if req.Header, err = c.baseHeader(vars, cred, 0); err != nil {
		return nil, err
	}
	resp, err := c.retry.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s", c.maskerFor(cred).String(err.Error()))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, &HTTPStatusError{Status: resp.StatusCode, Body: shorten(c.maskerFor(cred).Body(string(body)), 300)}
	}
	return resp, nil
}
