"""The client's own address when requests come through the TLS proxy.

gunicorn takes the scheme (https) from the proxies named in FORWARDED_ALLOW_IPS, but leaves
REMOTE_ADDR as the proxy's address. Sign-in throttling counts failures per address and the
audit trail records it: behind a proxy everyone would share one address, and five wrong
guesses at someone's password would lock that person out for everyone. So, for a request
from one of those proxies, the address is taken from X-Forwarded-For: the last one in the
chain that is not itself a trusted proxy (everything left of it could be made up by the
client). A request from anywhere else keeps its own address, whatever it claims.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from coachapp.config import ConfigError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[IPNetwork, ...] | None:
    """FORWARDED_ALLOW_IPS as gunicorn reads it: addresses or networks, comma-separated;
    "*" trusts every peer (None)."""
    parts = [part.strip() for part in setting.split(",") if part.strip()]
    if "*" in parts:
        return None
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str, trusted: Iterable[IPNetwork] | None) -> str:
    """The address to treat as the client's (see the module's docstring)."""
    networks = None if trusted is None else tuple(trusted)

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return networks is None or any(address in network for network in networks)

    peer_address = _address(peer)
    if peer_address is None or not forwarded_for or not is_trusted(peer_address):
        return peer
    hops = [_address(hop) for hop in forwarded_for.split(",")]
    if None in hops:
        return peer  # a chain we cannot read is not believed at all
    for address in reversed(hops):
        if address is not None and not is_trusted(address):
            return str(address)
    # Every hop is trusted ("*" trusts all): the one the nearest proxy saw.
    return str(hops[-1])


class ForwardedClientAddress:
    """WSGI middleware setting REMOTE_ADDR to client_address() (the proxy's own address is
    kept in the environ as coachapp.proxy_addr)."""

    def __init__(self, app: Callable[..., Any], trusted: str) -> None:
        self.app = app
        self.trusted = trusted_networks(trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        client = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), self.trusted)
        if client != peer:
            environ["coachapp.proxy_addr"] = peer
            environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


def init_app(app: Any) -> None:
    """Wraps the app's WSGI callable; FORWARDED_ALLOW_IPS names the proxies, as for gunicorn."""
    setting = str(app.config.get("FORWARDED_ALLOW_IPS") or "")
    try:
        app.wsgi_app = ForwardedClientAddress(app.wsgi_app, setting)
    except ValueError as exc:
        raise ConfigError(f"FORWARDED_ALLOW_IPS is not a list of addresses: {exc}") from exc
