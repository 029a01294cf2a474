package templatecheck

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// stand is the host the contract's servers are moved to: requests are
// matched on their path, whatever address the template's fields give.
const stand = "https://contract.invalid"

// Contract is one vendor's OpenAPI document, ready to match requests.
type Contract struct {
	Name   string // as the caller names it (the file), for reports
	doc    *openapi3.T
	router routers.Router
}

// LoadContract reads an OpenAPI 3 document (YAML or JSON). Its servers
// keep only their paths: a request matches by its path below one of them.
func LoadContract(name string, data []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not an OpenAPI 3 document: %w", name, err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.AllowExtraSiblingFields("description")); err != nil {
		return nil, fmt.Errorf("%s: the document does not validate: %w", name, err)
	}
	servers := moved(append(doc.Servers, pathServers(doc)...))
	if len(servers) == 0 {
		servers = openapi3.Servers{{URL: stand}}
	}
	doc.Servers = servers
	// A path's own servers override the document's when a request is
	// routed (Twilio declares one on every path): they move too, or no
	// request would match the path.
	for _, item := range doc.Paths.Map() {
		item.Servers = moved(item.Servers)
		for _, op := range item.Operations() {
			if op.Servers != nil {
				s := moved(*op.Servers)
				op.Servers = &s
			}
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Contract{Name: name, doc: doc, router: router}, nil
}

// pathServers are the servers declared on paths and operations, which
// override the document's.
func pathServers(doc *openapi3.T) []*openapi3.Server {
	var out []*openapi3.Server
	for _, item := range doc.Paths.Map() {
		out = append(out, item.Servers...)
		for _, op := range item.Operations() {
			if op.Servers != nil {
				out = append(out, *op.Servers...)
			}
		}
	}
	return out
}

// moved are servers at the stand-in's host, each keeping its path.
func moved(in openapi3.Servers) openapi3.Servers {
	if len(in) == 0 {
		return in
	}
	out := openapi3.Servers{}
	bases := map[string]bool{}
	for _, s := range in {
		if base := basePath(s); !bases[base] {
			bases[base] = true
			out = append(out, &openapi3.Server{URL: stand + base})
		}
	}
	return out
}

// basePath is a server URL's path, its variables at their defaults.
func basePath(s *openapi3.Server) string {
	raw := s.URL
	for name, v := range s.Variables {
		raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// route finds the operation of a request by its method and path. A path
// ending in ".json" is tried without it first: some vendors (Zendesk,
// Freshdesk) take both and document the bare one, and "/tickets/1.json"
// would otherwise match "/tickets/{id}" with the id "1.json".
func (c *Contract) route(r *http.Request) (*routers.Route, map[string]string, *http.Request, error) {
	moved := r.Clone(r.Context())
	u := *r.URL
	u.Scheme, u.Host = "https", "contract.invalid"
	if strings.HasSuffix(u.Path, ".json") {
		alias := u
		alias.Path, alias.RawPath = strings.TrimSuffix(u.Path, ".json"), ""
		moved.URL, moved.Host = &alias, u.Host
		if rt, ps, err := c.router.FindRoute(moved); err == nil {
			return rt, ps, moved, nil
		}
	}
	moved.URL, moved.Host = &u, u.Host
	route, params, err := c.router.FindRoute(moved)
	return route, params, moved, err
}
