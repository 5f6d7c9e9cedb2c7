"""Who may do what, as data: one row per (endpoint, method) and variation, one code per actor.

SECURITY.md: "Keep an actor x resource x action matrix as data and generate the tests from
it; a new route without a row fails the suite". tests/test_access_matrix.py turns every
row x actor into a test and fails when a URL rule has no row.

Reading a row: `path` and the values of `data` and `headers` are `str.format` templates filled with
`p` (org.people), `n` (org.notifications), `s` (org.sessions), `plans` (org.plans), `c`
(org.coach_notes), `i` (the plan items of `add_plan_items`) and `me` (the acting user; a
stand-in for `anonymous`).
`expect` lists the status code for each actor in the order of ACTORS.

The conventions the codes follow (DESIGN.md "Who may see what"):
- a page the role may not see, or an object outside the caller's scope, answers 404, not 403;
- a change the caller may not make to an object they may read answers 403;
- an anonymous page request is redirected (302) to /login; an anonymous htmx request and an
  anonymous API call answer 401;
- signed-in actors call the API with a bearer token from POST /api/v1/tokens.

`World` is the organisation of tests.builders.build_org kept in one open transaction, with
every actor signed in once, through the sign-in form. Each test runs inside a savepoint that
is rolled back, so rows that change data (sign-out, profile, plans, tokens) do not leak.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from coachapp.auth import service as auth_service
from coachapp.auth.service import issue_api_token
from coachapp.coaching import service as coaching
from coachapp.db import Database, utcnow
from coachapp.models import (
    AccountReview,
    ActionStatus,
    FollowUp,
    Function,
    GoalActual,
    InsightStatus,
    PlanActionItem,
    PlanGoal,
    PlanInsight,
    PlannedRideAlong,
    PlanStakeholder,
    PlanTeamMember,
    PushSubscription,
    ReviewParticipant,
    ReviewRating,
    RideAlongCall,
    RideAlongStop,
    Role,
    User,
)
from tests.builders import (
    PASSWORD,
    Org,
    build_org,
    make_observation,
    make_user,
    password_hash,
)
from tests.conftest import HttpsClient, login

ANONYMOUS = "anonymous"
ACTORS = (
    ANONYMOUS,
    "rep",
    "rep2",
    "other_rep",
    "manager",
    "manager2",
    "director",
    "director2",
    "admin",
    # The medical line: an MSL manager and an MSL, on rep's account team (tests.builders).
    "msl_manager",
    "msl",
    # The other lines (add_other_lines): the medical director over msl_manager; market access,
    # a manager under director and their reimbursement specialist on rep's account team;
    # patient services, a manager of nurse educators in no one's subtree and a nurse educator
    # on rep's account team.
    "medical_director",
    "access_manager",
    "access_rep",
    "nurse_manager",
    "nurse",
)
SIGNED_IN = ACTORS[1:]
SESSION_COOKIE = "coachapp_session"
PRIVATE_NOTE_MARKER = "PRIVATE-NOTE-MARKER"
# Each author's private notes, told apart: build_org gives every session the same marker, and
# the World leaves it only on the notes `manager` wrote (draft, shared, acknowledged).
PRIVATE_NOTES = {
    "manager": PRIVATE_NOTE_MARKER,
    "manager2": "PRIVATE-NOTE-BY-MANAGER2",
    "manager3": "PRIVATE-NOTE-BY-MANAGER3",
    "msl_manager": "PRIVATE-NOTE-BY-MSL-MANAGER",
}
MISSING_ID = 999_999_999
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: str
    expect: tuple[int, ...]
    variant: str = ""
    data: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Answers without signing in (login page, health probes, the OpenAPI document, tokens).
    public: bool = False
    # An htmx fragment, not a whole page.
    fragment: bool = False

    def __post_init__(self) -> None:
        if len(self.expect) != len(ACTORS):
            raise ValueError(f"{self.label}: {len(self.expect)} codes for {len(ACTORS)} actors")

    @property
    def label(self) -> str:
        return f"{self.endpoint}:{self.method}" + (f":{self.variant}" if self.variant else "")

    @property
    def key(self) -> tuple[str, str]:
        return self.endpoint, self.method

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def safe(self) -> bool:
        return self.method in {"GET", "HEAD", "OPTIONS"}

    def expected(self, actor: str) -> int:
        return self.expect[ACTORS.index(actor)]

    def lets_through(self, actor: str) -> bool:
        """The actor gets the route's answer (2xx) or is sent on (a redirect), not refused."""
        return 200 <= self.expected(actor) < 400

    def fill(
        self, org: Org, me: Any, items: Mapping[str, Any] | None = None
    ) -> tuple[str, dict[str, Any] | None, dict[str, str]]:
        names = {
            "i": items or {},
            "p": org.people,
            "n": org.notifications,
            "s": org.notes,
            "f": org.follow_ups,
            "g": org.guide_ids,
            "c": org.coach_notes,
            "plans": org.plans,
            "me": me,
            "missing": MISSING_ID,
            "password": PASSWORD,
        }

        def filled(value: Any) -> Any:
            if isinstance(value, Mapping):
                return {key: filled(inner) for key, inner in value.items()}
            return value.format(**names) if isinstance(value, str) else value

        data = None
        if self.data is not None:
            data = filled(self.data)
        headers = {key: value.format(**names) for key, value in self.headers.items()}
        return self.path.format(**names), data, headers


def row(endpoint: str, method: str, path: str, *, expect: tuple[int, ...], **kw: Any) -> Row:
    return Row(endpoint, method, path, expect, **kw)


EDIT_REP_FORM = {
    "name": "{p[rep].name}",
    "role": "rep",
    "function": "sales",
    "manager_id": "{p[manager].id}",
    "timezone": "America/New_York",
}

# A browser's subscription (keys valid on P-256) at a public address: accepted by the server.
DEVICE_KEYS = {
    "p256dh": (
        "BN9dafEBSXL9t87kswoSPf8lcYVCJJnpJTPa34CCRMTdH-Qm34N4_r0LSPexmNKQE2RXDAPe71jmOpXYQEfWT28"
    ),
    "auth": "tBHItJI5svbpez7KI4CCXg",
}
NEW_DEVICE = {"endpoint": "https://93.184.216.34/push/new-device", "keys": DEVICE_KEYS}
REP_DEVICE_ENDPOINT = "https://93.184.216.34/push/rep-device"

# One new rep in the manager's team.
IMPORT_CSV = (
    "email,name,role,function,manager email,time zone\n"
    "new.hire@example.com,New Hire,rep,sales,{p[manager].email},UTC\n"
)

ACCOUNTS_CSV = "external_id,name,type\nCRM-NEW-1,New Network Health,IDN\n"

IF_MATCH_PLAN = {"If-Match": '"{plans[rep].version}"'}
# An account-team review of rep's account with its whole team (the API's body).
REVIEW_BODY = {
    "account_id": "{plans[rep].account_id}",
    "plan_progress": "The P&T date moved to March.",
    "ratings": [
        {"competency_key": key, "score": 3}
        for key in (
            "cross_functional_collaboration",
            "account_team_coordination",
            "team_communication",
        )
    ],
}
NEXT_WEEK = (dt.date.today() + dt.timedelta(days=7)).isoformat()
IF_MATCH_ITEM = {"If-Match": '"1"'}

