"""coachapp/policy.py against the test organisation: DESIGN.md "Who may see what", query by query.

build_org: director ─ manager ─ rep, rep2;  director ─ manager2 ─ other_rep;
           director2 ─ manager3 ─ far_rep;  admin.
Sessions (all by a rep's own manager): draft, shared, acknowledged (manager about rep),
other_team (manager2 about other_rep), far (manager3 about far_rep).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from coachapp import policy
from coachapp.db import utcnow
from coachapp.errors import NotFound
from coachapp.models import Note, NoteStatus, Role, User
from tests.builders import Org, make_follow_up, make_note, make_plan, make_user

EVERYONE = (
    "rep",
    "rep2",
    "other_rep",
    "far_rep",
    "manager",
    "manager2",
    "manager3",
    "director",
    "director2",
    "admin",
    "medical_director",
    "msl_manager",
    "msl",
)


def keys(found: Iterable[Any], named: dict[str, Any]) -> set[str]:
    """The org's names for what a query returned (an unnamed object shows as its id)."""
    by_id = {obj.id: name for name, obj in named.items()}
    return {by_id.get(obj.id, f"#{obj.id}") for obj in found}


def seen_by_everyone(db: Session, org: Org, query: Any, named: dict[str, Any]) -> dict[str, Any]:
    return {who: keys(db.scalars(query(org.people[who])).all(), named) for who in EVERYONE}


# People -------------------------------------------------------------------------------------


def test_visible_reps_per_role(db: Session, org: Org) -> None:
    assert seen_by_everyone(db, org, policy.visible_reps, org.people) == {
        "rep": {"rep"},
        "rep2": {"rep2"},
        "other_rep": {"other_rep"},
        "far_rep": {"far_rep"},
        "manager": {"rep", "rep2"},
        "manager2": {"other_rep"},
        "manager3": {"far_rep"},
        "director": {"rep", "rep2", "other_rep"},
        "director2": {"far_rep"},
        "admin": {"rep", "rep2", "other_rep", "far_rep", "msl"},
        # The medical line: its own people, never the commercial ones.
        "medical_director": {"msl"},
        "msl_manager": {"msl"},
        "msl": {"msl"},
    }


def test_visible_reps_leave_out_deactivated_people(db: Session, org: Org) -> None:
    org.people["rep2"].active = False
    db.commit()
    assert keys(db.scalars(policy.visible_reps(org.people["manager"])), org.people) == {"rep"}
    assert keys(db.scalars(policy.visible_reps(org.people["admin"])), org.people) == {
        "rep",
        "other_rep",
        "far_rep",
        "msl",
    }


def test_cadence_figures_cover_the_reps_whose_shared_notes_one_may_read(
    db: Session, org: Org
) -> None:
    seen = seen_by_everyone(db, org, policy.visible_cadence_reps, org.people)
    assert seen == {
        "rep": {"rep"},
        "rep2": {"rep2"},
        "other_rep": {"other_rep"},
        "far_rep": {"far_rep"},
        "manager": {"rep", "rep2"},
        "manager2": {"other_rep"},
        "manager3": {"far_rep"},
        "director": {"rep", "rep2", "other_rep"},
        "director2": {"far_rep"},
        "admin": set(),  # admins manage cadence targets but read no coaching
        "medical_director": {"msl"},
        "msl_manager": {"msl"},
        "msl": {"msl"},
    }
    # The same people whose shared notes each viewer may read.
    for who in EVERYONE:
        viewer = org.people[who]
        readable = {
            s.rep_id for s in db.scalars(policy.visible_notes(viewer)) if s.status != "draft"
        }
        assert readable <= {org.people[name].id for name in seen[who]}, who


def test_person_pages_one_may_open(db: Session, org: Org) -> None:
    opens = {
        who: {other for other in EVERYONE if _opens(db, org.people[who], org.people[other].id)}
        for who in EVERYONE
    }
    assert opens == {
        "rep": {"rep"},
        "rep2": {"rep2"},
        "other_rep": {"other_rep"},
        "far_rep": {"far_rep"},
        "manager": {"manager", "rep", "rep2"},
        "manager2": {"manager2", "other_rep"},
        "manager3": {"manager3", "far_rep"},
        "director": {"director", "manager", "manager2", "rep", "rep2", "other_rep"},
        "director2": {"director2", "manager3", "far_rep"},
        "admin": {"admin"},
        "medical_director": {"msl", "medical_director", "msl_manager"},
        "msl_manager": {"msl", "msl_manager"},
        "msl": {"msl"},
    }


