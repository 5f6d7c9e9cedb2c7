"""Every HTML page of every role, for the accessibility checks.

The list is derived, not written by hand: each GET row of the access matrix
(tests/access_matrix.py) that answers 200 to a role is a page that role sees, so a new page
is covered as soon as it has its row (and tests/test_access_matrix.py fails a route without
one). The matrix's cast (`rep`, `manager`, ...) is played by the demo organisation, signed in
as its documented users, with the matrix's own objects (`add_items`) added to it. On top of
the matrix: the form POST rows that are refused with a page (the form and its errors; a
refused POST changes nothing, so the demo stays as it is), and states no GET row reaches (an
acknowledged note, the not-found page).

Whether an answer is HTML is decided when it is fetched: CSV exports, the service worker,
the manifest and the health probes are in the matrix too, and are left out then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching import service as coaching
from coachapp.demo import ADMIN_EMAIL
from coachapp.models import (
    AccountPlan,
    Note,
    NoteStatus,
    NoteType,
    PlanStatus,
    PlanTeamMember,
    Role,
    User,
)
from coachapp.reporting_lines import change_manager
from tests.access_matrix import (
    ANONYMOUS,
    FORM_POST_ROWS,
    GET_ROWS,
    MISSING_ID,
    NOBODY,
    Row,
    add_items,
)
from tests.builders import Org, make_coach_note, make_follow_up, make_user

# The roles of the production-readiness checklist, as the matrix names them, and who plays
# them in the demo organisation (None: signed out).
ROLES: dict[str, str | None] = {
    ANONYMOUS: None,
    "rep": "rep1@example.com",
    "manager": "manager@example.com",
    "director": "director@example.com",
    "admin": ADMIN_EMAIL,
}
# Who plays the matrix's handles in the demo organisation (`other_rep` is found below).
DEMO_HANDLES = {
    "rep": "rep1",
    "rep2": "rep2",
    "manager": "manager",
    "manager2": "manager2",
    "manager3": "manager3",
    "director": "director",
}
# Refusals of a form POST that show a page: the form with its errors, a stale preview.
PAGE_ANSWERS = frozenset({401, 409, 412, 422})


@dataclass(frozen=True)
class State:
    """A page in a state the matrix's rows do not reach."""

    label: str
    path: str
    roles: tuple[str, ...]
    status: int = 200


STATES = (
    State("acknowledged_note", "/notes/{s[acknowledged].id}", ("rep", "manager", "director")),
    State(
        "acknowledged_coach_note", "/coach-the-coach/{c[acknowledged].id}", ("manager", "director")
    ),
    State("not_found", "/people/{missing}", ("manager",), status=404),
    State("not_found_signed_out", "/no-such-page", (ANONYMOUS,), status=404),
)


@dataclass(frozen=True)
class PageView:
    """One page as one role sees it: a GET, or a form POSTed the way the browser would."""

    role: str
    endpoint: str
    label: str
    path: str
    status: int = 200
    form: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        method = "POST " if self.form is not None else ""
        return f"{self.role} {method}{self.path} ({self.label})"


@dataclass(frozen=True)
class Cast:
    """What `Row.fill` needs: the organisation and the objects named `i[...]`."""

    org: Org
    items: dict[str, Any]


