"""The HTTP transport pushes go through: it connects only to addresses it has checked.

Checking a push endpoint's name and then letting the HTTP client resolve it again to connect
leaves a gap: a name can answer a public address to the check and a private one a moment
later (DNS rebinding). Here each new connection resolves its host once, checks every address
with the same rule as the endpoint check (`refusal_for`), and connects to those addresses
only. The host name itself stays the connection's host, so TLS still sends it as the server
name (SNI), verifies the certificate against it, and the request's Host header names it.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager

from coachapp.nudges.endpoints import checked_addresses


def open_checked_socket(connection: HTTPConnection, allow_private: bool) -> socket.socket:
    """A socket connected to one of the checked addresses of the connection's host, tried in
    the resolver's order (an unreachable IPv6 address falls back to the next one)."""
    try:
        addresses = checked_addresses(connection.host, connection.port, allow_private)
    except (socket.gaierror, UnicodeError) as exc:
        raise NameResolutionError(connection.host, connection, socket.gaierror(str(exc))) from exc
    last_error: OSError | None = None
    for family, kind, proto, address in addresses:
        try:
            sock = socket.socket(family, kind, proto)
        except OSError as exc:  # e.g. no IPv6 on this host
            last_error = exc
            continue
        try:
            for option in connection.socket_options or ():
                sock.setsockopt(*option)
            if connection.timeout is None or isinstance(connection.timeout, int | float):
                sock.settimeout(connection.timeout)
            if connection.source_address:
                sock.bind(connection.source_address)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sys.audit("http.client.connect", connection, connection.host, connection.port)
        return sock
    if isinstance(last_error, TimeoutError):
        raise ConnectTimeoutError(
            connection,
            f"Connection to {connection.host} timed out. (connect timeout={connection.timeout})",
        ) from last_error
    raise NewConnectionError(
        connection, f"Failed to establish a new connection: {last_error}"
    ) from last_error


class CheckedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def _new_conn(self) -> socket.socket:
        return open_checked_socket(self, self.allow_private)


class CheckedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def _new_conn(self) -> socket.socket:
        return open_checked_socket(self, self.allow_private)


class CheckedPoolManager(PoolManager):
    """Pools whose connections are the checked ones above."""

    def __init__(self, *args: Any, allow_private: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_private = allow_private

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = CheckedHTTPSConnection if scheme == "https" else CheckedHTTPConnection
        pool.conn_kw["allow_private"] = self.allow_private
        return pool


# Push services a sender keeps connections to at once (FCM, Mozilla, Apple, the regional
# hosts of Windows' WNS...); one more is opened when needed, the least recently used closed.
ORIGINS_KEPT = 32


class CheckedAddressAdapter(HTTPAdapter):
    """A requests transport that connects only to checked addresses (the module docstring
    says why), directly rather than through a proxy. It keeps a pool of keep-alive
    connections per push service origin (scheme, host, port), at most `connections` each,
    and is safe to share between threads (urllib3's pools are)."""

    def __init__(self, allow_private: bool, connections: int = 10) -> None:
        self.allow_private = allow_private
        super().__init__(pool_connections=ORIGINS_KEPT, pool_maxsize=connections)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = CheckedPoolManager(
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            allow_private=self.allow_private,
            **pool_kwargs,
        )

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        # A proxy would resolve the name itself, unchecked: pushes connect directly, even
        # when HTTPS_PROXY is set in the environment.
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert)


def push_session(
    allow_private: bool, adapter: CheckedAddressAdapter | None = None
) -> requests.Session:
    """A requests session for pushes: checked addresses only, directly, no redirects. Sessions
    given the same `adapter` share its connections.

    The environment is read once, here, for a private CA bundle (REQUESTS_CA_BUNDLE, then
    CURL_CA_BUNDLE, as requests would); not for each push, where requests would also look
    for proxies (which pushes do not use) and for .netrc credentials (which a push service
    must not get): a third of a push's time on the sending thread went to that."""
    session = requests.Session()
    session.trust_env = False
    session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    session.max_redirects = 0  # a push service never redirects; do not follow
    adapter = adapter or CheckedAddressAdapter(allow_private)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