def _opens(db: Session, viewer: User, user_id: int) -> bool:
    try:
        policy.person_or_404(db, viewer, user_id)
    except NotFound:
        return False
    return True


# Account plans --------------------------------------------------------------------------------


def test_visible_plans_per_role(db: Session, org: Org) -> None:
    assert seen_by_everyone(db, org, policy.visible_plans, org.plans) == {
        # Own plans, and plans whose account team one is on.
        "rep": {"rep", "other_rep_with_rep"},
        "rep2": {"rep"},
        "other_rep": {"other_rep_with_rep"},
        "far_rep": {"far"},
        # Direct reports' plans: those they own or are on the account team of.
        "manager": {"rep", "other_rep_with_rep"},
        "manager2": {"other_rep_with_rep"},
        "manager3": {"far"},
        "director": {"rep", "other_rep_with_rep"},
        "director2": {"far"},
        "admin": set(),
        "medical_director": {"rep"},
        "msl_manager": {"rep"},
        "msl": {"rep"},
    }


def test_plan_outside_scope_is_not_found(db: Session, org: Org) -> None:
    assert policy.plan_or_404(db, org.people["rep2"], org.plans["rep"].id) is org.plans["rep"]
    for who, plan in (("manager2", "rep"), ("director2", "rep"), ("admin", "rep"), ("rep", "far")):
        with pytest.raises(NotFound):
            policy.plan_or_404(db, org.people[who], org.plans[plan].id)


def test_director_sees_plans_at_any_depth_of_the_subtree(db: Session, org: Org) -> None:
    chain = deep_chain(db, org.people["director2"], depth=5)
    plan = make_plan(db, chain[-1])
    db.commit()
    visible = {p.id for p in db.scalars(policy.visible_plans(org.people["director2"]))}
    assert plan.id in visible
    assert plan.id not in {p.id for p in db.scalars(policy.visible_plans(org.people["director"]))}


def test_the_owner_edits_the_team_contributes_and_the_owners_manager_comments(
    db: Session, org: Org
) -> None:
    p, plan = org.people, org.plans["rep"]
    assert [who for who in EVERYONE if policy.can_edit_plan(p[who], plan)] == ["rep"]
    # The account team of any line (rep2, a key account manager; the MSL of the medical line)
    # adds insights and comments; managers and directors of members do not.
    team = ["rep", "rep2", "msl"]
    assert [who for who in EVERYONE if policy.can_contribute_to_plan(p[who], plan)] == team
    assert [who for who in EVERYONE if policy.can_comment_on_plan(p[who], plan)] == [
        "rep", "rep2", "manager", "msl"
    ]  # fmt: skip
    assert [who for who in EVERYONE if policy.can_decide_insights(p[who], plan)] == ["rep"]
    # The manager sees a plan their report is on the team of, but it is not theirs to comment on.
    other = org.plans["other_rep_with_rep"]
    assert not policy.can_comment_on_plan(p["manager"], other)
    assert policy.can_comment_on_plan(p["manager2"], other)
    assert policy.can_comment_on_plan(p["rep"], other)  # on its team
    # Someone deactivated contributes nothing.
    p["rep2"].active = False
    assert not policy.can_contribute_to_plan(p["rep2"], plan)


# Coaching sessions ----------------------------------------------------------------------------


def test_visible_sessions_per_role(db: Session, org: Org) -> None:
    assert seen_by_everyone(db, org, policy.visible_notes, org.notes) == {
        # A rep: their own, once shared; never a draft.
        "rep": {"shared", "acknowledged"},
        "rep2": set(),
        "other_rep": {"other_team"},
        "far_rep": {"far"},
        # A manager: those they wrote (drafts too); another manager's never.
        "manager": {"draft", "shared", "acknowledged"},
        "manager2": {"other_team"},
        "manager3": {"far"},
        # A director: the subtree's shared and acknowledged notes.
        "director": {"shared", "acknowledged", "other_team"},
        "director2": {"far"},
        "admin": set(),
        "medical_director": {"msl"},
        "msl_manager": {"msl"},
        "msl": {"msl"},
    }


