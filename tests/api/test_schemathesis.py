"""Schemathesis against the app's own OpenAPI document, in-process, as a signed-in manager.

Every generated request, valid and invalid (schemathesis's positive and negative modes,
its coverage and fuzzing phases), must get a documented status, content type, headers and
body: no server errors, no schema violations. All of schemathesis's checks run (its
default): not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, ignored_auth, unsupported_method, missing_required_header, ...

The schema is loaded at import from an app of its own (the document does not depend on
the database) rather than with schemathesis.pytest.from_fixture, whose lazy loader sets
`request.node._nodeid`, an attribute pytest 9.2 no longer has. Requests go to the `app`
fixture, each operation inside a rolled-back transaction: valid and invalid ones on the first
backend, the valid ones again on every other (see `positive_schema`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.generation import GenerationMode
from sqlalchemy.orm import Session

from coachapp import create_app
from coachapp.auth.service import issue_api_token
from tests.builders import Org
from tests.conftest import DEPTH, HttpsClient, settings_for

# The operations this file answers for; add others here once their blueprint is settled.
PATHS = ["/api/v1/tokens", "/api/v1/me", "/api/v1/reps"]
PLAN_PATHS = [
    "/api/v1/reps/{rep_id}/account-plans",
    "/api/v1/account-plans",
    "/api/v1/account-plans/{plan_id}",
    "/api/v1/account-plans/{plan_id}/goals",
    "/api/v1/account-plans/{plan_id}/goals/{item_id}",
    "/api/v1/account-plans/{plan_id}/action-items",
    "/api/v1/account-plans/{plan_id}/action-items/{item_id}",
    "/api/v1/account-plans/{plan_id}/stakeholders",
    "/api/v1/account-plans/{plan_id}/stakeholders/{item_id}",
    "/api/v1/account-plans/{plan_id}/team",
    "/api/v1/account-plans/{plan_id}/team/{user_id}",
    "/api/v1/account-plans/{plan_id}/insights",
    "/api/v1/account-plans/{plan_id}/insights/{insight_id}/approval",
    "/api/v1/account-plans/{plan_id}/comments",
    "/api/v1/accounts/{account_id}/team",
    "/api/v1/goals/{goal_id}/actuals",
    "/api/v1/goals/{goal_id}/actuals/{actual_id}",
    "/api/v1/impact",
]
COACHING_PATHS = [
    "/api/v1/guides",
    "/api/v1/guides/{version_id}",
    "/api/v1/coaching-sessions",
    "/api/v1/coaching-sessions/{session_id}",
    "/api/v1/coaching-sessions/{session_id}/share",
    "/api/v1/coaching-sessions/{session_id}/acknowledge",
    "/api/v1/coaching-sessions/{session_id}/addendum",
    "/api/v1/coaching-sessions/{session_id}/self-assessment",
    "/api/v1/coaching-sessions/{session_id}/skip-self-rating",
    "/api/v1/follow-ups",
    "/api/v1/follow-ups/{follow_up_id}",
    "/api/v1/reps/{rep_id}/self-assessment",
]
CADENCE_PATHS = ["/api/v1/cadence", "/api/v1/cadence/teams", "/api/v1/cadence/quality"]
RIDE_ALONG_PATHS = [
    "/api/v1/ride-alongs",
    "/api/v1/ride-alongs/{ride_id}",
    "/api/v1/ride-alongs/{ride_id}/agreements/{follow_up_id}/done",
    "/api/v1/ride-alongs/{ride_id}/calls",
    "/api/v1/ride-alongs/{ride_id}/calls/{call_id}",
    "/api/v1/ride-alongs/{ride_id}/note",
]
COACH_NOTE_PATHS = [
    "/api/v1/coach-the-coach-notes",
    "/api/v1/coach-the-coach-notes/{note_id}",
    "/api/v1/coach-the-coach-notes/{note_id}/share",
    "/api/v1/coach-the-coach-notes/{note_id}/acknowledge",
]
OBSERVATION_PATHS = [
    "/api/v1/observations",
    "/api/v1/observations/{observation_id}",
    "/api/v1/coaching-sessions/{session_id}/observations/{observation_id}",
]
REVIEW_PATHS = [
    "/api/v1/reviews",
    "/api/v1/reviews/{review_id}",
    "/api/v1/reviews/{review_id}/acknowledgement",
    "/api/v1/account-teams",
]
NOTIFICATION_PATHS = [
    "/api/v1/push-subscriptions",
    "/api/v1/push-subscriptions/key",
    "/api/v1/notifications",
    "/api/v1/notifications/{notification_id}/read",
    "/api/v1/notifications/read-all",
]

# The manager authors coaching notes, so generated requests reach rules no schema can state:
# a PATCH needs the note's current version in If-Match (428 without, 412 when stale, which a
# generated value almost always is), and ratings, follow-up owners, plans and accounts must
# belong to the note's rep and guide version (422). Those answers are right for valid-looking
# data; every other check still applies.
VERSIONED = {"positive_data_acceptance": ["2xx", 401, 403, 404, 409, 412, 422, 428, 429]}
MISSING_IF_MATCH = {"missing_required_header": [400, 401, 403, 406, 415, 422, 428]}
SEMANTIC = {"positive_data_acceptance": ["2xx", 401, 403, 404, 409, 422, 429]}


def _checks(expected: dict[str, list[Any]]) -> dict[str, Any]:
    return {name: {"expected-statuses": statuses} for name, statuses in expected.items()}


CONFIG = schemathesis.Config.from_dict(
    {
        "operations": [
            {
                "include-path": "/api/v1/coaching-sessions/{session_id}",
                "include-method": "PATCH",
                "checks": _checks({**VERSIONED, **MISSING_IF_MATCH}),
            },
            {
                "include-path": "/api/v1/coaching-sessions",
                "include-method": "POST",
                "checks": _checks(SEMANTIC),
            },
            # Coach-the-coach notes are written by a director to their own managers: the
            # manager's generated notes name nobody they may write to (404), and a PATCH
            # needs a current version as above.
            {
                "include-path": "/api/v1/coach-the-coach-notes",
                "include-method": "POST",
                "checks": _checks(SEMANTIC),
            },
            {
                "include-path": "/api/v1/coach-the-coach-notes/{note_id}",
                "include-method": "PATCH",
                "checks": _checks({**VERSIONED, **MISSING_IF_MATCH}),
            },
            # Ride-along days are a manager's with their own reps: generated days, reps, calls
            # and agreements are mostly nobody's (404), out of range (422) or closed (409), and
            # the preparation's PATCH needs a current version as above.
            {
                "include-path-regex": "^/api/v1/ride-alongs",
                "include-method": "POST",
                "checks": _checks(SEMANTIC),
            },
            {
                "include-path": "/api/v1/ride-alongs/{ride_id}",
                "include-method": "PATCH",
                "checks": _checks({**VERSIONED, **MISSING_IF_MATCH}),
            },
            # Observations are of account-team members who share an account with the caller's
            # line, on a competency of their guide: generated ones name nobody the manager may
            # observe (404) or no competency of theirs (422); generated notes and observations
            # to attach are mostly nobody's (404).
            {
                "include-path-regex": "^/api/v1/(observations|coaching-sessions/.+/observations)",
                "checks": _checks(SEMANTIC),
            },
            # Account-team reviews are of accounts with the manager's people on the team, with
            # participants and owners on it: generated ones name other accounts (404) or people
            # off the team (422); generated reviews to acknowledge are nobody's (404).
            {
                "include-path-regex": "^/api/v1/reviews",
                "checks": _checks(SEMANTIC),
            },
            # Actuals are recorded by a plan's owner and its account team, which the manager
            # is not (403 on the goals they read, 404 on the others); corrections need the
            # actual's current version in If-Match as above.
            {
                "include-path-regex": "^/api/v1/goals/",
                "checks": _checks({**VERSIONED, **MISSING_IF_MATCH}),
            },
            # A generated quarter may be one still to come, or come with window_days, which
            # period replaces (422 by its field).
            {
                "include-path": "/api/v1/impact",
                "checks": _checks(SEMANTIC),
            },
            # A generated subscription names an endpoint no browser would (a private or
            # unresolvable host: 422) and keys that are rarely a point on P-256 (422); a
            # generated endpoint to unsubscribe is nobody's (404).
            {
                "include-path": "/api/v1/push-subscriptions",
                "checks": _checks(SEMANTIC),
            },
        ]
    }
)

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(settings_for("sqlite://")), config=CONFIG
).include(
    path=PATHS
    + PLAN_PATHS
    + COACHING_PATHS
    + CADENCE_PATHS
    + COACH_NOTE_PATHS
    + RIDE_ALONG_PATHS
    + OBSERVATION_PATHS
    + REVIEW_PATHS
    + NOTIFICATION_PATHS
)
# Invalid requests (schemathesis's negative mode) are refused while the API reads them, by
# the same schemas on every database, before any query: they are sent on the first backend
# only, and had one been accepted there, its negative_data_rejection check fails. Valid
# requests reach the database and go to every backend.
POSITIVE_CONFIG = copy.deepcopy(CONFIG)
POSITIVE_CONFIG.projects.default.generation.update(modes=[GenerationMode.POSITIVE])
positive_schema = schema.clone()
positive_schema.config = POSITIVE_CONFIG.projects.default


def _lost_in_the_query_string(case: Any, response: Any, failures: FailureGroup) -> bool:
    """True when the only failure is an accepted "additional query parameter" that was never
    sent: schemathesis generates such parameters with an object or an empty list as their
    value, which the query string cannot carry, so the request that left was a valid one."""
    if not all(isinstance(f, AcceptedNegativeData) for f in failures.exceptions):
        return False
    if not all("query: violates `additionalProperties`" in f.message for f in failures.exceptions):
        return False
    declared = {parameter.name for parameter in case.operation.query}
    sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
    return set(sent) <= declared


@pytest.fixture
def token_for(app: Flask, client: HttpsClient, db: Session, org: Org) -> Callable[[Any], str]:
    """The manager's token for a case: one for all the cases of an operation, and a fresh one
    for each DELETE /tokens, which revokes the token it is sent with (later cases must not be
    left unauthenticated). Requesting `client` puts the test inside the rolled-back
    transaction of the `connection` fixture."""
    kept: list[str] = []

    def issue() -> str:
        with app.app_context():
            token, _ = issue_api_token(db, org.people["manager"], "schemathesis")
        return token

    def token(case: Any) -> str:
        if case.operation.method.upper() == "DELETE" and case.operation.path == "/api/v1/tokens":
            return issue()
        if not kept:
            kept.append(issue())
        return kept[0]

    return token


SETTINGS = settings(
    max_examples=15 * DEPTH,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.first_backend
@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema(case: Any, app: Flask, token_for: Callable[[Any], str]) -> None:
    """Valid and invalid requests, on the first backend."""
    conforms(case, app, token_for(case))


@pytest.mark.other_backends
@positive_schema.parametrize()
@SETTINGS
def test_valid_requests_conform_on_the_other_backends(
    case: Any, app: Flask, token_for: Callable[[Any], str]
) -> None:
    """Valid requests (the positive mode's coverage and fuzzing), on the other backends."""
    conforms(case, app, token_for(case))


def conforms(case: Any, app: Flask, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call(app=app, headers=headers)
    try:
        case.validate_response(
            response, headers=headers, transport_kwargs={"app": app, "headers": headers}
        )
    except FailureGroup as failures:
        if not _lost_in_the_query_string(case, response, failures):
            raise
    # The token really opens /me and /reps (negative cases drop or spoil it, and get 401).
    sent = response.request
    authenticated = token in sent.headers.get("Authorization", "")
    if authenticated and sent.method == "GET" and case.operation.path in PATHS[1:]:
        assert response.status_code == 200, response.text