# fmt: off
MATRIX: tuple[Row, ...] = (
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("health.healthz", "GET", "/healthz", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("health.readyz", "GET", "/readyz", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("home.index", "GET", "/",
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("auth.login", "GET", "/login", public=True,
        expect=(200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("auth.login", "POST", "/login",
        public=True, data={"email": "{p[rep].email}", "password": "{password}"},
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("auth.login", "POST", "/login",
        variant="wrong_password", public=True,
        data={"email": "{p[rep].email}", "password": "not the password"},
        expect=(401, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("auth.logout", "POST", "/logout",
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    # Single sign-on is not configured here (tests/auth/test_sso.py signs in through a provider).
    row("sso.login", "GET", "/login/sso", public=True,
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("sso.callback", "GET", "/login/sso/callback?code=x&state=y", public=True,
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Password reset and invitations by email (tests/mail): open to anyone. Without SMTP_URL
    # (as here) the reset page says to ask an admin, and asks nothing; a link that is not one
    # is not found, for everyone alike.
    row("auth.forgot_password", "GET", "/password/forgot", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("auth.forgot_password", "POST", "/password/forgot", public=True,
        data={"email": "{p[rep].email}"},
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("auth.reset_password", "GET", "/password/reset/not-a-link", public=True,
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("auth.reset_password", "POST", "/password/reset/not-a-link", public=True,
        data={"new_password": "a new phrase for me"},
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("auth.accept_invitation", "GET", "/invitation/not-a-link", public=True,
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("auth.accept_invitation", "POST", "/invitation/not-a-link", public=True,
        data={"new_password": "a new phrase for me"},
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.today", "GET", "/today",
        expect=(302, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    row("team.team", "GET", "/team",
        expect=(302, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    row("team.team", "GET", "/team",
        variant="htmx_fragment", fragment=True, headers={"HX-Request": "true"},
        expect=(401, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    # A person page: one's own, one's reports', one's subtree's; everyone else's is missing.
    row("team.person", "GET", "/people/{p[rep].id}", variant="rep",
        expect=(302, 200, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[rep2].id}", variant="rep2",
        expect=(302, 404, 200, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[other_rep].id}", variant="other_rep",
        expect=(302, 404, 404, 200, 404, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[far_rep].id}", variant="far_rep",
        expect=(302, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    # The medical line: the MSL's page is theirs and their own line's, never the commercial
    # line's, though the MSL is on rep's account team.
    row("team.person", "GET", "/people/{p[msl].id}", variant="msl",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 200, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[manager].id}", variant="manager",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[director].id}", variant="director",
        expect=(302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{p[admin].id}", variant="admin",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("team.person", "GET", "/people/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("team.my_page", "GET", "/my",
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    row("dashboard.index", "GET", "/org",
        expect=(302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("dashboard.index", "GET", "/org?period=30&region=Midwest&function=msl",
        variant="filtered",
        expect=(302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    # A region below a director (add_regions): its director's dashboard as seen from above,
    # within the viewer's subtree and side of the medical/commercial wall only; one's own is
    # /org (a redirect there); a manager is not a region.
    row("dashboard.region", "GET", "/org/regions/{p[regional_director].id}",
        expect=(302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region", "GET", "/org/regions/{p[medical_regional].id}?period=30",
        variant="medical",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("dashboard.region", "GET", "/org/regions/{p[director].id}", variant="own",
        expect=(302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region", "GET", "/org/regions/{p[manager].id}", variant="not_a_director",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region", "GET", "/org/regions/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Finding a manager or rep below a director, by name or email; what is typed is never an
    # error, and the people found come as a fragment to htmx.
    row("dashboard.find_person", "GET", "/org/people?q=rep",
        expect=(302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("dashboard.find_person", "GET", "/org/people?q=%25_%5C%00%E2%80%AE", variant="odd",
        expect=(302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("dashboard.find_person", "GET", "/org/people?q=mo",
        variant="htmx_fragment", fragment=True, headers={"HX-Request": "true"},
        expect=(401, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    # Drill-down to a manager's team: a director's subtree only; not a rep, not oneself.
    row("dashboard.team", "GET", "/org/teams/{p[manager].id}",
        expect=(302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.team", "GET", "/org/teams/{p[manager3].id}", variant="far",
        expect=(302, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.team", "GET", "/org/teams/{p[rep].id}", variant="not_a_manager",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.team", "GET", "/org/teams/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # The printable team summary: the director's teams, and a manager's own.
    row("dashboard.team_summary", "GET", "/org/teams/{p[manager].id}/summary",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.team_summary", "GET", "/org/teams/{p[manager2].id}/summary",
        variant="manager2",
        expect=(302, 404, 404, 404, 404, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.team_summary", "GET", "/org/teams/{missing}/summary", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Impact beside coaching: managers (their team) and directors (their subtree); a quarter
    # still to come or a malformed one is a field's message.
    row("dashboard.impact", "GET", "/org/impact",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("dashboard.impact", "GET", "/org/impact?group_by=account&period=2026-Q1",
        variant="account_quarter",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("dashboard.impact", "GET", "/org/impact?period=9999-Q1", variant="future",
        expect=(302, 404, 404, 404, 422, 422, 422, 422, 404, 422, 404, 422, 422, 404, 422, 404)),
    # A region's impact (add_regions): as its dashboard, within the viewer's subtree and side
    # of the medical/commercial wall only; one's own is /org/impact (a redirect there).
    row("dashboard.region_impact", "GET", "/org/regions/{p[regional_director].id}/impact",
        expect=(302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region_impact", "GET",
        "/org/regions/{p[medical_regional].id}/impact?group_by=account&period=2026-Q1",
        variant="medical",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("dashboard.region_impact", "GET", "/org/regions/{p[director].id}/impact", variant="own",
        expect=(302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region_impact", "GET", "/org/regions/{p[manager].id}/impact",
        variant="not_a_director",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region_impact", "GET", "/org/regions/{missing}/impact", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("dashboard.region_impact", "GET", "/org/regions/{p[regional_director].id}/impact?page=0",
        variant="bad_page",
        expect=(302, 404, 404, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Exports of the viewer's scope: managers and directors.
    row("dashboard.cadence_csv", "GET", "/org/cadence.csv",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    # A region's exports (linked from its page): narrowed to the reps below its director, so
    # never wider than one's own scope (someone else's region finds nobody).
    row("dashboard.cadence_csv", "GET", "/org/cadence.csv?under={p[regional_director].id}",
        variant="region",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("dashboard.notes_csv", "GET", "/org/sessions.csv",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("dashboard.notes_csv", "GET", "/org/sessions.csv?period=180&manager_id={p[manager].id}",
        variant="filtered",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    # Notification settings and devices: one's own only.
    row("nudges.settings", "GET", "/me/notifications",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("nudges.save_settings", "POST", "/me/notifications",
        data={"daily_cap": "5", "push": "note_shared", "quiet_start": "", "quiet_end": ""},
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("nudges.send_test", "POST", "/me/notifications/test",
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("nudges.remove_device", "POST", "/me/notifications/devices/{i[device].id}/remove",
        expect=(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("nudges.remove_device", "POST", "/me/notifications/devices/{missing}/remove",
        variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # The installable app: manifest, service worker and offline page for anyone; the offline
    # note form is a manager's.
    row("pwa.service_worker", "GET", "/sw.js", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("pwa.manifest", "GET", "/manifest.webmanifest", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("pwa.favicon", "GET", "/favicon.ico", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("pwa.offline", "GET", "/offline", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Who is signed in (an opaque key, or null), for the service worker.
    row("pwa.whoami", "GET", "/whoami", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Static files (CSS, JS, icons) are public; the pages that use them are not.
    row("static", "GET", "/static/css/app.css", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("pwa.offline_note", "GET", "/notes/offline",
        expect=(302, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    row("inbox.follow", "GET", "/inbox/{n[rep].id}",
        expect=(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("inbox.follow", "GET", "/inbox/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("inbox.index", "GET", "/inbox",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Opening a notification: one's own only; anyone else's is missing.
    row("inbox.open_notification", "POST", "/inbox/{n[rep].id}/open", variant="of_rep",
        expect=(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("inbox.open_notification", "POST", "/inbox/{n[manager].id}/open", variant="of_manager",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("inbox.open_notification", "POST", "/inbox/{missing}/open", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # "Mark all read": one's own inbox.
    row("inbox.mark_all_read", "POST", "/inbox/read-all",
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    row("me.index", "GET", "/me",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("me.profile", "POST", "/me/profile",
        data={"name": "{me.name}", "timezone": "America/Chicago"},
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    # An empty form: allowed to try (422), without paying for two argon2 hashes per actor.
    row("me.password", "POST", "/me/password", data={},
        expect=(302, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    # The page with only the password form (where someone whose password an admin chose is
    # sent first); anyone signed in may open it.
    row("me.password", "GET", "/me/password",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # A calendar address of one's own (shown once on the answer), and turning it off.
    row("me.start_calendar_feed", "POST", "/me/calendar-feed",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("me.stop_calendar_feed", "POST", "/me/calendar-feed/stop",
        expect=(302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    # Everything Coachapp holds about oneself (coachapp.privacy): a page, a JSON download and a
    # printable page, for everyone signed in; tests/privacy has what is in it.
    row("privacy.my_export", "GET", "/me/export",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("privacy.my_export_json", "GET", "/me/export.json",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("privacy.my_export_print", "GET", "/me/export/print",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # A rep's coaching history for a transfer: their manager and the directors above, on the
    # same side of the medical/commercial wall; audited, so taken with a POST.
    row("privacy.coaching_history", "GET", "/people/{p[rep].id}/coaching-history",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.coaching_history", "GET", "/people/{p[msl].id}/coaching-history",
        variant="msl",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404)),
    row("privacy.coaching_history", "GET", "/people/{missing}/coaching-history",
        variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.coaching_history_download", "POST", "/people/{p[rep].id}/coaching-history",
        data={"format": "json"},
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.coaching_history_download", "POST", "/people/{p[msl].id}/coaching-history",
        variant="msl", data={"format": "print"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404)),
    # Read by calendar apps with the address's secret alone; one that is not: not found
    # (tests/calendar_feed).
    row("calendar_feed.feed", "GET", "/calendar/not-a-feed.ics", public=True,
        expect=(404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Account plans. plans[rep]: owned by rep, rep2 on its team; manager and director read it.
    # Writes on a plan one may read but not change answer 403 (its existence is no secret);
    # on a plan outside one's scope, 404.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("plans.index", "GET", "/plans",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.export_csv", "GET", "/plans.csv",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.team_qbr", "GET", "/plans/qbr",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The QBR of one team: a manager's own, a director's subtree (not across the medical wall).
    row("plans.team_qbr", "GET", "/plans/qbr?manager_id={p[manager].id}", variant="team",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.team_qbr", "GET", "/plans/qbr?manager_id={p[msl_manager].id}", variant="msl_team",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404)),
    row("plans.new", "GET", "/plans/new",
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    # The accounts the new plan's form offers, found as one types: to whoever writes plans.
    row("plans.account_choices", "GET", "/plans/new/accounts?account=a", fragment=True,
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    row("plans.new", "POST", "/plans/new", data={},
        expect=(302, 422, 422, 422, 404, 404, 404, 404, 404, 404, 422, 404, 404, 422, 404, 422)),
    row("plans.show", "GET", "/plans/{plans[rep].id}", variant="of_rep",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.show", "GET", "/plans/{plans[other_rep_with_rep].id}", variant="rep_on_team",
        expect=(302, 200, 404, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.show", "GET", "/plans/{plans[far].id}", variant="far",
        expect=(302, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.show", "GET", "/plans/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.completeness", "GET", "/plans/{plans[rep].id}/completeness", fragment=True,
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.history", "GET", "/plans/{plans[rep].id}/history",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.qbr", "GET", "/plans/{plans[rep].id}/qbr",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("plans.save_fields", "POST", "/plans/{plans[rep].id}/fields",
        data={"strategic_priorities": "Win the formulary vote."},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.save_fields", "POST", "/plans/{missing}/fields", variant="missing",
        data={"strategic_priorities": "Win the formulary vote."},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.save_goal", "POST", "/plans/{plans[rep].id}/goals/{i[goal].id}",
        data={"title": "Win the P&T vote by March"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # An item of another plan, reached through one's own plan: missing.
    row("plans.save_goal", "POST", "/plans/{plans[rep].id}/goals/{i[other_goal].id}",
        variant="goal_of_another_plan", data={"title": "Hijacked"},
        expect=(302, 404, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # A teammate updates the status and date of an action they own.
    row("plans.save_action", "POST", "/plans/{plans[rep].id}/actions/{i[action].id}",
        data={"status": "open"},
        expect=(302, 302, 302, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.save_action", "POST", "/plans/{plans[rep].id}/actions/{i[action].id}",
        variant="title", data={"title": "Renamed by someone"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.save_stakeholder", "POST", "/plans/{plans[rep].id}/stakeholders/{i[stakeholder].id}",
        data={"title": "Chair of P&T"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.add_goal", "POST", "/plans/{plans[rep].id}/goals",
        data={"title": "Add a second IDN"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.add_action", "POST", "/plans/{plans[rep].id}/actions",
        data={"title": "Call the chair", "owner_id": "{p[rep].id}"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.add_stakeholder", "POST", "/plans/{plans[rep].id}/stakeholders",
        data={"name": "Dr. Lee"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # The colleagues the team form offers, found as one types: only to whoever edits the team.
    row("plans.team_choices", "GET", "/plans/{plans[rep].id}/team/choices?colleague=a",
        fragment=True,
        expect=(302, 200, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.add_team_member", "POST", "/plans/{plans[rep].id}/team",
        data={"user_id": "{p[other_rep].id}"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # The whole account team (rep2, the MSL of the medical line) and the owner's manager
    # comment; the director and the MSL's manager read.
    row("plans.add_comment", "POST", "/plans/{plans[rep].id}/comments",
        data={"body": "Bring the MSL to the March meeting."},
        expect=(302, 302, 302, 404, 302, 404, 403, 404, 404, 403, 302, 403, 403, 302, 403, 302)),
    # Insights per profiling area: the account team of any line adds them.
    row("plans.add_insight", "POST", "/plans/{plans[rep].id}/insights",
        data={"area": "clinical", "text": "P&T meets monthly; oncology pharmacy leads."},
        expect=(302, 302, 302, 404, 403, 404, 403, 404, 404, 403, 302, 403, 403, 302, 403, 302)),
    # i[insight]: rep2's, waiting for the owner. Only the owner decides (its author may read it,
    # not decide: 403); to everyone else it is not there yet.
    row("plans.decide_insight", "POST",
        "/plans/{plans[rep].id}/insights/{i[insight].id}/approval", data={"decision": "approve"},
        expect=(302, 302, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("plans.decide_insight", "POST",
        "/plans/{plans[rep].id}/insights/{missing}/approval", variant="missing",
        data={"decision": "approve"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Whether teammates' insights wait for approval is the owner's to choose.
    row("plans.set_insight_approval", "POST", "/plans/{plans[rep].id}/insight-approval",
        data={"insights_need_approval": "true"},
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # Actuals: the owner and the account team of any line record them; readers may not.
    row("plans.record_actual", "POST", "/plans/{plans[rep].id}/goals/{i[goal].id}/actuals",
        data={"date": "2026-02-01", "value": "5"},
        expect=(302, 302, 302, 404, 403, 404, 403, 404, 404, 403, 302, 403, 403, 302, 403, 302)),
    row("plans.record_actual", "POST", "/plans/{plans[rep].id}/goals/{i[other_goal].id}/actuals",
        variant="goal_of_another_plan", data={"date": "2026-02-01", "value": "5"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Importing actuals: a page for whoever may be on an account team (reps of any function);
    # rows name only plans the importer records on (other_rep: "no plan" on its line, 422).
    row("plans.actuals_import_page", "GET", "/plans/actuals/import",
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    row("plans.preview_actuals_import", "POST", "/plans/actuals/import/preview",
        data={"csv_text": "plan,goal,date,value\n{plans[rep].id},{i[goal].id},2026-02-01,5\n"},
        expect=(302, 200, 200, 422, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    # A fingerprint that is not the preview's: nothing is recorded (409).
    row("plans.apply_actuals_import", "POST", "/plans/actuals/import/apply",
        data={"csv_text": "plan,goal,date,value\n{plans[rep].id},{i[goal].id},2026-02-01,5\n",
              "fingerprint": "stale"},
        expect=(302, 409, 409, 422, 404, 404, 404, 404, 404, 404, 409, 404, 404, 409, 404, 409)),
    row("plans.delete_goal", "POST", "/plans/{plans[rep].id}/goals/{i[goal].id}/delete",
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.delete_action", "POST", "/plans/{plans[rep].id}/actions/{i[action].id}/delete",
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.delete_stakeholder", "POST",
        "/plans/{plans[rep].id}/stakeholders/{i[stakeholder].id}/delete",
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("plans.remove_team_member", "POST", "/plans/{plans[rep].id}/team/{p[rep2].id}/delete",
        expect=(302, 302, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # The account-team view: an account's team is seen by whoever sees one of its live plans
    # (its members and each member's line), across lines; anyone else finds it missing.
    row("accounts.team", "GET", "/accounts/{plans[rep].account_id}/team", variant="of_rep",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("accounts.team", "GET", "/accounts/{plans[other_rep_with_rep].account_id}/team",
        variant="rep_on_team",
        expect=(302, 200, 404, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("accounts.team", "GET", "/accounts/{plans[far].account_id}/team", variant="far",
        expect=(302, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("accounts.team", "GET", "/accounts/{missing}/team", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Coaching notes: the rep's manager writes; the rep reads once shared and acknowledges.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("coaching.start", "POST", "/people/{p[rep].id}/coaching", data={},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.edit", "GET", "/notes/{s[draft].id}/edit",
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.edit", "GET", "/notes/{s[acknowledged].id}/edit", variant="acknowledged",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.edit", "POST", "/notes/{s[draft].id}/edit", data={},
        expect=(302, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.share", "POST", "/notes/{s[draft].id}/share", data={},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.add_follow_up", "POST", "/notes/{s[draft].id}/follow-ups",
        data={"title": "Book the MSL", "due_in": "7"},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.remove_follow_up", "POST",
        "/notes/{s[draft].id}/follow-ups/{f[rep_draft].id}/delete",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.discard", "POST", "/notes/{s[draft].id}/discard",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.discard", "POST", "/notes/{s[shared].id}/discard", variant="shared",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.show", "GET", "/notes/{s[shared].id}",
        expect=(302, 200, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.show", "GET", "/notes/{s[draft].id}", variant="draft",
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.show", "GET", "/notes/{s[other_team].id}", variant="other_team",
        expect=(302, 404, 404, 200, 404, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # A medical note: its MSL and their manager; no commercial director, manager or rep.
    row("coaching.show", "GET", "/notes/{s[msl].id}", variant="msl",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 200, 404, 404, 404, 404)),
    row("coaching.show", "GET", "/notes/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.acknowledge", "POST", "/notes/{s[shared].id}/acknowledge",
        data={"comment": "Thanks"},
        expect=(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Blind self-rating on a note: rating nothing is refused on the page (the rep may skip).
    row("coaching.self_assessment", "POST", "/notes/{s[shared].id}/self-assessment", data={},
        expect=(302, 422, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.skip_self_rating", "POST", "/notes/{s[shared].id}/skip-self-rating",
        expect=(302, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Coach the coach: the director above a manager writes; that manager reads once shared.
    row("coach_notes.index", "GET", "/coach-the-coach",
        expect=(302, 404, 404, 404, 200, 200, 200, 200, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("coach_notes.new", "GET", "/coach-the-coach/new?manager_id={p[manager].id}",
        expect=(302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 200, 404, 404, 404, 404)),
    row("coach_notes.create", "POST", "/coach-the-coach",
        data={"manager_id": "{p[manager].id}", "situation": "Team meeting, 2 March.",
              "action": "You let the reps set the agenda.", "result": "Two asked for help."},
        expect=(302, 404, 404, 404, 404, 404, 302, 422, 404, 404, 404, 422, 404, 404, 404, 404)),
    row("coach_notes.show", "GET", "/coach-the-coach/{c[shared].id}",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coach_notes.show", "GET", "/coach-the-coach/{c[draft].id}", variant="draft",
        expect=(302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coach_notes.show", "GET", "/coach-the-coach/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coach_notes.update", "POST", "/coach-the-coach/{c[shared].id}",
        data={"situation": "Team meeting, 2 March.", "action": "You let the reps lead.",
              "result": "Two asked for help.", "version": "{c[shared].version}"},
        expect=(302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coach_notes.share", "POST", "/coach-the-coach/{c[draft].id}/share",
        expect=(302, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coach_notes.acknowledge", "POST", "/coach-the-coach/{c[shared].id}/acknowledge",
        data={"comment": "Thanks"},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Observations across lines (i[observation]: by msl_manager, about rep on plans[rep]'s
    # account, routed to manager; i[attached_observation]: the same, on s[shared]). Written
    # by managers and directors whose line shares the account; read by the author, the line
    # manager it went to, and the rep only on a note shared with them. Never admins.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("observations.index", "GET", "/observations",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("observations.index", "GET", "/observations?subject_id={p[rep].id}", variant="subject",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("observations.show", "GET", "/observations/{i[observation].id}",
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404)),
    row("observations.show", "GET", "/observations/{i[attached_observation].id}",
        variant="on_shared_note",
        expect=(302, 200, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404)),
    row("observations.show", "GET", "/observations/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("observations.new", "GET", "/accounts/{plans[rep].account_id}/observations/new",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("observations.new", "GET",
        "/accounts/{plans[rep].account_id}/observations/new?subject_id={p[rep2].id}",
        variant="same_line",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("observations.new", "GET",
        "/accounts/{plans[rep].account_id}/observations/new?subject_id={p[msl].id}",
        variant="across_the_wall",
        expect=(302, 404, 404, 404, 200, 404, 200, 404, 404, 200, 404, 200, 200, 404, 200, 404)),
    row("observations.new", "GET",
        "/accounts/{plans[rep].account_id}/observations/new?subject_id={p[far_rep].id}",
        variant="not_on_the_team",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("observations.new", "GET", "/accounts/{missing}/observations/new", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("observations.create", "POST", "/accounts/{plans[rep].account_id}/observations",
        data={},
        expect=(302, 404, 404, 404, 422, 404, 422, 404, 404, 422, 404, 422, 422, 404, 422, 404)),
    # Not one of the 3C's: refused across the medical/commercial wall (msl_manager, 422).
    row("observations.create", "POST", "/accounts/{plans[rep].account_id}/observations",
        variant="same_line",
        data={"subject_id": "{p[rep2].id}", "competency_id": "{i[competency]}",
              "text": "Walked the pharmacy director through the dosing summary."},
        expect=(302, 404, 404, 404, 302, 404, 302, 404, 404, 422, 404, 422, 302, 404, 302, 404)),
    row("observations.attach", "POST",
        "/notes/{s[draft].id}/observations/{i[observation].id}/attach",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("observations.detach", "POST",
        "/notes/{s[draft].id}/observations/{i[observation].id}/detach",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # A rep rates themself before their next note (no ratings: nothing to keep, so it clears).
    row("coaching.rate_yourself", "GET", "/self-assessment",
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    row("coaching.rate_yourself", "POST", "/self-assessment",
        data={"guide_version_id": "{s[shared].guide_version_id}"},
        expect=(302, 302, 302, 302, 404, 404, 404, 404, 404, 404, 302, 404, 404, 302, 404, 302)),
    row("coaching.rate_yourself", "POST", "/self-assessment", variant="off_scale",
        data={"guide_version_id": "{s[shared].guide_version_id}", "self-1": "7"},
        expect=(302, 422, 422, 422, 404, 404, 404, 404, 404, 404, 422, 404, 404, 422, 404, 422)),
    row("coaching.set_focus", "POST", "/people/{p[rep].id}/focus",
        data={"competency_key": "shares_plan"},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.end_focus", "POST", "/focus/{missing}/end",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.plan", "POST", "/people/{p[rep].id}/ride-alongs",
        data={"day": "2099-01-01"},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.calendar_file", "GET", "/ride-alongs/{missing}.ics",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.cancel", "POST", "/ride-alongs/{missing}/cancel",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # The ride-along day's page (i[ride]: manager with rep): the rep prepares and closes the last
    # agreements (the manager may read, not change: 403); the manager captures calls and writes
    # the note; the calls are theirs alone (the rep gets 404, also for the htmx list of calls).
    row("ride_alongs.day", "GET", "/ride-alongs/{i[ride].id}",
        expect=(302, 200, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.day", "GET", "/ride-alongs/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.day", "GET", "/ride-alongs/{i[ride].id}",
        variant="htmx_calls", fragment=True, headers={"HX-Request": "true"},
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.prepare", "POST", "/ride-alongs/{i[ride].id}/preparation",
        data={"help_request": "The budget objection", "other-name-0": "Lakeside Clinic",
              "other-objective-0": "Meet the nurse manager"},
        expect=(302, 302, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.agreement_done", "POST",
        "/ride-alongs/{i[ride].id}/agreements/{i[agreement].id}/done",
        data={"evidence": "Sent on Monday"},
        expect=(302, 302, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.capture_call", "POST", "/ride-alongs/{i[ride].id}/calls",
        data={"stop": "", "account_name": "Lakeside Clinic", "evidence": "Asked first"},
        expect=(302, 403, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.remove_call", "POST", "/ride-alongs/{i[ride].id}/calls/{i[call].id}/delete",
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("ride_alongs.write_note", "POST", "/ride-alongs/{i[ride].id}/note",
        expect=(302, 403, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.addendum", "POST", "/notes/{s[acknowledged].id}/addendum",
        data={"text": "One more thing"},
        expect=(302, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.index", "GET", "/notes",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("coaching.follow_ups", "GET", "/follow-ups",
        expect=(302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # One follow-up, where a nudge about it leads: seen by whoever sees the follow-up.
    row("coaching.follow_up", "GET", "/follow-ups/{f[rep_shared].id}",
        expect=(302, 200, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.follow_up", "GET", "/follow-ups/{f[rep_draft].id}", variant="on_draft",
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # An agreement of an account-team review (i[review]: manager's, of rep's account, owned by
    # rep2): its owner, who took part, their line managers and (as a plan action's) the line
    # above read it; not those outside the review.
    row("coaching.follow_up", "GET", "/follow-ups/{i[review_agreement].id}",
        variant="review_agreement",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 404, 200, 200, 200, 200)),
    row("coaching.follow_up", "GET", "/follow-ups/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("coaching.update_follow_up", "POST", "/follow-ups/{f[rep_shared].id}",
        data={"action": "done"},
        expect=(302, 302, 404, 404, 302, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Administration.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("admin.guides", "GET", "/admin/guides",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.guide", "GET", "/admin/guides/{g[main]}",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.start_guide_draft", "POST", "/admin/guides/{g[main]}/draft",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.guide_targets", "POST",
        "/admin/guides/{g[main]}/targets", data={},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.publish_guide", "POST", "/admin/guides/{g[main]}/publish",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.save_competency", "POST", "/admin/guides/competencies/{missing}", data={},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.add_competency", "POST", "/admin/guides/sections/{missing}/competencies",
        data={"name": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.remove_competency", "POST", "/admin/guides/competencies/{missing}/delete",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # A published version's text in another language (tests/admin/test_guide_translations.py
    # covers a version that exists, a draft and a language not offered).
    row("admin.guide_translation", "GET",
        "/admin/guides/versions/{s[shared].guide_version_id}/translation/es",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.guide_translation", "GET", "/admin/guides/versions/{missing}/translation/es",
        variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.guide_translation", "POST", "/admin/guides/versions/{missing}/translation/es",
        data={"name": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Learning journeys: authored by the admin; a rep's own steps, read by their manager and
    # director (tests/journeys/test_scope.py covers the objects themselves).
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("journeys.admin_index", "GET", "/admin/journeys",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.create", "POST", "/admin/journeys", data={"name": "", "competency_key": ""},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.admin_journey", "GET", "/admin/journeys/{missing}",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.start_draft", "POST", "/admin/journeys/{missing}/draft",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.add_step", "POST", "/admin/journeys/{missing}/steps", data={"kind": "tip"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.save_step", "POST", "/admin/journeys/steps/{missing}", data={"kind": "tip"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.remove_step", "POST", "/admin/journeys/steps/{missing}/delete",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.move_step", "POST", "/admin/journeys/steps/{missing}/move",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.publish", "POST", "/admin/journeys/{missing}/publish",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.translation", "GET", "/admin/journeys/versions/{missing}/translation/es",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.translation", "POST", "/admin/journeys/versions/{missing}/translation/es",
        data={"name": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.index", "GET", "/journeys",
        expect=(302, 200, 200, 200, 404, 404, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200)),
    row("journeys.step", "GET", "/journeys/steps/{missing}",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.submit", "POST", "/journeys/steps/{missing}/submission",
        data={"account_id": "1", "text": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("journeys.review", "POST", "/journeys/submissions/{missing}/review",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Sections change in a draft only: the World's guide has none, so adding one is refused
    # (flashed, 302) even for the admin.
    row("admin.add_section", "POST", "/admin/guides/{g[main]}/sections", data={"title": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.add_section", "POST", "/admin/guides/{missing}/sections", variant="missing",
        data={"title": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.rename_section", "POST", "/admin/guides/sections/{missing}", data={"title": "x"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.move_section", "POST", "/admin/guides/sections/{missing}/move",
        data={"direction": "up"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.remove_section", "POST", "/admin/guides/sections/{missing}/delete",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.users", "GET", "/admin/users",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.new_user", "GET", "/admin/users/new",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.new_user", "POST", "/admin/users/new", data={},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.edit_user", "GET", "/admin/users/{p[rep].id}",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.edit_user", "GET", "/admin/users/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.edit_user", "POST", "/admin/users/{p[rep].id}", data=EDIT_REP_FORM,
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.set_active", "POST", "/admin/users/{p[rep].id}/active", data={"active": "1"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.profiling", "GET", "/admin/profiling",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.profiling", "POST", "/admin/profiling",
        data={"area": "business", "title": "Business", "questions": "Who decides?"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    # Importing the organisation from CSV: the preview of a valid file answers 200; applying
    # without the preview's fingerprint finds it stale (409, nothing changed).
    row("admin.org_import_page", "GET", "/admin/import",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.preview_org_import", "POST", "/admin/import/preview", data={"csv_text": IMPORT_CSV},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.apply_org_import", "POST", "/admin/import/apply", data={"csv_text": IMPORT_CSV},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 409, 404, 404, 404, 404, 404, 404, 404)),
    # Importing accounts from a CRM export: the same shape as the organisation's import.
    row("admin.account_import_page", "GET", "/admin/import/accounts",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.preview_account_import", "POST", "/admin/import/accounts/preview",
        data={"csv_text": ACCOUNTS_CSV},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.apply_account_import", "POST", "/admin/import/accounts/apply",
        data={"csv_text": ACCOUNTS_CSV},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 409, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.preview_territory_alignment", "POST", "/admin/import/territories/preview",
        data={"alignment_text": "email,territory\n{p[rep].email},\n"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.apply_territory_alignment", "POST", "/admin/import/territories/apply",
        data={"alignment_text": "email,territory\n{p[rep].email},\n"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 409, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.set_password", "POST", "/admin/users/{p[rep].id}/password",
        data={"password": "a first password"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    # Invitations: admins only; without SMTP_URL (as here) refused with a message on the page.
    row("admin.send_invitation", "POST", "/admin/users/{p[rep].id}/invitation",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.send_invitations", "POST", "/admin/import/invitations",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    # Resetting a password: a temporary one made up and shown once (200), or typed and refused
    # by the policy (422, kept in the form); never one's own (403: under Me instead).
    row("admin.reset_password", "POST", "/admin/users/{p[rep].id}/reset-password", data={},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.reset_password", "POST", "/admin/users/{p[rep].id}/reset-password",
        variant="weak", data={"temporary_password": "short"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.reset_password", "POST", "/admin/users/{me.id}/reset-password", variant="own",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.reset_password", "POST", "/admin/users/{missing}/reset-password",
        variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Approving or declining a change that waits for a second admin: admins only; one that
    # does not exist (or was decided) is missing. tests/security/test_admin_limits.py has the
    # stories.
    row("admin.approve_change", "POST", "/admin/changes/{missing}/approve", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.decline_change", "POST", "/admin/changes/{missing}/decline", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.cadence_targets_page", "GET", "/admin/cadence-targets",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.save_cadence_target", "POST", "/admin/cadence-targets",
        data={"form": "{p[manager].id}", "any_coaching_days": "10", "ride_along_days": "20"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.remove_cadence_target", "POST", "/admin/cadence-targets/{p[manager].id}/delete",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("admin.worker_page", "GET", "/admin/worker",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    # The organisation's retention: the setting and what the next run removes, admins only.
    row("privacy.retention_page", "GET", "/admin/retention",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.save_retention", "POST", "/admin/retention",
        data={"leaver_content_days": "730", "draft_days": "90"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.save_retention", "POST", "/admin/retention", variant="bad",
        data={"leaver_content_days": "two years"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 422, 404, 404, 404, 404, 404, 404, 404)),
    # An admin exports anyone's data on their request (audited, so with a POST).
    row("privacy.admin_export", "GET", "/admin/users/{p[rep].id}/export",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.admin_export", "GET", "/admin/users/{missing}/export", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.admin_export_download", "POST", "/admin/users/{p[msl].id}/export",
        data={"format": "json"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404)),
    row("privacy.admin_export_download", "POST", "/admin/users/{missing}/export",
        variant="missing", data={"format": "print"},
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # The JSON API: signed-in actors send a bearer token; anonymous calls answer 401.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api-docs.openapi_json", "GET", "/api/v1/openapi.json", public=True,
        expect=(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_tokens.Tokens", "POST", "/api/v1/tokens",
        public=True, data={"email": "{me.email}", "password": "{password}"},
        expect=(401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201)),
    row("api_tokens.Tokens", "DELETE", "/api/v1/tokens",
        expect=(401, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204, 204)),
    row("api_people.me", "GET", "/api/v1/me",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_privacy.my_export", "GET", "/api/v1/me/export",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_people.reps", "GET", "/api/v1/reps",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Cadence over JSON: every caller gets their scope (an admin's is empty).
    row("api_cadence.cadence", "GET", "/api/v1/cadence",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_cadence.cadence", "GET", "/api/v1/cadence?window_days=0", variant="bad_window",
        expect=(401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    row("api_cadence.cadence_teams", "GET", "/api/v1/cadence/teams",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_cadence.cadence_quality", "GET", "/api/v1/cadence/quality",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Account plans over JSON: the same scope as the pages; writes need If-Match (428 without).
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api_plans.Plans", "GET", "/api/v1/account-plans",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_plans.Plans", "POST", "/api/v1/account-plans",
        data={"account_name": "Lakeside Health", "period": "2027-H1"},
        expect=(401, 201, 201, 201, 403, 403, 403, 403, 403, 403, 201, 403, 403, 201, 403, 201)),
    row("api_plans.PlanResource", "GET", "/api/v1/account-plans/{plans[rep].id}",
        expect=(401, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("api_plans.PlanResource", "GET", "/api/v1/account-plans/{plans[far].id}", variant="far",
        expect=(401, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_plans.PlanResource", "PATCH", "/api/v1/account-plans/{plans[rep].id}",
        data={"strategic_priorities": "Win the formulary vote."}, headers=IF_MATCH_PLAN,
        expect=(401, 200, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.PlanResource", "PATCH", "/api/v1/account-plans/{plans[rep].id}",
        variant="no_if_match", data={"strategic_priorities": "Win the formulary vote."},
        expect=(401, 428, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.plans_of_rep", "GET", "/api/v1/reps/{p[rep].id}/account-plans",
        expect=(401, 200, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_plans.plans_of_rep", "GET", "/api/v1/reps/{p[far_rep].id}/account-plans",
        variant="far_rep",
        expect=(401, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_plans.goals_collection", "POST", "/api/v1/account-plans/{plans[rep].id}/goals",
        data={"title": "Add a second IDN"},
        expect=(401, 201, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.goals_item", "PATCH",
        "/api/v1/account-plans/{plans[rep].id}/goals/{i[goal].id}",
        data={"title": "Win the P&T vote by March"}, headers=IF_MATCH_ITEM,
        expect=(401, 200, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.goals_item", "PATCH",
        "/api/v1/account-plans/{plans[rep].id}/goals/{i[other_goal].id}",
        variant="goal_of_another_plan", data={"title": "Hijacked"}, headers=IF_MATCH_ITEM,
        expect=(401, 404, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.goals_item", "DELETE",
        "/api/v1/account-plans/{plans[rep].id}/goals/{i[goal].id}",
        expect=(401, 204, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.action-items_collection", "POST",
        "/api/v1/account-plans/{plans[rep].id}/action-items",
        data={"title": "Call the chair", "owner_id": "{p[rep].id}"},
        expect=(401, 201, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # The teammate who owns an action updates its status.
    row("api_plans.action-items_item", "PATCH",
        "/api/v1/account-plans/{plans[rep].id}/action-items/{i[action].id}",
        data={"status": "open"}, headers=IF_MATCH_ITEM,
        expect=(401, 200, 200, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.action-items_item", "DELETE",
        "/api/v1/account-plans/{plans[rep].id}/action-items/{i[action].id}",
        expect=(401, 204, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.stakeholders_collection", "POST",
        "/api/v1/account-plans/{plans[rep].id}/stakeholders",
        data={"name": "Dr. Lee"},
        expect=(401, 201, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.stakeholders_item", "PATCH",
        "/api/v1/account-plans/{plans[rep].id}/stakeholders/{i[stakeholder].id}",
        data={"title": "Chair of P&T"}, headers=IF_MATCH_ITEM,
        expect=(401, 200, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.stakeholders_item", "DELETE",
        "/api/v1/account-plans/{plans[rep].id}/stakeholders/{i[stakeholder].id}",
        expect=(401, 204, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.Team", "POST", "/api/v1/account-plans/{plans[rep].id}/team",
        data={"user_id": "{p[other_rep].id}"},
        expect=(401, 201, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.TeamMember", "DELETE",
        "/api/v1/account-plans/{plans[rep].id}/team/{p[rep2].id}",
        expect=(401, 204, 403, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # Insights and comments: whoever sees the plan reads; the account team of any line adds.
    row("api_plans.Insights", "GET", "/api/v1/account-plans/{plans[rep].id}/insights",
        expect=(401, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("api_plans.Insights", "POST", "/api/v1/account-plans/{plans[rep].id}/insights",
        data={"area": "reimbursement", "text": "Prior authorisation is centralised."},
        expect=(401, 201, 201, 404, 403, 404, 403, 404, 404, 403, 201, 403, 403, 201, 403, 201)),
    row("api_plans.Insights", "POST", "/api/v1/account-plans/{plans[far].id}/insights",
        variant="far", data={"area": "business", "text": "Budget cycle starts in July."},
        expect=(401, 404, 404, 404, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_plans.insight_approval", "POST",
        "/api/v1/account-plans/{plans[rep].id}/insights/{i[insight].id}/approval",
        data={"decision": "approve"},
        expect=(401, 200, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_plans.Comments", "GET", "/api/v1/account-plans/{plans[rep].id}/comments",
        expect=(401, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("api_plans.Comments", "POST", "/api/v1/account-plans/{plans[rep].id}/comments",
        data={"body": "The MSL joins the March meeting."},
        expect=(401, 201, 201, 404, 201, 404, 403, 404, 404, 403, 201, 403, 403, 201, 403, 201)),
    # Goal actuals: whoever sees the plan reads them; the owner and the account team of any
    # line record them; whoever recorded one (rep2) and the owner correct or remove it.
    row("api_plans.GoalActuals", "GET", "/api/v1/goals/{i[goal].id}/actuals",
        expect=(401, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("api_plans.GoalActuals", "POST", "/api/v1/goals/{i[goal].id}/actuals",
        data={"date": "2026-02-01", "value": 3},
        expect=(401, 201, 201, 404, 403, 404, 403, 404, 404, 403, 201, 403, 403, 201, 403, 201)),
    row("api_plans.GoalActualResource", "PATCH",
        "/api/v1/goals/{i[goal].id}/actuals/{i[actual].id}",
        data={"value": 4}, headers=IF_MATCH_ITEM,
        expect=(401, 200, 200, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    row("api_plans.GoalActualResource", "DELETE",
        "/api/v1/goals/{i[goal].id}/actuals/{i[actual].id}", headers=IF_MATCH_ITEM,
        expect=(401, 204, 204, 404, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403, 403, 403)),
    # Impact: everyone signed in reads the figures of the plans and coaching in their scope
    # (an admin's list is empty).
    row("api_impact.impact_groups", "GET", "/api/v1/impact?group_by=region",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_impact.impact_groups", "GET", "/api/v1/impact?group_by=account&period=2026-Q1",
        variant="quarter",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The account-team view over JSON: the same scope as the page.
    row("api_accounts.account_team", "GET", "/api/v1/accounts/{plans[rep].account_id}/team",
        expect=(401, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("api_accounts.account_team", "GET",
        "/api/v1/accounts/{plans[other_rep_with_rep].account_id}/team", variant="rep_on_team",
        expect=(401, 200, 404, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_accounts.account_team", "GET", "/api/v1/accounts/{plans[far].account_id}/team",
        variant="far",
        expect=(401, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_accounts.account_team", "GET", "/api/v1/accounts/{missing}/team", variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Push subscriptions and the inbox over JSON: the caller's own.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api_notifications.push_key", "GET", "/api/v1/push-subscriptions/key",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_notifications.list_subscriptions", "GET", "/api/v1/push-subscriptions",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_notifications.subscribe", "POST", "/api/v1/push-subscriptions", data=NEW_DEVICE,
        expect=(401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201)),
    row("api_notifications.unsubscribe", "DELETE", "/api/v1/push-subscriptions",
        data={"endpoint": REP_DEVICE_ENDPOINT},
        expect=(401, 204, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_notifications.notifications", "GET", "/api/v1/notifications",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_notifications.mark_read", "POST", "/api/v1/notifications/{n[rep].id}/read",
        expect=(401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_notifications.mark_read", "POST", "/api/v1/notifications/{missing}/read",
        variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_notifications.mark_all_read", "POST", "/api/v1/notifications/read-all",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Coaching over JSON: guides for everyone; sessions as on the pages (drafts and private
    # notes are the author's; shared notes reach the rep and the director; the rest is 404).
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api_coaching.guides", "GET", "/api/v1/guides",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_coaching.guide_version", "GET", "/api/v1/guides/{s[shared].guide_version_id}",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_coaching.guide_version", "GET", "/api/v1/guides/{missing}", variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.Sessions", "GET", "/api/v1/coaching-sessions",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Only a rep's own manager logs coaching for them.
    row("api_coaching.Sessions", "POST", "/api/v1/coaching-sessions",
        data={"rep_id": "{p[rep].id}"},
        expect=(401, 403, 403, 403, 201, 404, 403, 403, 403, 404, 403, 403, 404, 403, 404, 403)),
    row("api_coaching.SessionResource", "GET", "/api/v1/coaching-sessions/{s[shared].id}",
        expect=(401, 200, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "GET", "/api/v1/coaching-sessions/{s[msl].id}",
        variant="msl",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 200, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "GET", "/api/v1/coaching-sessions/{s[draft].id}",
        variant="draft",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "GET", "/api/v1/coaching-sessions/{s[far].id}",
        variant="far",
        expect=(401, 404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "GET", "/api/v1/coaching-sessions/{missing}",
        variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "PATCH", "/api/v1/coaching-sessions/{s[shared].id}",
        data={"strengths": "Opened with the plan."},
        headers={"If-Match": '"{s[shared].version}"'},
        expect=(401, 403, 404, 404, 200, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "PATCH", "/api/v1/coaching-sessions/{s[shared].id}",
        variant="no_if_match", data={"strengths": "Opened with the plan."},
        expect=(401, 403, 404, 404, 428, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "PATCH", "/api/v1/coaching-sessions/{s[draft].id}",
        variant="draft", data={"strengths": "Opened with the plan."},
        headers={"If-Match": '"{s[draft].version}"'},
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.SessionResource", "PATCH",
        "/api/v1/coaching-sessions/{s[acknowledged].id}",
        variant="acknowledged", data={"strengths": "Rewritten."},
        headers={"If-Match": '"{s[acknowledged].version}"'},
        expect=(401, 403, 404, 404, 409, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.share", "POST", "/api/v1/coaching-sessions/{s[draft].id}/share",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.share", "POST", "/api/v1/coaching-sessions/{s[shared].id}/share",
        variant="shared",
        expect=(401, 403, 404, 404, 200, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Only the rep the note is about acknowledges it.
    row("api_coaching.acknowledge", "POST",
        "/api/v1/coaching-sessions/{s[shared].id}/acknowledge",
        data={"comment": "Thanks, will do."},
        expect=(401, 200, 404, 404, 403, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.acknowledge", "POST",
        "/api/v1/coaching-sessions/{s[draft].id}/acknowledge",
        variant="draft", data={"comment": "Thanks, will do."},
        expect=(401, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.addendum", "POST",
        "/api/v1/coaching-sessions/{s[acknowledged].id}/addendum",
        data={"text": "Also: bring the MSL next time."},
        expect=(401, 403, 404, 404, 200, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.self_assessment", "PUT",
        "/api/v1/coaching-sessions/{s[shared].id}/self-assessment", data={},
        expect=(401, 200, 404, 404, 403, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Blind self-rating: only the note's rep declines to rate themself.
    row("api_coaching.skip_self_rating", "POST",
        "/api/v1/coaching-sessions/{s[shared].id}/skip-self-rating",
        expect=(401, 200, 404, 404, 403, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.skip_self_rating", "POST",
        "/api/v1/coaching-sessions/{s[draft].id}/skip-self-rating", variant="draft",
        expect=(401, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Coach the coach: the director above a manager writes; that manager reads once shared.
    row("api_coach_notes.CoachNotes", "GET", "/api/v1/coach-the-coach-notes",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_coach_notes.CoachNotes", "POST", "/api/v1/coach-the-coach-notes",
        data={"manager_id": "{p[manager].id}", "situation": "Team meeting, 2 March.",
              "action": "You let the reps set the agenda.", "result": "Two asked for help."},
        expect=(401, 404, 404, 404, 404, 404, 201, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coach_notes.CoachNoteResource", "GET", "/api/v1/coach-the-coach-notes/{c[shared].id}",
        expect=(401, 404, 404, 404, 200, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coach_notes.CoachNoteResource", "GET", "/api/v1/coach-the-coach-notes/{c[draft].id}",
        variant="draft",
        expect=(401, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coach_notes.CoachNoteResource", "PATCH",
        "/api/v1/coach-the-coach-notes/{c[shared].id}",
        data={"result": "Two reps asked for a ride-along."},
        headers={"If-Match": '"{c[shared].version}"'},
        expect=(401, 404, 404, 404, 403, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coach_notes.share", "POST", "/api/v1/coach-the-coach-notes/{c[draft].id}/share",
        expect=(401, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coach_notes.acknowledge", "POST",
        "/api/v1/coach-the-coach-notes/{c[shared].id}/acknowledge",
        data={"comment": "Thanks, I will keep doing that."},
        expect=(401, 404, 404, 404, 200, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Observations across lines over JSON (see the pages' rows above).
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api_observations.Observations", "GET", "/api/v1/observations",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_observations.Observations", "GET", "/api/v1/observations?limit=0",
        variant="bad_limit",
        expect=(401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    row("api_observations.Observations", "POST", "/api/v1/observations",
        data={"subject_id": "{p[rep2].id}", "account_id": "{plans[rep].account_id}",
              "competency_id": "{i[competency]}",
              "text": "Walked the pharmacy director through the dosing summary."},
        expect=(401, 404, 404, 404, 201, 404, 201, 404, 404, 422, 404, 422, 201, 404, 201, 404)),
    row("api_observations.observation", "GET", "/api/v1/observations/{i[observation].id}",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404)),
    row("api_observations.observation", "GET",
        "/api/v1/observations/{i[attached_observation].id}", variant="on_shared_note",
        expect=(401, 200, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404)),
    row("api_observations.observation", "GET", "/api/v1/observations/{missing}",
        variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_observations.Attachment", "PUT",
        "/api/v1/coaching-sessions/{s[draft].id}/observations/{i[observation].id}",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_observations.Attachment", "DELETE",
        "/api/v1/coaching-sessions/{s[draft].id}/observations/{i[observation].id}",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # A rep's self-assessment before the next note: the rep writes it, their manager reads it.
    row("api_coaching.RepSelfAssessment", "GET", "/api/v1/reps/{p[rep].id}/self-assessment",
        expect=(401, 200, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.RepSelfAssessment", "GET", "/api/v1/reps/{missing}/self-assessment",
        variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.RepSelfAssessment", "PUT", "/api/v1/reps/{p[rep].id}/self-assessment",
        data={},
        expect=(401, 200, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.follow_ups", "GET", "/api/v1/follow-ups",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Its owner or the note's author changes a follow-up; others who can see it may not.
    row("api_coaching.update_follow_up", "PATCH", "/api/v1/follow-ups/{f[rep_shared].id}",
        data={"status": "done"},
        expect=(401, 200, 404, 404, 200, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.update_follow_up", "PATCH", "/api/v1/follow-ups/{f[rep_draft].id}",
        variant="draft", data={"status": "done"},
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.update_follow_up", "PATCH", "/api/v1/follow-ups/{f[far].id}",
        variant="far", data={"status": "done"},
        expect=(401, 404, 404, 404, 404, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_coaching.update_follow_up", "PATCH", "/api/v1/follow-ups/{missing}",
        variant="missing", data={"status": "done"},
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # Account-team reviews. i[review]: written by manager with the whole team of rep's account
    # (rep, rep2 and the MSL); seen by them and their line managers (msl_manager across the
    # medical/commercial wall); run by a manager of someone on the team; acknowledged by
    # participants and line managers, not by its author (403).
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("reviews.account_reviews", "GET", "/accounts/{plans[rep].account_id}/reviews",
        expect=(302, 200, 200, 404, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200, 200, 200)),
    row("reviews.account_reviews", "GET", "/accounts/{missing}/reviews", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("reviews.new", "GET", "/accounts/{plans[rep].account_id}/reviews/new",
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    row("reviews.create", "POST", "/accounts/{plans[rep].account_id}/reviews", data={},
        expect=(302, 404, 404, 404, 422, 404, 404, 404, 404, 422, 404, 404, 422, 404, 422, 404)),
    row("reviews.create", "POST", "/accounts/{plans[rep].account_id}/reviews",
        variant="another_agreement_row", data={"more": "1", "agreement_rows": "2"},
        expect=(302, 404, 404, 404, 200, 404, 404, 404, 404, 200, 404, 404, 200, 404, 200, 404)),
    row("reviews.show", "GET", "/reviews/{i[review].id}",
        expect=(302, 200, 200, 404, 200, 404, 404, 404, 404, 200, 200, 404, 200, 200, 200, 200)),
    row("reviews.show", "GET", "/reviews/{missing}", variant="missing",
        expect=(302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("reviews.acknowledge", "POST", "/reviews/{i[review].id}/acknowledgement", data={},
        expect=(302, 302, 302, 404, 403, 404, 404, 404, 404, 302, 302, 404, 302, 302, 302, 302)),
    row("api_reviews.Reviews", "GET", "/api/v1/reviews",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_reviews.Reviews", "GET", "/api/v1/reviews?account_id=x", variant="bad_account",
        expect=(401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    row("api_reviews.Reviews", "POST", "/api/v1/reviews", data=REVIEW_BODY,
        expect=(401, 404, 404, 404, 201, 404, 404, 404, 404, 201, 404, 404, 201, 404, 201, 404)),
    # The account teams' figures: managers' and directors' scope; others get no accounts.
    row("api_reviews.account_teams", "GET", "/api/v1/account-teams?window_days=30",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_reviews.account_teams", "GET", "/api/v1/account-teams?window_days=0",
        variant="bad_window",
        expect=(401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    row("api_reviews.review", "GET", "/api/v1/reviews/{i[review].id}",
        expect=(401, 200, 200, 404, 200, 404, 404, 404, 404, 200, 200, 404, 200, 200, 200, 200)),
    row("api_reviews.review", "GET", "/api/v1/reviews/{missing}", variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_reviews.acknowledge", "POST", "/api/v1/reviews/{i[review].id}/acknowledgement",
        data={"comment": "Read, thanks."},
        expect=(401, 201, 201, 404, 403, 404, 404, 404, 404, 201, 201, 404, 201, 201, 201, 201)),
    # The ride-along day (i[ride]: manager with rep): its manager and its rep, nobody else. The
    # rep prepares it and closes the last agreements; the manager plans, captures calls (their
    # working notes: the rep gets 404) and writes the note.
    # anon rep  rep2 oth  mgr  mgr2 dir  dir2 adm  msl-mgr msl  med-dir acc-mgr acc  nurse-mgr nurse
    row("api_ride_alongs.RideAlongs", "GET", "/api/v1/ride-alongs",
        expect=(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    row("api_ride_alongs.RideAlongs", "GET", "/api/v1/ride-alongs?limit=0", variant="bad_limit",
        expect=(401, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422)),
    row("api_ride_alongs.RideAlongs", "POST", "/api/v1/ride-alongs",
        data={"rep_id": "{p[rep].id}", "day": NEXT_WEEK},
        expect=(401, 403, 403, 403, 201, 404, 403, 403, 403, 404, 403, 403, 404, 403, 404, 403)),
    row("api_ride_alongs.RideAlongResource", "GET", "/api/v1/ride-alongs/{i[ride].id}",
        expect=(401, 200, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.RideAlongResource", "GET", "/api/v1/ride-alongs/{missing}",
        variant="missing",
        expect=(401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.RideAlongResource", "PATCH", "/api/v1/ride-alongs/{i[ride].id}",
        data={"help_request": "The budget objection"}, headers={"If-Match": '"1"'},
        expect=(401, 200, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.RideAlongResource", "PATCH", "/api/v1/ride-alongs/{i[ride].id}",
        variant="no_if_match", data={"help_request": "The budget objection"},
        expect=(401, 428, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.agreement_done", "POST",
        "/api/v1/ride-alongs/{i[ride].id}/agreements/{i[agreement].id}/done",
        data={"evidence": "Sent on Monday"},
        expect=(401, 200, 404, 404, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.Calls", "GET", "/api/v1/ride-alongs/{i[ride].id}/calls",
        expect=(401, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.Calls", "POST", "/api/v1/ride-alongs/{i[ride].id}/calls",
        data={"account_name": "Lakeside Clinic", "evidence": "Asked about the P&T date"},
        expect=(401, 403, 404, 404, 201, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.remove_call", "DELETE",
        "/api/v1/ride-alongs/{i[ride].id}/calls/{i[call].id}",
        expect=(401, 404, 404, 404, 204, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    row("api_ride_alongs.write_note", "POST", "/api/v1/ride-alongs/{i[ride].id}/note",
        expect=(401, 403, 404, 404, 201, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    # SCIM provisioning answers the directory's token alone (tests/scim): no person's
    # cookie or API token opens it, so every actor gets 401.
    row("scim.service_provider_config", "GET", "/scim/v2/ServiceProviderConfig", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.resource_types", "GET", "/scim/v2/ResourceTypes", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.resource_type", "GET", "/scim/v2/ResourceTypes/User", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.schemas", "GET", "/scim/v2/Schemas", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.schema", "GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        public=True, expect=(401,) * len(ACTORS)),
    row("scim.search_everything", "POST", "/scim/v2/.search", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.search_users", "POST", "/scim/v2/Users/.search", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.search_groups", "POST", "/scim/v2/Groups/.search", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.users", "GET", "/scim/v2/Users", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.create_user", "POST", "/scim/v2/Users", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.user", "GET", "/scim/v2/Users/{p[rep].id}", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.replace_user", "PUT", "/scim/v2/Users/{p[rep].id}", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.patch_user", "PATCH", "/scim/v2/Users/{p[rep].id}", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.delete_user", "DELETE", "/scim/v2/Users/{p[rep].id}", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.groups", "GET", "/scim/v2/Groups", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.create_group", "POST", "/scim/v2/Groups", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.group", "GET", "/scim/v2/Groups/g1", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.replace_group", "PUT", "/scim/v2/Groups/g1", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.patch_group", "PATCH", "/scim/v2/Groups/g1", public=True,
        expect=(401,) * len(ACTORS)),
    row("scim.delete_group", "DELETE", "/scim/v2/Groups/g1", public=True,
        expect=(401,) * len(ACTORS)),
)
# fmt: on

GET_ROWS = tuple(r for r in MATRIX if r.method == "GET")
FORM_POST_ROWS = tuple(
    r for r in MATRIX if r.method == "POST" and not r.api and not r.path.startswith("/scim/")
)
API_WRITE_ROWS = tuple(r for r in MATRIX if r.api and not r.safe and not r.public)


def rows_by_key() -> dict[tuple[str, str], list[Row]]:
    found: dict[tuple[str, str], list[Row]] = {}
    for item in MATRIX:
        found.setdefault(item.key, []).append(item)
    return found


def automatic_methods(rule: Rule) -> set[str]:
    """What the framework adds to a rule by itself: HEAD beside GET, OPTIONS answered by Flask.
    A view that declares either itself gets no pass."""
    added = {"HEAD"} if "GET" in (rule.methods or ()) else set()
    if getattr(rule, "provide_automatic_options", False):
        added.add("OPTIONS")
    return added


def routes_of(app: Flask) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, static files and the API included, minus the
    HEAD and OPTIONS the framework answers on its own."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in automatic_methods(rule)
    }


def rules_of(app: Flask) -> set[tuple[str, str]]:
    """Every (URL rule, method): an endpoint given a second URL needs a row for that URL too."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in automatic_methods(rule)
    }


# The world the matrix runs in --------------------------------------------------------------


@dataclass
class Credentials:
    """What an actor's browser and API client carry."""

    cookie: str | None
    csrf_token: str
    bearer: str | None


NOBODY = SimpleNamespace(id=MISSING_ID, email="nobody@example.com", name="Nobody")


@dataclass
class World:
    app: Flask
    connection: Connection
    org: Org
    credentials: dict[str, Credentials]
    items: dict[str, Any]

    def user(self, actor: str) -> Any:
        return NOBODY if actor == ANONYMOUS else self.org.people[actor]

    @contextmanager
    def savepoint(self) -> Iterator[World]:
        """Whatever one test changes is rolled back before the next."""
        nested = self.connection.begin_nested()
        try:
            yield self
        finally:
            if nested.is_active:
                nested.rollback()

    def client(self, actor: str, *, cookie: bool = True) -> HttpsClient:
        client: HttpsClient = self.app.test_client()  # type: ignore[assignment]
        value = self.credentials[actor].cookie
        if cookie and value is not None:
            client.set_cookie(SESSION_COOKIE, value, domain="localhost")
        return client

    def call(
        self,
        item: Row,
        actor: str,
        *,
        csrf: bool = True,
        auth: str = "default",
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> TestResponse:
        """Calls a row as an actor.

        auth: "default" (pages by cookie, API by bearer token), "cookie" (the browser's
        session, also on the API), "bearer" (token only) or "none".
        csrf: send the CSRF token (form field on pages, X-CSRFToken header on cookie API calls).
        headers, data: added to the row's own.
        """
        if auth == "default":
            auth = "bearer" if item.api else "cookie"
        credentials = self.credentials[actor]
        path, row_data, row_headers = item.fill(self.org, self.user(actor), self.items)
        all_headers = {**row_headers, **(headers or {})}
        if data is not None:
            row_data = {**(row_data or {}), **data}
        client = self.client(actor, cookie=auth == "cookie")
        if auth == "bearer" and credentials.bearer is not None:
            all_headers["Authorization"] = f"Bearer {credentials.bearer}"
        if item.api:
            if auth == "cookie" and csrf and not item.safe:
                all_headers["X-CSRFToken"] = credentials.csrf_token
            return client.open(path, method=item.method, headers=all_headers, json=row_data)
        form = dict(row_data or {})
        if csrf and not item.safe:
            form["csrf_token"] = credentials.csrf_token
        return client.open(
            path, method=item.method, headers=all_headers, data=form if not item.safe else None
        )


def add_other_lines(db: Session, org: Org) -> None:
    """The lines beside sales and medical affairs, with members on rep's account team."""
    p = org.people
    p["access_manager"] = make_user(
        db, role=Role.MANAGER, name="Ana Access", function=Function.MARKET_ACCESS,
        manager_id=p["director"].id,
    )  # fmt: skip
    p["access_rep"] = make_user(
        db, name="Reza Reimburse", function=Function.REIMBURSEMENT,
        manager_id=p["access_manager"].id,
    )  # fmt: skip
    p["nurse_manager"] = make_user(
        db, role=Role.MANAGER, name="Nia Nurse-Lead", function=Function.NURSE_EDUCATOR
    )
    p["nurse"] = make_user(
        db, name="Noor Nurse", function=Function.NURSE_EDUCATOR, manager_id=p["nurse_manager"].id
    )
    for who, responsibility in (("access_rep", "Payer contracts"), ("nurse", "Infusion training")):
        org.plans["rep"].team.append(
            PlanTeamMember(user_id=p[who].id, responsibility=responsibility)
        )
    db.flush()


def add_regions(db: Session, org: Org) -> None:
    """Directors over directors: a regional director under director (with a manager of their
    own, nobody on the team yet) and a medical regional director under medical_director."""
    p = org.people
    p["regional_director"] = make_user(
        db, role=Role.DIRECTOR, name="Rhea Regional", manager_id=p["director"].id
    )
    p["region_manager"] = make_user(
        db, role=Role.MANAGER, name="Ray Region-Lead", manager_id=p["regional_director"].id
    )
    p["medical_regional"] = make_user(
        db, role=Role.DIRECTOR, name="Meg Medical-Region", function=Function.MSL,
        manager_id=p["medical_director"].id,
    )  # fmt: skip
    db.flush()


def add_plan_items(db: Session, org: Org) -> dict[str, Any]:
    """A goal, an action (owned by teammate rep2, done), a stakeholder and an insight of
    rep2's waiting for the owner's approval on plans[rep]."""
    plan, other = org.plans["rep"], org.plans["other_rep_with_rep"]
    items: dict[str, Any] = {
        "goal": PlanGoal(plan_id=plan.id, title="Win the P&T vote"),
        "action": PlanActionItem(
            plan_id=plan.id,
            title="Send the dossier",
            owner_id=org.people["rep2"].id,
            status=ActionStatus.DONE,
            completed_at=utcnow(),
        ),
        "stakeholder": PlanStakeholder(plan_id=plan.id, name="Dr. Pat Chair"),
        "insight": PlanInsight(
            plan_id=plan.id,
            author_id=org.people["rep2"].id,
            area="operational",
            text="Infusion chairs are full on Mondays.",
            status=InsightStatus.PENDING,
        ),
        "other_goal": PlanGoal(plan_id=other.id, title="Keep the contract"),
        "device": PushSubscription(
            user_id=org.people["rep"].id,
            endpoint=REP_DEVICE_ENDPOINT,
            p256dh=DEVICE_KEYS["p256dh"],
            auth=DEVICE_KEYS["auth"],
        ),
    }
    db.add_all(items.values())
    db.commit()
    # An actual of the goal, recorded by teammate rep2.
    items["actual"] = GoalActual(
        goal_id=items["goal"].id,
        measured_on=dt.date(2026, 1, 15),
        value=2.0,
        recorded_by_id=org.people["rep2"].id,
    )
    db.add(items["actual"])
    db.commit()
    return items


def add_ride_along_day(db: Session, org: Org) -> dict[str, Any]:
    """A ride-along today (manager with rep) with a stop and a call, and an agreement of the
    rep's last note (the acknowledged one) for the pre-brief."""
    manager, rep = org.people["manager"], org.people["rep"]
    ride = PlannedRideAlong(
        manager_id=manager.id, rep_id=rep.id, plan_id=org.plans["rep"].id, day=dt.date.today()
    )
    ride.stops = [RideAlongStop(name="Lakeside Clinic", objective="Agree the P&T submission date")]
    agreement = FollowUp(
        session_id=org.notes["acknowledged"].id,
        owner_id=rep.id,
        created_by_id=manager.id,
        title="Send the dosing summary",
        due_date=dt.date.today(),
    )
    db.add_all([ride, agreement])
    db.flush()
    call = RideAlongCall(ride_id=ride.id, account_name="Lakeside Clinic", evidence="Asked first")
    db.add(call)
    db.commit()
    return {"ride": ride, "agreement": agreement, "call": call}


def add_review(db: Session, org: Org) -> dict[str, Any]:
    """An account-team review of plans[rep]'s account by manager with the plan's whole team,
    the 3C's rated, and an agreement owned by the first teammate (rep2 in the World)."""
    plan = org.plans["rep"]
    manager = org.people["manager"]
    members = [plan.owner, *(m.user for m in plan.team if m.user_id != plan.owner_id)]
    review = AccountReview(
        account_id=plan.account_id,
        author_id=manager.id,
        held_on=dt.date.today() - dt.timedelta(days=1),
        plan_progress="The P&T date moved to March; the chair wants outcomes data.",
        plan_summary=[],
    )
    review.participants = [
        ReviewParticipant(user_id=person.id, function=person.function) for person in members
    ]
    review.ratings = [
        ReviewRating(competency_key=key, score=score, evidence="Seen at the review")
        for key, score in (
            ("cross_functional_collaboration", 3),
            ("account_team_coordination", 2),
            ("team_communication", 3),
        )
    ]
    db.add(review)
    db.flush()
    agreement = FollowUp(
        review_id=review.id,
        owner_id=members[1].id,
        created_by_id=manager.id,
        title="Bring the outcomes deck to the P&T pre-read",
        due_date=dt.date.today() + dt.timedelta(days=10),
    )
    db.add(agreement)
    db.commit()
    return {"review": review, "review_agreement": agreement}


def add_observations(db: Session, org: Org) -> dict[str, Any]:
    """Two observations of rep by msl_manager (the medical line, whose MSL is on plans[rep]'s
    team) routed to manager: one free, one attached to the shared note s[shared]; rep2 on
    that team too; and the id of a competency of rep's guide (not one of the 3C's) for the
    rows that write one."""
    rep, plan = org.people["rep"], org.plans["rep"]
    if all(member.user_id != org.people["rep2"].id for member in plan.team):
        # rep2 is observed on plans[rep]'s account (the demo has them on other teams).
        plan.team.append(PlanTeamMember(user_id=org.people["rep2"].id, responsibility="Access"))
    author = (
        org.people.get("msl_manager")
        or db.scalars(select(User).where(User.email == "msl-manager@example.com")).one()
    )
    account = plan.account
    competency = next(iter(coaching.competencies_of(coaching.guide_for(db, rep)).values()))
    observation = make_observation(db, author, rep, account, competency)
    attached = make_observation(
        db, author, rep, account, competency, note_id=org.notes["shared"].id,
        text="Asked the MSL in before the clinical questions came up.",
    )  # fmt: skip
    db.commit()
    return {
        "observation": observation,
        "attached_observation": attached,
        "competency": competency.id,
    }


def add_items(db: Session, org: Org) -> dict[str, Any]:
    """Every object the rows name as `i[...]`, on any organisation with the matrix's cast
    (the World's, or the demo's for tests/browser/pages.py)."""
    items = add_plan_items(db, org)
    items.update(add_ride_along_day(db, org))
    items.update(add_review(db, org))
    items.update(add_observations(db, org))
    return items


def _csrf_token(client: HttpsClient, path: str) -> str:
    page = client.get(path)
    found = CSRF_META.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


@contextmanager
def quick_password_check() -> Iterator[None]:
    """Checks the builders' one hash of PASSWORD by comparison instead of argon2.

    Same answers for every user tests.builders makes (all share that hash), without the
    50-700 ms argon2 costs per sign-in; any other hash still goes through argon2. Signing in
    itself (sessions, cookies, tokens, throttling) is unchanged.
    """
    real = auth_service.verify_password
    known = password_hash()

    def verify(stored: str | None, password: str) -> bool:
        if stored == known:
            return password == PASSWORD
        return real(stored, password)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_service, "verify_password", verify)
        yield


@contextmanager
def open_world(app: Flask) -> Iterator[World]:
    """build_org in one open transaction, every actor signed in once, rolled back at the end.

    The app's sessions join that transaction as conftest's `connection` fixture does; keep
    tests that use conftest's `db`/`client` out of the World's lifetime (a test class scope).
    """
    database: Database = app.extensions["coachapp.db"]
    original = database.sessionmaker
    with database.engine.connect() as connection, quick_password_check():
        outer = connection.begin()
        database.sessionmaker = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            db = database.sessionmaker()
            org = build_org(db)
            add_other_lines(db, org)
            add_regions(db, org)
            org.notes["other_team"].private_notes = PRIVATE_NOTES["manager2"]
            org.notes["far"].private_notes = PRIVATE_NOTES["manager3"]
            org.notes["msl"].private_notes = PRIVATE_NOTES["msl_manager"]
            items = add_items(db, org)
            credentials: dict[str, Credentials] = {}
            with app.app_context():
                tokens = {who: issue_api_token(db, org.people[who])[0] for who in SIGNED_IN}
            db.close()  # org's objects stay loaded, detached: only ids, emails and names are read
            for who in ACTORS:
                client: HttpsClient = app.test_client()  # type: ignore[assignment]
                if who == ANONYMOUS:
                    token = _csrf_token(client, "/login")
                else:
                    response = login(client, org.people[who].email)
                    assert response.status_code == 302, f"{who} cannot sign in"
                    token = _csrf_token(client, "/me")
                cookie = client.get_cookie(SESSION_COOKIE)
                credentials[who] = Credentials(
                    cookie=cookie.value if cookie else None,
                    csrf_token=token,
                    bearer=tokens.get(who),
                )
            yield World(app, connection, org, credentials, items)
        finally:
            database.sessionmaker = original
            outer.rollback()
