"""The host names the app answers for (TRUSTED_HOSTS): a request for any other is refused with
400 before the app sees it.

Absolute links (the one in a calendar file, those in emails) are built from the request's
Host header. Without this check anyone could send a request naming their own host and get a
file whose link leads there, to pass on to a colleague. Flask checks TRUSTED_HOSTS itself when
it builds its URL adapter, but then answers through the app's error pages, which build links
of their own and fail; so the check comes first, here, and Flask's stays as a second line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

# What `flask run`, the test client and the browser tests use when nothing else is set.
LOCAL_HOSTS = ("localhost", "127.0.0.1")
REFUSED = b"This server does not answer for that host name (TRUSTED_HOSTS).\n"

log = logging.getLogger("coachapp.request")  # one JSON line, as every request (request_log)


def trusted_hosts(setting: str | Iterable[str] | None, server_name: str | None) -> list[str]:
    """TRUSTED_HOSTS as Flask takes it, from a comma-separated string or a list: names or
    IPv4 addresses, without ports; ".example.com" also trusts its subdomains. Unset: the
    host of SERVER_NAME if that is set, else this machine's own names."""
    if isinstance(setting, str):
        setting = setting.split(",")
    hosts = [part.strip().lower() for part in setting or () if part.strip()]
    if hosts:
        return hosts
    if server_name:
        return [urlsplit(f"//{server_name}").hostname or server_name]
    return list(LOCAL_HOSTS)


class TrustedHostsOnly:
    """WSGI middleware answering 400 (plain text) to a request whose Host is not trusted."""

    def __init__(self, app: Callable[..., Any], hosts: list[str]) -> None:
        self.app = app
        self.hosts = hosts

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            event = {
                "event": "untrusted_host",
                "host": str(environ.get("HTTP_HOST", ""))[:100],
                "method": environ.get("REQUEST_METHOD", ""),
                "path": environ.get("PATH_INFO", ""),
                "status": 400,
            }
            log.warning(json.dumps(event, separators=(",", ":")))
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(REFUSED))),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [REFUSED]
        return self.app(environ, start_response)


def init_app(app: Any) -> None:
    """Sets Flask's TRUSTED_HOSTS (a list) and puts the check in front of the app."""
    hosts = trusted_hosts(app.config.get("TRUSTED_HOSTS"), app.config.get("SERVER_NAME"))
    app.config["TRUSTED_HOSTS"] = hosts
    app.wsgi_app = TrustedHostsOnly(app.wsgi_app, hosts)
