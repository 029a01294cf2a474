package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
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
func outboundTransport(allowLinkLocal bool) *http.Transport {
	t := engine.PooledTransport()
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !allowLinkLocal {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot read %q", ErrForbiddenAddress, address)
			}
			if forbidden(ap.Addr()) {
				return fmt.Errorf("%w: %s is a link-local or cloud metadata address (allow it with --allow-link-local)", ErrForbiddenAddress, ap.Addr())
			}
			return nil
		}
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	return t
}
