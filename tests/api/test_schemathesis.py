"""Schemathesis against the app's own OpenAPI document, in-process, as a signed-in manager.

Every generated request, valid and invalid (schemathesis's positive and negative modes,
its coverage and fuzzing phases), must get a documented status, content type, headers and
body: no server errors, no schema violations. All of schemathesis's checks run (its
default): not_a_server_error, status_code_conformance, content_type_conformance,
response_headers_conformance, response_schema_conformance, negative_data_rejection,
positive_data_acceptance, ignored_auth, unsupported_method, missing_required_header, ...

The schema is loaded at import from an app of its own (the document does not depend on
the database) rather than with schemathesis.pytest.from_fixture, whose lazy loader sets
`request.node._nodeid`, an attribute pytest 9.2 no longer has. Each operation is an item,
its Hypothesis test built when it runs (see `LABELS`). Requests go to the `app` fixture, each
operation inside a rolled-back transaction, on one backend (tests/conftest.py deals them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import load_all_checks
from schemathesis.core.errors import InvalidHeadersExample, InvalidSchema
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup, as_reported_failure
from schemathesis.core.result import Err, Ok, Result
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.hypothesis.builder import (
    InvalidHeadersExampleMark,
    MissingPathParameters,
    UnserializablePayloadMark,
)
from schemathesis.generation.hypothesis.reporting import ignore_hypothesis_output
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.pytest.warnings import emit_unserializable_payload_warning
from schemathesis.python._constants.orchestrator import make_constants_value_source
from schemathesis.schemas import APIOperation, BaseSchema
from sqlalchemy.orm import Session

from coachapp import create_app
from coachapp.auth.service import issue_api_token
from tests.builders import Org
from tests.conftest import DEPTH, HttpsClient, settings_for

pytest_plugins = ["pytester"]

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

# The lists the entries above do not cover already (coachapp.api.paging: limit and cursor).
PAGED_LISTS = (
    r"^/api/v1/(reps|reps/\{rep_id\}/account-plans|account-plans|guides|coaching-sessions"
    r"|follow-ups|ride-alongs|ride-alongs/\{ride_id\}/calls|cadence|cadence/teams"
    r"|cadence/quality|coach-the-coach-notes|notifications|accounts/\{account_id\}/team"
    r"|account-plans/\{plan_id\}/(insights|comments))$"
)

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
            # Every list is paged (coachapp.api.paging): a generated cursor is almost never
            # one the API gave, and is refused at `cursor` (422) as the document says.
            {
                "include-path-regex": PAGED_LISTS,
                "include-method": "GET",
                "checks": _checks(SEMANTIC),
            },
        ]
    }
)


class SettingsOnce:
    """A schemathesis project's settings, each worked out once per operation and phase.

    schemathesis merges the settings that apply to an operation (the project's, its phase's
    and the `operations` entries that match) again each time it asks: for each generated case
    before checking its answer, and while building the operation's strategies. The merge gives
    the same answer every time for the same operation and phase (the settings do not change
    while the suite runs); it was about an eighth of the schema tests' time. Anything else is
    read from the project itself."""

    def __init__(self, project: Any) -> None:
        self._project = project
        self._known: dict[tuple[str, str, str | None], Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._project, name)

    def _once(self, kind: str, operation: Any, **kwargs: Any) -> Any:
        key = (kind, operation.label if operation is not None else "", kwargs.get("phase"))
        if key not in self._known:
            self._known[key] = getattr(self._project, kind)(operation=operation, **kwargs)
        return self._known[key]

    def phases_for(self, *, operation: Any) -> Any:
        return self._once("phases_for", operation)

    def generation_for(self, *, operation: Any = None, phase: str | None = None) -> Any:
        return self._once("generation_for", operation, phase=phase)

    def checks_config_for(self, *, operation: Any = None, phase: str | None = None) -> Any:
        return self._once("checks_config_for", operation, phase=phase)


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
schema.config = SettingsOnce(schema.config)


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


def _label(result: Result[APIOperation, InvalidSchema]) -> str:
    return result.ok().label if isinstance(result, Ok) else result.err().label


# One item per operation, as `@schema.parametrize()` makes, but parametrised by the operation's
# label only: `@schema.parametrize()` builds every operation's Hypothesis test, coverage cases
# included, while collecting (12 s of CPU for these items), and under xdist every worker
# collects every module. Built when the test runs, the work is done once, by the worker that
# runs it.
LABELS = [_label(result) for result in schema.get_all_operations()]


# Each operation on one backend (tests/conftest.py deals them): the database's own answers
# (its column types and lengths, unique indexes, locks) are each reached by half of them.
@pytest.mark.parametrize("label", LABELS)
def test_api_conforms_to_its_schema(
    label: str, app: Flask, token_for: Callable[[Any], str]
) -> None:
    """Valid and invalid requests."""
    run_operation(schema, label, lambda case: conforms(case, app, token_for(case)))


def build_operation(
    schema: BaseSchema, label: str, test: Callable[[Any], None]
) -> Callable[[], None]:
    """The Hypothesis test schemathesis's pytest plugin would have collected for `label`: its
    phases (examples, coverage, fuzzing), modes, checks, config and per-operation seed.

    `build_operation_test` is what the plugin calls at collection (SchemathesisCase._gen_items
    in schemathesis 4, checked with 4.32.5, pinned >=4,<5); it is not public API, and
    schemathesis's only public lazy route (`schemathesis.pytest.from_fixture`) runs every
    operation in one item. `test_operations_are_built_as_schemathesis_collects_them` compares
    the two builds."""
    load_all_checks()
    results = list(schema.get_all_operations())
    index = [_label(result) for result in results].index(label)
    if isinstance(results[index], Err):
        raise results[index].err()
    operation = results[index].ok()
    # The coverage phase sends a path's undeclared methods (TRACE, ...) once per path: with the
    # first of its operations in the document, the one `@schema.parametrize()` builds first
    # (the schema keeps the methods sent so far). Built one at a time in any order, an
    # operation is told whether one before it had its path.
    assert hasattr(schema, "coverage_unexpected_methods_seen"), "see build_operation"
    earlier = [result.ok() for result in results[:index] if isinstance(result, Ok)]
    schema.coverage_unexpected_methods_seen = {
        (operation.path, method)
        for before in earlier
        if before.path == operation.path
        for method in schema.config.phases_for(operation=before).coverage.unexpected_methods
    }
    return build_operation_test(
        config=schema.config,
        operation=operation,
        test_func=test,
        given_kwargs={},
        feedback=FeedbackSources(constants_value_source=make_constants_value_source(schema)),
        explicit_settings=SETTINGS,
    )


def run_operation(schema: BaseSchema, label: str, test: Callable[[Any], None]) -> None:
    """Runs the operation's test as the plugin runs its items (its `pytest_pyfunc_call`):
    Hypothesis's own report silenced, schemathesis's failures reported as it reports them, and
    the run failed when the document left cases untested (undeclared path parameters, invalid
    header examples, payloads of a media type it cannot send)."""
    built = build_operation(schema, label, test)
    with ignore_hypothesis_output():
        try:
            built()
        except FailureGroup as failures:
            raise as_reported_failure(failures) from None
    if (media_types := UnserializablePayloadMark.get(built)) is not None:
        emit_unserializable_payload_warning(media_types)
    if (headers := InvalidHeadersExampleMark.get(built)) is not None:
        raise InvalidHeadersExample.from_headers(headers)
    if (missing := MissingPathParameters.get(built)) is not None:
        raise missing


def conforms(case: Any, app: Flask, token: str) -> None:
    # The answers are checked as the API writes them: the WSGI transport hands schemathesis
    # the body as sent, and it cannot read brotli (compression: tests/test_compression.py).
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    response = case.call(app=app, headers=headers)
    try:
        case.validate_response(
            response, headers=headers, transport_kwargs={"app": app, "headers": headers}
        )
    except FailureGroup as failures:
        if not _lost_in_the_query_string(case, response, failures):
            raise
    # The token really opens /me and /reps (negative cases drop or spoil it, and get 401);
    # a generated page of reps may be refused by its limit or cursor (422), never the token.
    sent = response.request
    authenticated = token in sent.headers.get("Authorization", "")
    if authenticated and sent.method == "GET" and case.operation.path in PATHS[1:]:
        assert response.status_code in ({200, 422} if urlsplit(sent.url).query else {200}), (
            response.text
        )


# Quick operations with between them a query, a path parameter, a body, If-Match, checks of
# their own, and two operations of one path (the first sends its undeclared methods).
SAMPLE = [
    "GET /api/v1/follow-ups",
    "GET /api/v1/coach-the-coach-notes/{note_id}",
    "PATCH /api/v1/coach-the-coach-notes/{note_id}",
]


def test_operations_are_built_as_schemathesis_collects_them(pytester: pytest.Pytester) -> None:
    """The cases `build_operation` generates are those of the items schemathesis's own pytest
    plugin collects for `@schema.parametrize()` (every phase and mode, same order, same seed):
    a schemathesis release that builds its tests otherwise fails here, not silently."""
    others = [label for label in LABELS if label not in SAMPLE]
    items = pytester.getitems(
        f"""
        from tests.api import test_schemathesis as module

        CASES = []

        @module.schema.exclude(name={others!r}).parametrize()
        @module.SETTINGS
        def test_records(case):
            CASES.append(module.generated(case))
        """
    )
    assert [item.operation_label for item in items] == SAMPLE
    for item in reversed(items):  # built in any order, each as if built in the document's
        item.module.CASES.clear()
        item.obj()
        built = cases_of(build_operation(schema, item.operation_label, record))
        # The coverage phase is deterministic: the same cases in the same order. The fuzzing
        # phase's draws also depend on what ran before in the process (in the whole suite
        # they differ between two builds of one test), so there only the phases and modes
        # are compared.
        assert coverage(built) == coverage(item.module.CASES), item.operation_label
        assert {(phase.value, mode.value) for phase, mode, *_ in built} == {
            (phase, mode) for phase in ("coverage", "fuzzing") for mode in ("positive", "negative")
        }, item.operation_label


def coverage(cases: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The coverage phase's cases (a case's first field is its phase)."""
    found = [case for case in cases if case[0].value == "coverage"]
    assert found, "no coverage cases"
    return found


def generated(case: Any) -> tuple[Any, ...]:
    """What a generated case sends, and the phase and mode it comes from."""
    meta = case.meta
    return (
        meta.phase.name,
        meta.generation.mode,
        repr(meta.phase.data),
        case.method,
        case.path,
        case.path_parameters,
        dict(case.headers or {}),
        case.cookies,
        case.query,
        repr(case.body),
        case.media_type,
    )


RECORDED: list[tuple[Any, ...]] = []


def record(case: Any) -> None:
    RECORDED.append(generated(case))


def cases_of(test: Callable[[], None]) -> list[tuple[Any, ...]]:
    RECORDED.clear()
    test()
    return list(RECORDED)
