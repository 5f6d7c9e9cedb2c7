"""The app shell the service worker keeps, and the version that names its cache.

Static files are served under names that carry their content's hash (coachapp.static_files),
which is what the shell lists. The version is a hash of those hashes and of the service
worker's own templates, so any change to a static file or to the worker makes browsers
install a new worker (and offer "Update"), which fetches the new names into a new cache.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, url_for

from coachapp.static_files import HASHED_NAME, static_files

# What a phone needs to show any cached page offline: styles, scripts, icons, the
# offline page. Pages themselves are cached as they are visited (see the worker).
SHELL_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/links.js",
    "js/messages.js",
    "js/offline.js",
    "js/push.js",
    "js/timezone-picker.js",
    "vendor/htmx-4.0.1.min.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/badge-96.png",
)
SHELL_PAGES = ("pwa.offline",)  # by endpoint


def asset_version(app: Flask) -> str:
    digest = hashlib.sha256()
    for found in static_files(app).every():
        digest.update(f"{found.name} {found.digest}\n".encode())
    templates = Path(app.root_path) / "templates" / "pwa"
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(templates)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def shell_urls() -> list[str]:
    """The shell's paths (during a request): static files by their hashed names."""
    return shell_static_urls() + [url_for(endpoint) for endpoint in SHELL_PAGES]


def shell_static_urls() -> list[str]:
    return [url_for("static", filename=name) for name in SHELL_STATIC]


def plain_path(path: str) -> str:
    """The path without its hash: /static/js/app.98f409f67451.js -> /static/js/app.js. The
    worker does the same with HASHED_NAME, to answer a page that asks for another version of
    a shell file (one saved before a deployment) with the copy it holds."""
    return re.sub(HASHED_NAME, r"\1\3", path)
