package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// allowList is the parsed Settings.Allow: host names, and address ranges
// (a single address is a /32 or /128).
type allowList struct {
	hosts []string
	nets  []netip.Prefix
}

var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// maxAllow bounds the allow-list's entries.
const maxAllow = 100

// parseAllow parses the entries; the error names the first bad one.
func parseAllow(entries []string) (allowList, error) {
	var a allowList
	if len(entries) > maxAllow {
		return a, fmt.Errorf("最多 %d 项", maxAllow)
	}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		if p, err := netip.ParsePrefix(e); err == nil {
			a.nets = append(a.nets, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(e); err == nil {
			a.nets = append(a.nets, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		if len(e) > 253 || !hostName.MatchString(e) {
			return a, fmt.Errorf("“%s”不是主机名、IP 地址或 CIDR 网段", e)
		}
		a.hosts = append(a.hosts, e)
	}
	return a, nil
}

func (a allowList) empty() bool { return len(a.hosts) == 0 && len(a.nets) == 0 }

// admitsName reports whether host is listed by name.
func (a allowList) admitsName(host string) bool {
	return slices.Contains(a.hosts, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// admitsAddr reports whether ip lies in a listed range.
func (a allowList) admitsAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// errNotAllowed is a target outside the allow-list.
var errNotAllowed = errors.New("target not in the allow-list")

// check admits host when the list is empty, names it, or every address it
// resolves to lies in a listed range.
func (a allowList) check(ctx context.Context, host string) error {
	if a.empty() || a.admitsName(host) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if a.admitsAddr(ip) {
			return nil
		}
		return errNotAllowed
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if !a.admitsAddr(ip) {
			return errNotAllowed
		}
	}
	return nil
}

// allowKey carries a delivery's allow-list to the dialer.
type allowKey struct{}

// dialAllowed dials only addresses the context's allow-list admits: the
// check is made on the address actually dialled, so a name that resolves
// elsewhere after registration does not slip through.
func dialAllowed(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		a, _ := ctx.Value(allowKey{}).(allowList)
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		if a.empty() || a.admitsName(host) {
			return d.DialContext(ctx, network, addr)
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		for _, ip := range ips {
			if a.admitsAddr(ip) {
				return d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			}
		}
		return nil, fmt.Errorf("dial %s: %w", host, errNotAllowed)
	}
}
