package integrations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/switchboard/switchboard/engine"
)

// ErrForbiddenAddress is returned for connections to addresses the service
// refuses to reach for templates.
var ErrForbiddenAddress = errors.New("address refused")

// metadataAddrs are cloud metadata services outside the link-local range.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS, IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// forbidden reports whether an integration may not connect to ip: the
// link-local ranges (where 169.254.169.254, the metadata service of most
// clouds, lives) and the other known metadata addresses.
func forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() {
		return true
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

// outboundTransport is the base transport for requests that templates
// decide the address of. The check runs on the address actually dialled,
// after DNS, so a name that resolves to a metadata address is refused too.
//
// Proxies from the environment (HTTP_PROXY, HTTPS_PROXY) are not used: the
// proxy would dial the target, where the check cannot see it, and a
// variable set for something else would quietly open the metadata service
// to templates. A proxy is used only when configured (proxy non-nil), and
// then each target is resolved and checked before the request is handed
// to it.
func outboundTransport(allowLinkLocal bool, proxy *url.URL) http.RoundTripper {
	t := engine.PooledTransport()
	t.Proxy = nil
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !allowLinkLocal {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot read %q", ErrForbiddenAddress, address)
			}
			return checkAddr(ap.Addr())
		}
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	if proxy == nil {
		return t
	}
	t.Proxy = http.ProxyURL(proxy)
	if allowLinkLocal {
		return t
	}
	return &checkedBeforeProxy{next: t, resolver: net.DefaultResolver}
}

func checkAddr(ip netip.Addr) error {
	if forbidden(ip) {
		return fmt.Errorf("%w: %s is a link-local or cloud metadata address (allow it with --allow-link-local)", ErrForbiddenAddress, ip.Unmap())
	}
	return nil
}

// checkedBeforeProxy resolves each request's host and refuses forbidden
// addresses before the request goes to the proxy, which does its own
// dialling. (The proxy resolves the name again; a name that changes its
// answer in between could still slip through, which is why no proxy is
// used unless one is configured.)
type checkedBeforeProxy struct {
	next     http.RoundTripper
	resolver *net.Resolver
}

func (c *checkedBeforeProxy) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := checkAddr(ip); err != nil {
			return nil, err
		}
		return c.next.RoundTrip(req)
	}
	ips, err := c.resolver.LookupNetIP(req.Context(), "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	for _, ip := range ips {
		if err := checkAddr(ip); err != nil {
			return nil, err
		}
	}
	return c.next.RoundTrip(req)
}
