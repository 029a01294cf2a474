package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/server"
)

// forwardProxy is a plain HTTP forward proxy that counts what it forwards.
func forwardProxy(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL = r.In.URL; r.Out.Host = r.In.URL.Host }}
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p, &n
}

// Proxies from the environment are not used, and a configured proxy gets
// a request only after its target's address passed the metadata check:
// the proxy would otherwise dial 169.254.169.254 for the template.
func TestMetadataAddressesAreRefusedBeforeAnyProxy(t *testing.T) {
	envProxy, envHits := forwardProxy(t)
	t.Setenv("HTTP_PROXY", envProxy.URL)
	t.Setenv("http_proxy", envProxy.URL)
	proxy, hits := forwardProxy(t)
	pu, err := url.Parse(proxy.URL)
	require.NoError(t, err)
	e := newEnv(t, func(c *server.Config) { c.Integrations.OutboundProxy = pu })

	for i, target := range []string{"http://169.254.169.254/latest/meta-data/{{.Phone}}", "http://[fe80::1]/x", "http://100.100.100.200/x"} {
		tpl := e.expect(e.admin("POST", "/api/v1/templates", customTemplate(fmt.Sprint("meta_", i), target)), 201)
		in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": tpl["id"], "fields": map[string]string{"base": "http://x", "api_key": "k"}}), 201)
		require.Equal(t, "failed", in["status"], target)
		require.Contains(t, in["statusReason"], "is a link-local or cloud metadata address", target)
	}
	require.Zero(t, hits.Load(), "the configured proxy never saw a metadata request")
	require.Zero(t, envHits.Load(), "the environment's proxy is not used")

	// An allowed target goes through the configured proxy.
	desk := newFakeZendesk(t)
	in := e.expect(e.admin("POST", "/api/v1/integrations", map[string]any{"templateId": "builtin_zendesk", "fields": zendeskFields(desk.URL)}), 201)
	require.Equal(t, "connected", in["status"], in)
	require.Positive(t, hits.Load())
	require.Zero(t, envHits.Load())
}