def test_manager_sees_direct_reports_shared_notes_by_others_but_not_their_drafts(
    db: Session, org: Org
) -> None:
    p = org.people
    # manager2 covering for manager: a shared note and a draft about manager's rep.
    shared = make_note(db, p["manager2"], p["rep"], NoteStatus.SHARED)
    draft = make_note(db, p["manager2"], p["rep"], NoteStatus.DRAFT)
    db.commit()
    named = {"shared": shared, "draft": draft}
    assert keys(db.scalars(policy.visible_notes(p["manager"])), named) >= {"shared"}
    assert "draft" not in keys(db.scalars(policy.visible_notes(p["manager"])), named)
    assert {"shared", "draft"} <= keys(db.scalars(policy.visible_notes(p["manager2"])), named)
    assert "draft" not in keys(db.scalars(policy.visible_notes(p["rep"])), named)
    assert "draft" not in keys(db.scalars(policy.visible_notes(p["director"])), named)


def test_session_outside_scope_is_not_found(db: Session, org: Org) -> None:
    cases = [("rep", "draft"), ("rep2", "shared"), ("manager2", "draft"), ("director", "draft")]
    cases += [("director", "far"), ("admin", "shared"), ("manager", "other_team")]
    for who, name in cases:
        with pytest.raises(NotFound):
            policy.note_or_404(db, org.people[who], org.notes[name].id)


def share(db: Session, note: Note) -> None:
    note.status = NoteStatus.SHARED
    note.shared_at = utcnow()
    db.commit()


def test_sharing_a_draft_shows_it_to_the_rep_and_director(db: Session, org: Org) -> None:
    draft = org.notes["draft"]
    for who in ("rep", "director"):
        with pytest.raises(NotFound):
            policy.note_or_404(db, org.people[who], draft.id)
    share(db, draft)
    for who in ("rep", "director"):
        assert policy.note_or_404(db, org.people[who], draft.id) is draft


def test_private_notes_belong_to_their_author_alone(db: Session, org: Org) -> None:
    p, s = org.people, org.notes
    for name, note in s.items():
        allowed = [who for who in EVERYONE if policy.can_see_private_notes(p[who], note)]
        author = next(who for who in EVERYONE if p[who].id == note.manager_id)
        assert allowed == [author], name
        editors = [who for who in EVERYONE if policy.can_edit_note(p[who], note)]
        assert editors == [author], name
    assert not policy.can_see_private_notes(p["rep"], s["shared"])
    assert not policy.can_see_private_notes(p["director"], s["acknowledged"])
    assert not policy.can_see_private_notes(p["manager2"], s["draft"])


# Follow-ups -----------------------------------------------------------------------------------


def test_visible_follow_ups_per_role(db: Session, org: Org) -> None:
    assert seen_by_everyone(db, org, policy.visible_follow_ups, org.follow_ups) == {
        # A follow-up on a draft stays with the draft's author until the note is shared.
        "rep": {"rep_shared"},
        "rep2": set(),
        "other_rep": set(),
        "far_rep": {"far"},
        "manager": {"rep_shared", "rep_draft"},
        "manager2": set(),
        "manager3": {"far"},
        "director": {"rep_shared"},
        "director2": {"far"},
        "admin": set(),
        "medical_director": set(),
        "msl_manager": set(),
        "msl": set(),
    }


def test_follow_up_on_a_draft_reaches_its_owner_once_shared(db: Session, org: Org) -> None:
    rep, follow_up = org.people["rep"], org.follow_ups["rep_draft"]
    with pytest.raises(NotFound):
        policy.follow_up_or_404(db, rep, follow_up.id)
    share(db, org.notes["draft"])
    assert policy.follow_up_or_404(db, rep, follow_up.id) is follow_up
    assert "rep_draft" in keys(
        db.scalars(policy.visible_follow_ups(org.people["director"])), org.follow_ups
    )


