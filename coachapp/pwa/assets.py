"""The app shell the service worker keeps, and the version that names its cache.

The version is a hash of every static file and of the service worker's own template, so
any change to either makes browsers install a new worker (and offer "Update").
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for

# What a phone needs to show any cached page offline: styles, scripts, icons, the
# offline page. Pages themselves are cached as they are visited (see the worker).
SHELL_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/links.js",
    "js/offline.js",
    "js/push.js",
    "js/timezone-picker.js",
    "vendor/htmx-4.0.1.min.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/badge-96.png",
)
SHELL_PAGES = ("pwa.offline",)  # by endpoint


@cache
def _version_of(static_folder: str, template_folder: str) -> str:
    digest = hashlib.sha256()
    roots = [Path(static_folder), Path(template_folder) / "pwa"]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def asset_version(app: Flask) -> str:
    return _version_of(str(app.static_folder), str(Path(app.root_path) / "templates"))


def shell_urls() -> list[str]:
    """The shell's paths (during a request)."""
    static = [url_for("static", filename=name) for name in SHELL_STATIC]
    return static + [url_for(endpoint) for endpoint in SHELL_PAGES]
