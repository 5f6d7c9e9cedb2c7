"""Links by name (coachapp.links): a path, a pattern or a template of a page, from its
endpoint, in a request and in the worker alike."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for

from coachapp.links import ID_SLOT, path_for, path_pattern, path_template
from tests.conftest import HttpsClient


@pytest.fixture
def small_app() -> Flask:
    app = Flask(__name__)

    def page(**_values: object) -> str:
        return ""

    for rule, endpoint in [
        ("/people/<int:rep_id>/coaching", "start"),
        ("/ride-alongs/<int:ride_id>.ics", "ics"),
        ("/files/<name>", "file"),
        ("/twice", "twice"),
        ("/twice/again", "twice"),
        ("/kinds/<any(a, b):kind>", "kind"),
    ]:
        app.add_url_rule(rule, endpoint, page)
    return app


def test_a_pattern_matches_the_paths_its_endpoint_builds_and_escapes_the_rest(
    small_app: Flask,
) -> None:
    with small_app.test_request_context():
        assert path_pattern("start") == r"^\/people\/(\d+)\/coaching$"
        ics = path_pattern("ics")
        assert re.search(ics, url_for("ics", ride_id=12))
        assert not re.search(ics, "/ride-alongs/12xics")  # the dot is a dot
        assert not re.search(ics, "/ride-alongs/12.ics/more")
        assert re.search(path_pattern("file"), url_for("file", name="notes"))
        assert not re.search(path_pattern("file"), "/files/a/b")


def test_a_pattern_and_a_template_carry_the_apps_own_root(small_app: Flask) -> None:
    with small_app.test_request_context(base_url="https://example.test/coach"):
        path = url_for("start", rep_id=3)
        assert path == "/coach/people/3/coaching"
        assert re.search(path_pattern("start"), path)
        assert path_template("start", rep_id="{rep}") == "/coach/people/{rep}/coaching"


def test_what_one_pattern_cannot_stand_for_is_refused(small_app: Flask) -> None:
    with small_app.test_request_context():
        with pytest.raises(ValueError, match="2 rules"):
            path_pattern("twice")
        with pytest.raises(ValueError, match="arguments"):
            path_pattern("kind")
        with pytest.raises(KeyError, match="rep_id"):
            path_template("start")


def test_the_worker_builds_the_same_paths_without_a_request(small_app: Flask) -> None:
    with small_app.test_request_context():
        in_a_request = path_for("start", rep_id=5)
    with small_app.app_context():
        assert path_for("start", rep_id=5) == in_a_request == "/people/5/coaching"
        assert path_pattern("start") == r"^\/people\/(\d+)\/coaching$"


SCRIPTS = sorted((Path(__file__).resolve().parent.parent / "coachapp/static/js").glob("*.js"))
# A string or template literal that starts with a path: "/login", '/notes', `/notes/${id}`.
PATH_LITERAL = re.compile(r"""["'`]/[a-z]""")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_no_page_script_writes_out_a_path(script: Path) -> None:
    """The page scripts take every link from LINKS (static/js/links.js), which the server
    draws from its URL map: a renamed or moved page cannot leave a script behind."""
    found = [
        f"{script.name}:{number}: {line.strip()}"
        for number, line in enumerate(script.read_text().splitlines(), start=1)
        if PATH_LITERAL.search(line) and not line.lstrip().startswith("//")
    ]
    assert not found, "\n".join(found)


def test_every_page_carries_the_scripts_links_and_each_resolves(
    client: HttpsClient, login_as: Any
) -> None:
    login_as("manager")
    page = client.get("/today").get_data(as_text=True)
    found = re.search(r"<meta name=\"coachapp-links\" content='([^']*)'>", page)
    assert found, "no coachapp-links meta tag"
    links = json.loads(html.unescape(found.group(1)))
    assert set(links) == {"login", "service_worker", "note_edit", "offline_note"}
    adapter = client.application.url_map.bind("localhost")
    for name, path in links.items():
        endpoint, _ = adapter.match(path.replace(ID_SLOT, "7"))
        assert endpoint, name
    assert client.get(links["note_edit"].replace(ID_SLOT, "2147483647")).status_code == 404
