"""Push endpoints the server may call: https on public addresses only, unless configured.

A subscription names a URL the server will POST to, so an unchecked one would let any
signed-in user make the server call internal hosts. The check runs when a subscription is
stored and again before every send (a name can resolve elsewhere later).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_ENDPOINT_LENGTH = 1000


class EndpointRefused(ValueError):
    """The endpoint is not one the server will call."""


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise EndpointRefused(f"The push service's host {host} cannot be resolved.") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_endpoint(endpoint: str, allow_private: bool, resolve: bool = True) -> str:
    """The endpoint if the server may call it; EndpointRefused says why not."""
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
        raise EndpointRefused("The endpoint must be on a public address.")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is None and not resolve:
        return endpoint
    default_port = 443 if parts.scheme == "https" else 80
    addresses = [literal] if literal else _addresses(host, port or default_port)
    for address in addresses:
        if not address.is_global or address.is_multicast:
            raise EndpointRefused("The endpoint must be on a public address.")
    return endpoint
