"""Access control, generated from tests/access_matrix.py: every route x every actor.

Also: a route without a row fails; form posts need the CSRF token; a cookie alone never
authorises an API write; private notes reach nobody but their author; a role change or a
deactivation takes effect on the next request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from coachapp import create_app
from coachapp.auth.service import issue_api_token
from coachapp.models import User
from tests.access_matrix import (
    ACTORS,
    ANONYMOUS,
    API_WRITE_ROWS,
    FORM_POST_ROWS,
    GET_ROWS,
    MATRIX,
    PRIVATE_NOTES,
    SESSION_COOKIE,
    SIGNED_IN,
    Row,
    World,
    open_world,
    quick_password_check,
    routes_of,
    rows_by_key,
    rules_of,
)
from tests.builders import Org
from tests.conftest import HttpsClient, login, settings_for
from tests.page_checks import check_headers, check_page
from tests.security.test_every_get_route import get_writes_not_allowed, recorded_writes


@pytest.fixture(scope="class")
def world(app: Flask) -> Iterator[World]:
    with open_world(app) as opened:
        yield opened


@pytest.fixture
def quick_passwords() -> Iterator[None]:
    with quick_password_check():
        yield


@pytest.fixture
def w(world: World) -> Iterator[World]:
    with world.savepoint():
        yield world


CSRF_META = re.compile(r'<meta name="csrf-token" content="[^"]*">')
# Routes whose matrix rows include a "missing" variant, to compare "not yours" against.
SCOPED = (
    ("team.person", "GET"),
    ("dashboard.team", "GET"),
    ("dashboard.team_summary", "GET"),
    ("dashboard.region", "GET"),
    ("admin.edit_user", "GET"),
    ("inbox.open_notification", "POST"),
    ("coach_notes.show", "GET"),
    ("reviews.show", "GET"),
    ("reviews.account_reviews", "GET"),
)


def first_allowed(item: Row) -> str:
    """A signed-in actor the row lets through (2xx or a redirect), else rep."""
    return next((a for a in SIGNED_IN if item.lets_through(a)), "rep")


def describe(response: TestResponse) -> str:
    location = response.headers.get("Location", "")
    return f"got {response.status_code} {location}\n{response.get_data(as_text=True)[:300]}"


def check_row_as(w: World, item: Row, actor: str) -> None:
    """The route as the actor: the status the matrix expects; and what every response must
    carry (tests/page_checks.py: security headers, cookie flags, a strict CSP, no inline code
    on a page), no private note but the actor's own, and no write from a GET but read marks
    (tests/security/test_every_get_route.py)."""
    with recorded_writes(w.app.extensions["coachapp.db"].engine) as writes:
        response = w.call(item, actor)
    assert response.status_code == item.expected(actor), describe(response)
    if item.method == "GET":
        # No GET changes anything but what the page opened shows as read.
        assert not get_writes_not_allowed(writes), get_writes_not_allowed(writes)
        if item.endpoint == "inbox.follow":
            assert not writes, "following a notification's link writes nothing"
    if actor == ANONYMOUS and not item.public and not item.api and not item.fragment:
        # Anonymous page requests go to the sign-in page, and come back afterwards.
        assert response.headers["Location"].startswith("/login?next="), describe(response)
    if item.api and response.status_code >= 400:
        assert response.is_json and "error" in response.get_json(), describe(response)
    if item.method == "GET" or item in FORM_POST_ROWS:
        where = f"{item.label} as {actor} ({response.status_code})"
        path = item.fill(w.org, w.user(actor), w.items)[0] if item.method == "GET" else ""
        problems = check_headers(response, where, path)
        if not item.api:
            problems += check_page(response, item, where)
        assert not problems, "\n".join(problems)
    if item.method == "GET":
        # Only the author may see a note's private notes.
        text = response.get_data().decode("utf-8", errors="replace")  # an icon is bytes
        for author, note in PRIVATE_NOTES.items():
            assert author == actor or note not in text, f"{item.label} shows {note}"


# The matrix itself ------------------------------------------------------------------------


class TestMatrix:
    # Each row on one backend, dealt in turn (tests/conftest.py): every actor's answers
    # depend on the same visibility queries, which each backend runs for every actor on half
    # the routes.
    @pytest.mark.parametrize("item", [pytest.param(r, id=r.label) for r in MATRIX])
    def test_status(self, world: World, item: Row) -> None:
        """The row as each actor, every actor checked (one item per row: a pytest item per
        row x actor cost more than the requests themselves); the message names every actor
        that failed and why."""
        failed = []
        for actor in ACTORS:
            with world.savepoint():  # each actor starts from the same data
                try:
                    check_row_as(world, item, actor)
                except AssertionError as problem:
                    failed.append(f"as {actor}: {problem}")
        assert not failed, f"{item.label}, {len(failed)} of {len(ACTORS)} actors:\n" + (
            "\n\n".join(failed)
        )

    @pytest.mark.parametrize("actor", ACTORS)
    def test_the_matrix_renders_pages_for_every_actor(self, actor: str) -> None:
        """The checks above run on real pages: each actor's rows include pages that render."""
        pages = [r for r in GET_ROWS if not r.api and r.expected(actor) == 200]
        forms = [
            r for r in FORM_POST_ROWS if 200 <= r.expected(actor) < 300 or r.expected(actor) >= 400
        ]
        assert len(pages) >= (2 if actor == ANONYMOUS else 5), [r.label for r in pages]
        assert len(forms) >= (1 if actor == ANONYMOUS else 3), [r.label for r in forms]

    def test_every_row_path_reaches_its_endpoint(self, w: World) -> None:
        adapter = w.app.url_map.bind("localhost", url_scheme="https")
        reached: set[tuple[str, str]] = set()
        for item in MATRIX:
            path, _, _ = item.fill(w.org, w.user("rep"), w.items)
            rule, _ = adapter.match(path.partition("?")[0], method=item.method, return_rule=True)
            assert rule.endpoint == item.endpoint, f"{item.label}: {path} goes to {rule.endpoint}"
            reached.add((rule.rule, item.method))
        # Rows are keyed by endpoint; a second URL for an endpoint must be walked as well.
        unreached = sorted(rules_of(w.app) - reached)
        assert not unreached, f"URL rules no row calls: {unreached}"

    @pytest.mark.parametrize("item", [pytest.param(r, id=r.label) for r in FORM_POST_ROWS])
    def test_form_post_without_csrf_token_is_refused(self, w: World, item: Row) -> None:
        allowed = first_allowed(item)
        for actor in (allowed, ANONYMOUS):
            response = w.call(item, actor, csrf=False)
            assert response.status_code == 400, f"{actor}: {describe(response)}"
            assert "did not come from this app" in response.get_data(as_text=True)
        # A token from someone else's session does not do either.
        other = "rep" if allowed != "rep" else "rep2"
        stolen = w.credentials[other].csrf_token
        response = w.call(item, allowed, csrf=False, headers={"X-CSRFToken": stolen})
        assert response.status_code == 400, describe(response)
        response = w.call(item, allowed, csrf=False, headers={}, data={"csrf_token": stolen})
        assert response.status_code == 400, describe(response)

    @pytest.mark.parametrize("item", [pytest.param(r, id=r.label) for r in API_WRITE_ROWS])
    def test_api_write_from_cookie_session_needs_csrf_header(self, world: World, item: Row) -> None:
        def call(actor: str, auth: str, csrf: bool) -> TestResponse:
            with world.savepoint():  # each call starts from the same data
                return world.call(item, actor, auth=auth, csrf=csrf)

        for actor in SIGNED_IN:
            without = call(actor, "cookie", csrf=False)
            assert without.status_code == 401, f"{actor}: {describe(without)}"
            assert without.get_json()["error"]["code"] == "unauthorized"
        allowed = first_allowed(item)
        with_header = call(allowed, "cookie", csrf=True)
        assert with_header.status_code == item.expected(allowed), describe(with_header)
        # A bearer token needs no CSRF token: it is not sent by the browser on its own.
        bearer = call(allowed, "bearer", csrf=False)
        assert bearer.status_code == item.expected(allowed), describe(bearer)

    @pytest.mark.parametrize("actor", SIGNED_IN)
    def test_out_of_scope_looks_exactly_like_missing(self, w: World, actor: str) -> None:
        """Same status and same page for "not yours" and "does not exist": nothing leaks."""

        def page(item: Row) -> str:
            return CSRF_META.sub("", w.call(item, actor).get_data(as_text=True))

        for key in SCOPED:
            (missing,) = [r for r in rows_by_key()[key] if r.variant == "missing"]
            expected = page(missing)
            for item in rows_by_key()[key]:
                if item.expected(actor) == 404:
                    assert page(item) == expected, item.label

    @pytest.mark.parametrize(
        "item", [pytest.param(r, id=r.label) for r in MATRIX if r.api and not r.public]
    )
    def test_unknown_or_malformed_authorization_is_refused(self, w: World, item: Row) -> None:
        for header in ("Bearer cap_not-a-real-token", "Bearer ", "Basic cmVwOnBhc3N3b3Jk"):
            response = w.call(item, "rep", auth="none", headers={"Authorization": header})
            assert response.status_code == 401, f"{header!r}: {describe(response)}"
        # A signed-in browser that also sends a bad token is refused too: no fallback.
        response = w.call(
            item, "rep", auth="cookie", headers={"Authorization": "Bearer cap_not-a-real-token"}
        )
        assert response.status_code == 401, describe(response)

    @pytest.mark.parametrize(
        ("actor", "expected"),
        [
            ("rep", {"rep"}),
            ("rep2", {"rep2"}),
            ("other_rep", {"other_rep"}),
            ("manager", {"rep", "rep2"}),
            ("manager2", {"other_rep"}),
            ("director", {"rep", "rep2", "other_rep", "access_rep"}),
            ("director2", {"far_rep"}),
            ("admin", {"rep", "rep2", "other_rep", "far_rep", "msl", "access_rep", "nurse"}),
            # The medical line sees its own, not the commercial reps of the MSL's account team.
            ("msl_manager", {"msl"}),
            ("msl", {"msl"}),
            ("medical_director", {"msl"}),
            ("access_manager", {"access_rep"}),
            ("access_rep", {"access_rep"}),
            ("nurse_manager", {"nurse"}),
            ("nurse", {"nurse"}),
        ],
    )
    def test_reps_api_lists_only_the_callers_scope(
        self, w: World, actor: str, expected: set[str]
    ) -> None:
        (reps_row,) = rows_by_key()[("api_people.reps", "GET")]
        response = w.call(reps_row, actor)
        ids = {item["id"] for item in response.get_json()}
        assert ids == {w.org.people[who].id for who in expected}

    @pytest.mark.parametrize(
        ("actor", "expected"),
        [
            ("rep", {"rep"}),
            ("other_rep", {"other_rep"}),
            ("manager", {"rep", "rep2"}),
            ("manager2", {"other_rep"}),
            ("director", {"rep", "rep2", "other_rep", "access_rep"}),
            ("director2", {"far_rep"}),
            ("admin", set()),  # admins manage targets but read no coaching
            ("msl_manager", {"msl"}),
            ("msl", {"msl"}),
            ("medical_director", {"msl"}),
            ("access_manager", {"access_rep"}),
            ("access_rep", {"access_rep"}),
            ("nurse_manager", {"nurse"}),
            ("nurse", {"nurse"}),
        ],
    )
    def test_cadence_api_and_csv_cover_only_the_callers_scope(
        self, w: World, actor: str, expected: set[str]
    ) -> None:
        (cadence_row,) = rows_by_key()[("api_cadence.cadence", "GET")][:1]
        rows = w.call(cadence_row, actor).get_json()
        assert {item["rep_id"] for item in rows} == {w.org.people[who].id for who in expected}
        (teams_row,) = rows_by_key()[("api_cadence.cadence_teams", "GET")]
        teams = w.call(teams_row, actor).get_json()
        assert sum(team["rep_count"] for team in teams) == len(expected)
        (csv_row,) = rows_by_key()[("dashboard.cadence_csv", "GET")][:1]
        response = w.call(csv_row, actor)
        if response.status_code == 200:
            emails = {
                line.split(",")[3] for line in response.get_data(as_text=True).splitlines()[1:]
            }
            assert emails == {w.org.people[who].email for who in expected}

    @pytest.mark.parametrize("actor", SIGNED_IN)
    def test_api_me_is_the_caller(self, w: World, actor: str) -> None:
        (me_row,) = rows_by_key()[("api_people.me", "GET")]
        body = w.call(me_row, actor).get_json()
        person = w.org.people[actor]
        assert (body["id"], body["email"], body["role"]) == (
            person.id,
            person.email,
            person.role.value,
        )


