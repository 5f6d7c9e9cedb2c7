"""Every link Coachapp builds to one of its own pages, by endpoint name: url_for during a
request, and in the worker (no request) the app's URL map bound once, so a renamed route
fails a test instead of a push link, an email or a calendar entry. The service worker's
route lists come from here too, as patterns and templates drawn from the same rules."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import MapAdapter

ADAPTER_KEY = "coachapp.links"

# Every path under it belongs to the JSON API (its blueprints are registered under /api/v1),
# which pages, errors and the service worker treat apart.
API_PREFIX = "/api/"

# A variable part of a rule, as werkzeug writes it: <name>, <int:name>, <converter(args):name>.
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?P<args>\(.*?\))?:)?(?P<name>\w+)>")
# Characters with a meaning in a regular expression, in Python's and JavaScript's alike.
_SPECIAL = re.compile(r"[\\^$.*+?()\[\]{}|/]")


def is_api_request() -> bool:
    """The request is the JSON API's (any path under API_PREFIX, routed or not)."""
    return request.path.startswith(API_PREFIX)


def is_static_request() -> bool:
    """The request is for a static file (styles, scripts, icons), not a page."""
    return request.path.startswith(f"{current_app.static_url_path}/")


def path_for(endpoint: str, **values: Any) -> str:
    """The local path of an endpoint (e.g. "coaching.follow_up", follow_up_id=5)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return _worker_adapter().build(endpoint, values)


def site_url() -> str:
    """The address people open the app at: BASE_URL when set, else the one this request came
    in at (its host is a trusted one: coachapp.hosts). "" in the worker without BASE_URL."""
    base = str(current_app.config.get("BASE_URL") or "")
    if base:
        return base
    return request.url_root if has_request_context() else ""


def external_url(endpoint: str, *, site: str = "", **values: Any) -> str:
    """An absolute link to an endpoint, for an email: url_for(_external=True) under BASE_URL
    when set, else under `site` (the address a request came in at, kept for the worker), else
    under this request's own address."""
    base = str(current_app.config.get("BASE_URL") or "") or site
    if not base:
        if not has_request_context():
            raise RuntimeError("set BASE_URL: links in emails sent by the worker need it")
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def path_pattern(endpoint: str) -> str:
    """A regular expression (source, valid in Python and JavaScript) that matches the paths
    of the endpoint's one rule and nothing else, each variable part a group: for
    "/people/<int:rep_id>/coaching", ^\\/people\\/(\\d+)\\/coaching$."""
    pattern = _escape(_script_root())
    for part in _parts(endpoint):
        pattern += _escape(part) if isinstance(part, str) else f"({_converter_regex(part)})"
    return f"^{pattern}$"


def path_template(endpoint: str, **slots: str) -> str:
    """The endpoint's path with each variable part replaced by the text given for it, for a
    script that fills it in: path_template("inbox.follow", notification_id=":id")."""
    path = _script_root()
    for part in _parts(endpoint):
        if isinstance(part, str):
            path += part
        elif part["name"] in slots:
            path += slots[part["name"]]
        else:
            raise KeyError(f"{endpoint} needs a slot for {part['name']!r}")
    return path


def _parts(endpoint: str) -> list[str | re.Match[str]]:
    """The text of the endpoint's one rule: static text, and a match for each variable."""
    rules = list(current_app.url_map.iter_rules(endpoint))
    if len(rules) != 1:
        raise ValueError(f"{endpoint} has {len(rules)} rules; one pattern cannot stand for them")
    text = rules[0].rule
    parts: list[str | re.Match[str]] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        parts += [text[position : match.start()], match]
        position = match.end()
    parts.append(text[position:])
    return [part for part in parts if part != ""]


def _converter_regex(variable: re.Match[str]) -> str:
    if variable["args"]:
        raise ValueError(f"{variable[0]}: converters with arguments are not supported")
    converter = current_app.url_map.converters[variable["converter"] or "default"]
    return str(converter(current_app.url_map).regex)


def _escape(text: str) -> str:
    return _SPECIAL.sub(lambda match: "\\" + match[0], text)


def _script_root() -> str:
    if has_request_context():
        return request.script_root
    return str(current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")


def _worker_adapter() -> MapAdapter:
    adapter: MapAdapter | None = current_app.extensions.get(ADAPTER_KEY)
    if adapter is None:
        # Only paths are built (notifications link within the app), so the host is a stand-in.
        adapter = current_app.url_map.bind(
            "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
        )
        current_app.extensions[ADAPTER_KEY] = adapter
    return adapter


# Where a script writes an id into a link it fills in (script_links, the service worker's).
ID_SLOT = ":id"


def script_links() -> dict[str, str]:
    """The app's own pages the page scripts link to or recognise (static/js/links.js), drawn
    from the URL map into a meta tag of every page, so no script writes out a path."""
    return {
        "login": url_for("auth.login"),
        "service_worker": url_for("pwa.service_worker"),
        "note_edit": path_template("coaching.edit", note_id=ID_SLOT),
        "offline_note": url_for("pwa.offline_note"),
    }