def demo_cast(db: Session) -> Cast:
    """The matrix's cast in the demo organisation, for `Row.fill`.

    The demo has, for rep1, a draft and acknowledged notes but no note waiting for
    acknowledgement: one is logged and shared here through the coaching service, so the
    rep's "Acknowledge" form is checked; rep1 is on no teammate's plan, so they join one; the
    director has written the manager no coach-the-coach notes: one in each state is added;
    the rep gets a follow-up on the shared note and on the draft; and the director gets a
    region, a regional director over manager3's team (the demo's organisation has none).
    Handles the demo has no one for (a second director's subtree) stay missing, and rows that
    need them are left out.
    """
    users = {u.email: u for u in db.scalars(select(User))}
    org = Org()
    for handle, demo in DEMO_HANDLES.items():
        org.people[handle] = users[f"{demo}@example.com"]
    org.people["admin"] = users[ADMIN_EMAIL]
    rep, manager = org.people["rep"], org.people["manager"]

    plans = db.scalars(select(AccountPlan).order_by(AccountPlan.id)).all()
    org.plans["rep"] = next(
        p for p in plans if p.owner_id == rep.id and p.status == PlanStatus.ACTIVE
    )
    on_team = [p for p in plans if p.owner_id != rep.id and rep in [m.user for m in p.team]]
    if not on_team:
        joined = next(p for p in plans if p.owner_id != rep.id and p.status == PlanStatus.ACTIVE)
        joined.team.append(PlanTeamMember(user_id=rep.id, responsibility="Account team"))
        db.commit()
        on_team = [joined]
    org.plans["other_rep_with_rep"] = on_team[0]

    notes = db.scalars(select(Note).order_by(Note.id.desc())).all()

    def latest(author: User, status: NoteStatus, about: User | None = None) -> Any:
        return next(
            (
                n
                for n in notes
                if n.manager_id == author.id
                and n.status == status
                and (about is None or n.rep_id == about.id)
            ),
            None,
        )

    for name, status in (
        ("draft", NoteStatus.DRAFT),
        ("acknowledged", NoteStatus.ACKNOWLEDGED),
    ):
        if (found := latest(manager, status, rep)) is not None:
            org.notes[name] = found
    org.notes["shared"] = latest(manager, NoteStatus.SHARED, rep) or _shared_note(
        db, manager, rep, org.plans["rep"]
    )
    other_team = latest(org.people["manager2"], NoteStatus.SHARED)
    if other_team is not None:
        org.notes["other_team"] = other_team
        org.people["other_rep"] = other_team.rep
    org.guide_ids["main"] = org.notes["shared"].guide_version.guide_id
    for status in (NoteStatus.DRAFT, NoteStatus.SHARED, NoteStatus.ACKNOWLEDGED):
        org.coach_notes[status.value] = make_coach_note(db, org.people["director"], manager, status)
    # The rep's follow-ups of the manager's shared note and of the draft (a follow-up's page).
    for name, note_name in (("rep_shared", "shared"), ("rep_draft", "draft")):
        if note_name in org.notes:
            org.follow_ups[name] = make_follow_up(
                db, rep, manager, session_id=org.notes[note_name].id,
                title="Send the pharmacy the dosing summary",
            )  # fmt: skip
    director = org.people["director"]
    regional = next(
        (u for u in users.values() if u.role == Role.DIRECTOR and u.manager_id == director.id),
        None,
    )
    if regional is None:
        regional = make_user(
            db, role=Role.DIRECTOR, name="Regan Regional", manager_id=director.id,
            email="regional-director@example.com", region=org.people["manager3"].region,
        )  # fmt: skip
        change_manager(db, org.people["manager3"], regional.id, actor=None)
    org.people["regional_director"] = regional
    db.commit()
    return Cast(org, add_items(db, org))


def _shared_note(db: Session, manager: User, rep: User, plan: AccountPlan) -> Note:
    version = coaching.guide_for(db, rep)
    competencies = list(coaching.competencies_of(version))[:3]
    data: dict[str, Any] = {
        "rep_id": rep.id,
        "guide_version_id": version.id,
        "type": NoteType.RIDE_ALONG,
        "plan_id": plan.id,
        "account_id": plan.account_id,
        "occurred_on": dt.date.today() - dt.timedelta(days=1),
        "ratings": [
            {"competency_id": cid, "score": score, "evidence": "Seen on the ride-along."}
            for cid, score in zip(competencies, (3, 2, None), strict=False)
        ],
        "strengths": "Opened with the customer's own goals.",
        "development_focus": "Bring the MSL in before the P&T meeting.",
        "follow_ups": [
            {"title": "Send the formulary dossier", "due_date": dt.date.today() + dt.timedelta(7)}
        ],
    }
    note, _created = coaching.create_note(db, manager, data)
    return coaching.share_note(db, manager, note.id)


def page_views(cast: Cast, roles: Iterable[str] = ROLES) -> list[PageView]:
    """Every page each role sees, with the demo's ids."""
    wanted = tuple(roles)
    views: list[PageView] = []
    for item in GET_ROWS:
        if not (item.api or item.fragment):
            views += _views_of(item, cast, wanted, {200})
    for item in FORM_POST_ROWS:
        views += _views_of(item, cast, wanted, PAGE_ANSWERS, post=True)
    for state in STATES:
        try:
            path = state.path.format(s=cast.org.notes, c=cast.org.coach_notes, missing=MISSING_ID)
        except KeyError:
            continue
        views += [
            PageView(role, "(state)", state.label, path, state.status)
            for role in state.roles
            if role in wanted
        ]
    return views


def _views_of(
    item: Row, cast: Cast, roles: tuple[str, ...], answers: Iterable[int], *, post: bool = False
) -> list[PageView]:
    views = []
    for role in roles:
        status = item.expected(role)
        if status not in answers:
            continue
        try:
            path, data, _headers = item.fill(
                cast.org, cast.org.people.get(role, NOBODY), cast.items
            )
        except (KeyError, AttributeError):
            continue  # the demo has no one in that part (e.g. a second director's subtree)
        views.append(
            PageView(role, item.endpoint, item.label, path, status, (data or {}) if post else None)
        )
    return views


def uncovered(views: Iterable[PageView], roles: Iterable[str] = ROLES) -> list[str]:
    """Pages (endpoint, role) the matrix says a role sees that no view reaches."""
    reached = {(v.endpoint, v.role) for v in views}
    return sorted(
        f"{item.endpoint} as {role}"
        for item in GET_ROWS
        if not (item.api or item.fragment)
        for role in roles
        if item.expected(role) == 200 and (item.endpoint, role) not in reached
    )