# A new route without a row fails ---------------------------------------------------------


def test_every_route_has_a_row(app: Flask) -> None:
    missing = sorted(routes_of(app) - rows_by_key().keys())
    assert not missing, (
        "routes without a row in tests/access_matrix.py (add who may call them): "
        + ", ".join(f"{method} {endpoint}" for endpoint, method in missing)
    )


def test_a_route_added_without_a_row_is_caught(database_url: str) -> None:
    """The check above reads the app's URL map itself: a page, an API write, a second URL
    for a known endpoint and a view that answers OPTIONS itself are all noticed."""
    app = create_app(settings_for(database_url))

    def view() -> str:
        return ""

    app.add_url_rule("/unlisted", "unlisted.page", view)
    app.add_url_rule("/api/v1/unlisted", "unlisted.api", view, methods=["DELETE"])
    app.add_url_rule("/also-healthz", "health.healthz", app.view_functions["health.healthz"])
    app.add_url_rule(
        "/unlisted-options",
        "unlisted.options",
        view,
        methods=["OPTIONS"],
        provide_automatic_options=False,
    )
    missing = routes_of(app) - rows_by_key().keys()
    assert missing == {
        ("unlisted.page", "GET"),
        ("unlisted.api", "DELETE"),
        ("unlisted.options", "OPTIONS"),
    }
    assert ("static", "GET") in routes_of(app)
    assert ("/also-healthz", "GET") in rules_of(app)
    app.extensions["coachapp.db"].engine.dispose()


