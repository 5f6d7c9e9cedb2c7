"""The web app manifest: every URL in it is one of the app's routes, built by name."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from coachapp.static_files import HASHED_NAME, IMMUTABLE


def test_every_url_of_the_manifest_is_routable(app: Flask, client: Any) -> None:
    document = client.get("/manifest.webmanifest").get_json()
    urls = {
        "id": document["id"],
        "start_url": document["start_url"],
        "scope": document["scope"],
        **{f"shortcut {item['name']}": item["url"] for item in document["shortcuts"]},
        **{
            f"icon {item['sizes']} {item.get('purpose', '')}": item["src"]
            for item in document["icons"]
        },
    }
    adapter = app.url_map.bind("localhost")
    endpoints = {name: adapter.match(urlsplit(url).path)[0] for name, url in urls.items()}
    assert endpoints == {
        "id": "home.index",
        "start_url": "home.index",
        "scope": "home.index",
        "shortcut Log coaching": "team.team",
        "shortcut Note without signal": "pwa.offline_note",
        "shortcut Follow-ups": "coaching.follow_ups",
        "shortcut Inbox": "inbox.index",
        "icon 192x192 ": "static",
        "icon 512x512 ": "static",
        "icon 512x512 maskable": "static",
    }
    for item in document["icons"]:
        assert re.match(HASHED_NAME, item["src"]), item["src"]  # a new icon, a new name
        response = client.get(item["src"])
        assert (response.status_code, response.mimetype) == (200, "image/png"), item["src"]
        assert response.headers["Cache-Control"] == IMMUTABLE
        response.close()


def test_the_manifests_urls_are_the_ones_phones_installed(client: Any) -> None:
    document = client.get("/manifest.webmanifest").get_json()
    assert (document["id"], document["start_url"], document["scope"]) == (
        "/",
        "/?source=home-screen",
        "/",
    )
    assert [item["url"] for item in document["shortcuts"]] == [
        "/team",
        "/notes/offline",
        "/follow-ups",
        "/inbox",
    ]
