"""The service worker's routes come from the URL map: each pattern it receives matches the
page its endpoint builds and no other route's, and its script writes out no path itself."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from coachapp.links import API_PREFIX
from coachapp.pwa.assets import SHELL_STATIC
from coachapp.pwa.views import KEPT_PAGES, LOG_COACHING, QUEUEABLE_POSTS, service_worker_links
from coachapp.static_files import HASHED_NAME, IMMUTABLE, StaticFiles

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
        "/follow-ups", "/notes/offline", "/self-assessment", "/ride-alongs/7", "/journeys",
        "/journeys/steps/7",
    ]  # fmt: skip
    assert paths("POST") == [
        "/follow-ups/7", "/notes/7/acknowledge", "/accounts/7/observations",
        "/journeys/steps/7/submission", "/people/7/coaching",
    ]  # fmt: skip
    assert re.search(links["log_coaching"], "/people/42/coaching")[1] == "42"  # type: ignore[index]
    assert [post["label"] for post in links["queueable_posts"]] == [
        "Follow-up update",
        "Acknowledgement",
        "Observation",
        "Journey exercise",
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


def sw_constant(script: str, name: str) -> Any:
    """The JSON value of a `const NAME = ...;` of the served worker."""
    found = re.search(rf"^const {name} = (.*?);$", script, re.MULTILINE | re.DOTALL)
    assert found is not None, name
    return json.loads(found[1])


def test_the_shell_lists_the_hashed_names_pages_link_to(app: Flask, client: Any) -> None:
    script = client.get("/sw.js").get_data(as_text=True)
    shell = sw_constant(script, "SHELL")
    by_plain = sw_constant(script, "SHELL_BY_PLAIN_PATH")
    with app.test_request_context():
        hashed = {name: url_for("static", filename=name) for name in SHELL_STATIC}
        offline = url_for("pwa.offline")
    assert shell == [*hashed.values(), offline]
    assert by_plain == {f"/static/{name}": url for name, url in hashed.items()}
    for url in hashed.values():
        assert re.match(HASHED_NAME, url), url
        answer = client.get(url)
        assert answer.status_code == 200 and answer.headers["Cache-Control"] == IMMUTABLE, url
    # Everything a page loads from /static/ is in the shell, so it shows without a connection.
    page = client.get("/login").get_data(as_text=True)
    for link in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert link in shell, link
    # The worker finds a plain or older name's shell copy with the same pattern.
    assert f"new RegExp({json.dumps(HASHED_NAME)})" in script


def test_a_deployment_that_changes_a_file_changes_the_worker_and_its_shell(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    """A new version of a static file gets a new name in the shell, and the worker's version,
    which names its cache, changes with it: the phone installs the new worker, which fetches
    the new names into a new cache and deletes the old one."""
    folder = tmp_path / "static"
    shutil.copytree(Path(str(app.static_folder)), folder)
    app.extensions["coachapp.static_files"] = StaticFiles(folder, check_every=0)
    first = client.get("/sw.js").get_data(as_text=True)
    assert client.get("/sw.js").get_data(as_text=True) == first  # stable between deployments

    stylesheet = folder / "css" / "app.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.next-release { color: inherit; }\n")
    second = client.get("/sw.js").get_data(as_text=True)
    assert sw_constant(first, "VERSION") != sw_constant(second, "VERSION")
    before, after = sw_constant(first, "SHELL"), sw_constant(second, "SHELL")
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [before[0]]
    assert after[0].startswith("/static/css/app.") and after[0] != before[0]
    page = client.get("/login").get_data(as_text=True)
    assert after[0] in page and before[0] not in page
    assert ".next-release" in client.get(after[0]).get_data(as_text=True)