def test_plan_action_follow_ups_reach_the_owners_managers(db: Session, org: Org) -> None:
    p = org.people
    plan_action = make_follow_up(db, p["rep"], p["rep"], title="Book the P&T meeting")
    # rep2's follow-up from a note about rep: rep2 owns it, rep sees it with the note.
    on_rep_note = make_follow_up(db, p["rep2"], p["manager"], session_id=org.notes["shared"].id)
    db.commit()
    named = {**org.follow_ups, "plan_action": plan_action, "on_rep_note": on_rep_note}
    assert seen_by_everyone(db, org, policy.visible_follow_ups, named) == {
        "rep": {"rep_shared", "plan_action", "on_rep_note"},
        "rep2": {"on_rep_note"},
        "other_rep": set(),
        "far_rep": {"far"},
        "manager": {"rep_shared", "rep_draft", "plan_action", "on_rep_note"},
        "manager2": set(),
        "manager3": {"far"},
        "director": {"rep_shared", "plan_action", "on_rep_note"},
        "director2": {"far"},
        "admin": set(),
        "medical_director": set(),
        "msl_manager": set(),
        "msl": set(),
    }


# The reporting line ---------------------------------------------------------------------------


def deep_chain(db: Session, top: User, depth: int) -> list[User]:
    """top ─ director ─ … ─ manager ─ rep: `depth` people below top, one per level."""
    chain: list[User] = []
    boss = top
    for level in range(depth):
        role = Role.REP if level == depth - 1 else Role.MANAGER if level == depth - 2 else None
        boss = make_user(db, role=role or Role.DIRECTOR, manager_id=boss.id)
        chain.append(boss)
    return chain


def subtree(db: Session, user: User) -> set[int]:
    return set(db.scalars(policy.subtree_ids(user)).all())


def test_subtree_of_the_org(db: Session, org: Org) -> None:
    p = org.people
    ids = {who: p[who].id for who in p}
    assert subtree(db, p["director"]) == {
        ids[w] for w in ("manager", "manager2", "rep", "rep2", "other_rep")
    }
    assert subtree(db, p["director2"]) == {ids["manager3"], ids["far_rep"]}
    assert subtree(db, p["manager"]) == {ids["rep"], ids["rep2"]}
    assert subtree(db, p["rep"]) == set()
    assert subtree(db, p["admin"]) == set()
    assert set(db.scalars(policy.direct_report_ids(p["director"])).all()) == {
        ids["manager"],
        ids["manager2"],
    }


@pytest.mark.parametrize("depth", [2, 3, 6])
def test_subtree_at_any_depth(db: Session, org: Org, depth: int) -> None:
    top = make_user(db, role=Role.DIRECTOR)
    chain = deep_chain(db, top, depth)
    # A sibling branch and a stranger stay out of each other's subtrees.
    sibling = make_user(db, role=Role.MANAGER, manager_id=top.id)
    sibling_rep = make_user(db, manager_id=sibling.id)
    db.commit()
    assert subtree(db, top) == {u.id for u in chain} | {sibling.id, sibling_rep.id}
    for level, user in enumerate(chain):
        assert subtree(db, user) == {u.id for u in chain[level + 1 :]}
    assert subtree(db, org.people["director"]).isdisjoint({u.id for u in chain})

    rep = chain[-1]
    assert rep.role == Role.REP
    reps = {u.id for u in db.scalars(policy.visible_reps(top))}
    assert reps == {rep.id, sibling_rep.id}
    # A director several levels up sees shared notes, never drafts, at the bottom.
    manager = chain[-2]
    shared = make_note(db, manager, rep, NoteStatus.SHARED)
    draft = make_note(db, manager, rep, NoteStatus.DRAFT)
    db.commit()
    seen = {s.id for s in db.scalars(policy.visible_notes(top))}
    assert shared.id in seen
    assert draft.id not in seen
    assert policy.person_or_404(db, top, rep.id) is rep


# Administration -------------------------------------------------------------------------------


def test_only_admins_manage_the_organisation(db: Session, org: Org) -> None:
    p = org.people
    assert [w for w in EVERYONE if policy.can_manage_organisation(p[w])] == ["admin"]
    assert all(policy.can_read_guides(p[w]) for w in EVERYONE)
    p["rep"].active = False
    assert not policy.can_read_guides(p["rep"])
