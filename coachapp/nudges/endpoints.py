"""Push endpoints the server may call: https on public addresses only, unless configured.

A subscription names a URL the server will POST to, so an unchecked one would let any
signed-in user make the server call internal hosts. The URL is checked when a subscription is
stored and before every send; the connection that sends (coachapp.nudges.transport) resolves
the host once more, checks every address with `refusal_for` and connects only to those, so a
name that answers a public address to one lookup and a private one to the next (DNS
rebinding) reaches nothing private.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

MAX_ENDPOINT_LENGTH = 1000

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# What socket.getaddrinfo gives for one address: family, type, protocol, socket address.
AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, tuple[Any, ...]]

# IPv6 unicast on the internet is 2000::/3 (RFC 4291 §2.4); everything outside it is
# loopback, link- or site-local, unique-local, multicast, or one of the IPv4 carriers below.
GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# IPv6 ranges that carry an IPv4 address: a packet to one may reach that IPv4 address through
# a translator or relay on the way (NAT64 on the server's own network, a 6to4 or Teredo
# relay), whatever the IPv6 address looks like. Push services are never there, so they are
# refused whichever IPv4 address they carry.
IPV4_CARRIERS = (
    (ipaddress.IPv6Network("::ffff:0:0/96"), "IPv4-mapped"),
    (ipaddress.IPv6Network("::/96"), "IPv4-compatible"),
    (ipaddress.IPv6Network("::ffff:0:0:0/96"), "IPv4-translated"),
    (ipaddress.IPv6Network("64:ff9b::/96"), "NAT64"),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), "local-use NAT64"),
    (ipaddress.IPv6Network("2002::/16"), "6to4"),
    (ipaddress.IPv6Network("2001::/32"), "Teredo"),
)
NOT_PUBLIC = "The endpoint must be on a public address."


class EndpointRefused(ValueError):
    """The endpoint is not one the server will call."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, list[ipaddress.IPv4Address]]:
    """The kind of IPv4 carrier the address is and the IPv4 addresses it carries; ("", [])
    when it is none. A local-use NAT64 prefix puts the IPv4 address where its operator chose,
    so none is named for it."""
    for network, kind in IPV4_CARRIERS:
        if address not in network:
            continue
        if kind == "6to4":
            carried = [address.sixtofour]
        elif kind == "Teredo":
            carried = list(address.teredo or ())
        elif kind == "local-use NAT64":
            carried = []
        else:
            carried = [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
        return kind, [ipv4 for ipv4 in carried if ipv4 is not None]
    return "", []


def refusal_for(address: Address) -> str | None:
    """Why the server must not connect to this address; None when it may (a public unicast
    address). Every address a push goes to passes here, literal or resolved."""
    if isinstance(address, ipaddress.IPv4Address):
        if address.is_global and not address.is_multicast:
            return None
        return "a private, reserved or multicast IPv4 address"
    if address.is_loopback or address.is_unspecified:
        return "a loopback or unspecified IPv6 address"
    kind, carried = embedded_ipv4(address)
    if kind:
        named = ", ".join(str(ipv4) for ipv4 in carried)
        return f"an IPv6 address carrying an IPv4 address ({kind}{': ' + named if named else ''})"
    if address.scope_id or address not in GLOBAL_UNICAST or not address.is_global:
        return "a private, local or reserved IPv6 address"
    return None


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def checked_addresses(host: str, port: int, allow_private: bool) -> list[AddressInfo]:
    """Every address the host resolves to (one lookup), each one checked unless private
    endpoints are allowed. socket.gaierror when the name does not resolve; EndpointRefused
    when any of its addresses is not public (a name mixing public and private answers is
    not a push service's)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        for info in infos:
            try:
                address = ipaddress.ip_address(str(info[4][0]))
            except ValueError:
                address = None
            if address is None or refusal_for(address) is not None:
                raise EndpointRefused(f"{NOT_PUBLIC} Its host resolves to a private one.")
    return [(family, kind, proto, sockaddr) for family, kind, proto, _, sockaddr in infos]


def check_endpoint(endpoint: str, allow_private: bool, resolve: bool = True) -> str:
    """The endpoint if the server may call it; EndpointRefused says why not. Without
    `resolve`, a host name is not looked up (the connection checks what it resolves to)."""
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise EndpointRefused(f"An endpoint has at most {MAX_ENDPOINT_LENGTH} characters.")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused("The endpoint is not a valid URL.") from exc
    allowed_schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise EndpointRefused("The endpoint must be an https URL.")
    if parts.username or parts.password:
        raise EndpointRefused("The endpoint must not carry a user name or password.")
    if allow_private:
        return endpoint
    host = parts.hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        raise EndpointRefused(NOT_PUBLIC)
    literal = _literal(host)
    if literal is not None:
        reason = refusal_for(literal)
        if reason is not None:
            raise EndpointRefused(f"{NOT_PUBLIC} {literal} is {reason}.")
        return endpoint
    if resolve:
        try:
            checked_addresses(host, port or 443, allow_private=False)
        except (socket.gaierror, UnicodeError) as exc:
            raise EndpointRefused(f"The push service's host {host} cannot be resolved.") from exc
    return endpoint
