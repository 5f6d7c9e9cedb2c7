"""The service worker's routes come from the URL map: each pattern it receives matches the
page its endpoint builds and no other route's, and its script writes out no path itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from coachapp.links import API_PREFIX
from coachapp.pwa.views import KEPT_PAGES, LOG_COACHING, QUEUEABLE_POSTS, service_worker_links

SW_TEMPLATE = Path(__file__).parents[2] / "coachapp" / "templates" / "pwa" / "sw.js"
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\(.*?\))?:)?(?P<name>\w+)>")
SAMPLES = {"int": 7, "path": "sample/file.txt"}  # anything else: a word


@pytest.fixture
def links(app: Flask) -> Iterator[dict[str, Any]]:
    with app.test_request_context():
        yield service_worker_links()


def example(rule: Rule) -> str:
    """A path the rule answers, with a sample value for each variable part."""
    values = {
        match["name"]: SAMPLES.get(match["converter"] or "", "sample")
        for match in VARIABLE.finditer(rule.rule)
    }
    built = rule.build(values)
    assert built is not None, rule.rule
    return built[1]


def routes(links: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(endpoint, method, pattern) for every route the worker receives."""
    posts = [post["pattern"] for post in links["queueable_posts"]]
    return [
        *[(e, "GET", p) for e, p in zip(KEPT_PAGES, links["kept_pages"], strict=True)],
        *[(e, "POST", p) for e, p in zip(QUEUEABLE_POSTS, posts, strict=True)],
        (LOG_COACHING, "POST", links["log_coaching"]),
    ]


def test_every_route_pattern_matches_its_own_page_and_no_other(
    app: Flask, links: dict[str, Any]
) -> None:
    every_rule = list(app.url_map.iter_rules())
    for endpoint, method, pattern in routes(links):
        (own,) = app.url_map.iter_rules(endpoint)
        assert method in (own.methods or ())
        assert re.search(pattern, example(own)), (endpoint, pattern)
        others = [r for r in every_rule if r.endpoint != endpoint and method in (r.methods or ())]
        assert [r.rule for r in others if re.search(pattern, example(r))] == [], endpoint


def test_the_worker_keeps_and_queues_the_same_pages_as_before(
    app: Flask, links: dict[str, Any]
) -> None:
    def paths(method: str) -> list[str]:
        return [
            example(next(app.url_map.iter_rules(endpoint)))
            for endpoint, each_method, _pattern in routes(links)
            if each_method == method
        ]

    assert paths("GET") == [
        "/today", "/me", "/team", "/my", "/people/7", "/plans/7", "/notes", "/notes/7",
        "/follow-ups", "/notes/offline", "/self-assessment", "/ride-alongs/7",
    ]  # fmt: skip
    assert paths("POST") == [
        "/follow-ups/7", "/notes/7/acknowledge", "/accounts/7/observations", "/people/7/coaching",
    ]  # fmt: skip
    assert re.search(links["log_coaching"], "/people/42/coaching")[1] == "42"  # type: ignore[index]
    assert [post["label"] for post in links["queueable_posts"]] == [
        "Follow-up update",
        "Acknowledgement",
        "Observation",
    ]


def test_the_worker_receives_every_route_and_link(client: Any, links: dict[str, Any]) -> None:
    script = client.get("/sw.js").get_data(as_text=True)
    for _endpoint, _method, pattern in routes(links):
        assert json.dumps(pattern) in script
    for name in ("offline_note_url", "inbox_url", "inbox_item_url", "icon_url", "badge_url"):
        assert f"= {json.dumps(links[name])};" in script, name
    assert f"const API_PREFIX = {json.dumps(API_PREFIX)};" in script


def test_the_service_worker_writes_out_no_path_of_the_app() -> None:
    source = SW_TEMPLATE.read_text()
    regex_literals = re.findall(r"/\^\\/[^/\n]*/", source)
    path_strings = set(re.findall(r"[\"'`]/[\w/.-]*", source)) - {'"/person-state'}
    assert (regex_literals, path_strings) == ([], set())


def test_the_inbox_link_of_a_notification_is_the_one_the_inbox_builds(
    app: Flask, links: dict[str, Any]
) -> None:
    with app.test_request_context():
        expected = url_for("inbox.follow", notification_id=42)
        assert links["inbox_item_url"].replace(links["id_slot"], "42") == expected
        assert links["inbox_url"] == url_for("inbox.index")


def test_the_api_prefix_holds_the_api_and_nothing_else(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        of_the_api = rule.endpoint.startswith(("api_", "api-docs."))
        assert rule.rule.startswith(API_PREFIX) == of_the_api, rule.rule


def test_the_notification_icons_are_served(client: Any, links: dict[str, Any]) -> None:
    for name in ("icon_url", "badge_url"):
        response = client.get(links[name])
        assert (response.status_code, response.mimetype) == (200, "image/png")
        response.close()