def test_every_row_is_a_route(app: Flask) -> None:
    stale = sorted(rows_by_key().keys() - routes_of(app))
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_matrix_has_no_duplicate_rows() -> None:
    labels = [item.label for item in MATRIX]
    assert len(labels) == len(set(labels))


# Changes to who someone is take effect on the next request -------------------------------


def _sign_in(app: Flask, email: str) -> HttpsClient:
    client: HttpsClient = app.test_client()  # type: ignore[assignment]
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _token_for(app: Flask, db: Session, user: User) -> str:
    with app.app_context():
        return issue_api_token(db, user)[0]


@pytest.mark.usefixtures("quick_passwords")
def test_role_change_by_admin_signs_the_user_out(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    rep_browser = _sign_in(app, rep.email)
    token = _token_for(app, db, rep)
    assert rep_browser.get("/my").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    login(client, org.people["admin"].email)
    response = client.post_form(
        f"/admin/users/{rep.id}",
        {
            "name": rep.name,
            "role": "manager",
            "function": "sales",
            "manager_id": str(org.people["director"].id),
            "timezone": rep.timezone,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)

    after = rep_browser.get("/my")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    # Signing in again gives the new role's pages.
    again = _sign_in(app, rep.email)
    assert again.get("/today").status_code == 200
    assert again.get("/my").status_code == 404


@pytest.mark.usefixtures("quick_passwords")
def test_edit_without_role_change_keeps_the_user_signed_in(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    rep_browser = _sign_in(app, rep.email)
    token = _token_for(app, db, rep)
    login(client, org.people["admin"].email)
    response = client.post_form(
        f"/admin/users/{rep.id}",
        {
            "name": "Riley Renamed",
            "role": "rep",
            "function": "sales",
            "manager_id": str(org.people["manager"].id),
            "timezone": rep.timezone,
        },
    )
    assert response.status_code == 302
    assert rep_browser.get("/my").status_code == 200
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.get_json()["name"] == "Riley Renamed"


@pytest.mark.usefixtures("quick_passwords")
def test_deactivation_signs_the_user_out(
    app: Flask, client: HttpsClient, org: Org, db: Session
) -> None:
    rep = org.people["rep"]
    rep_browser = _sign_in(app, rep.email)
    token = _token_for(app, db, rep)
    login(client, org.people["admin"].email)
    response = client.post_form(f"/admin/users/{rep.id}/active", {"active": "0"})
    assert response.status_code == 302
    after = rep_browser.get("/my")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/login")
    api = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


@pytest.mark.usefixtures("quick_passwords")
def test_a_copy_of_the_session_cookie_dies_with_sign_out(
    app: Flask, client: HttpsClient, org: Org
) -> None:
    """SECURITY.md: "logout invalidates on the server"."""
    browser = _sign_in(app, org.people["rep"].email)
    cookie = browser.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    assert browser.post_form("/logout").status_code == 302
    thief: HttpsClient = app.test_client()  # type: ignore[assignment]
    thief.set_cookie(SESSION_COOKIE, cookie.value, domain="localhost")
    response = thief.get("/my")
    assert response.status_code == 302, "the signed-out session cookie still opens pages"
