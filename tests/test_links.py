"""Links by name (coachapp.links): a path, a pattern or a template of a page, from its
endpoint, in a request and in the worker alike."""

from __future__ import annotations

import re

import pytest
from flask import Flask, url_for

from coachapp.links import path_for, path_pattern, path_template


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
