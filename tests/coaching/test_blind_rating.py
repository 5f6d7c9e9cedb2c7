"""Blind self-rating: the rep rates themself on a note before seeing the manager's ratings, the
manager sees the rep's score of a behaviour once they have rated it (double-blind), and the
gap between the two becomes a talking point for both."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching import blind, service
from coachapp.errors import Conflict, PermissionDenied
from coachapp.models import AuditEvent, Note, NoteStatus, NoteType
from tests.builders import Org

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")


def fresh(db: Session, org: Org, name: str = "shared") -> Note:
    db.expire_all()
    return service.get_note(db, org.people["manager"], org.notes[name].id)


def competencies(org: Org) -> tuple[int, int]:
    first, second = (c.id for c in org.notes["shared"].guide_version.sections[0].competencies)
    return first, second


def view(db: Session, org: Org, who: str, name: str = "shared") -> blind.RatingView:
    db.expire_all()
    note = service.get_note(db, org.people[who], org.notes[name].id)
    return service.rating_view(db, org.people[who], note)


def test_the_rep_sees_no_rating_of_the_manager_until_they_rate_themself(
    db: Session, org: Org
) -> None:
    rep = org.people["rep"]
    before = view(db, org, "rep")
    assert before.hidden and before.ratings == [] and before.gaps == []
    assert before.state == blind.SelfRatingState.PENDING
    # Everyone else who may read the note sees the manager's ratings.
    for who in ("manager", "director"):
        assert [r.score for r in view(db, org, who).ratings] == [3, 3]

    first, second = competencies(org)
    service.set_self_assessment(
        db, rep, org.notes["shared"].id,
        [{"competency_id": first, "score": 1}, {"competency_id": second, "score": None}],
    )  # fmt: skip
    after = view(db, org, "rep")
    assert not after.hidden and after.state == blind.SelfRatingState.SUBMITTED
    assert [r.score for r in after.ratings] == [3, 3]
    # Not observed on one side: no gap there. Self 1 against the manager's 3: a talking point.
    assert [(g.competency.id, g.self_score, g.manager_score) for g in after.gaps] == [(first, 1, 3)]
    assert after.gaps[0].difference == -2 and after.talking_points == after.gaps
    # The manager and the director see the same gap.
    for who in ("manager", "director"):
        assert [g.difference for g in view(db, org, who).gaps] == [-2]


def test_a_gap_under_two_points_is_shown_but_is_no_talking_point(db: Session, org: Org) -> None:
    first, second = competencies(org)
    service.set_self_assessment(
        db, org.people["rep"], org.notes["shared"].id,
        [{"competency_id": first, "score": 4}, {"competency_id": second, "score": 2}],
    )  # fmt: skip
    seen = view(db, org, "rep")
    assert [g.difference for g in seen.gaps] == [1, -1]
    assert seen.talking_points == []


def test_the_self_rating_is_final_once_the_managers_ratings_are_open(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    note_id = org.notes["shared"].id
    first, _ = competencies(org)
    service.set_self_assessment(db, rep, note_id, [{"competency_id": first, "score": 2}])
    with pytest.raises(Conflict):
        service.set_self_assessment(db, rep, note_id, [{"competency_id": first, "score": 3}])
    assert fresh(db, org).self_assessment["ratings"][0]["score"] == 2  # type: ignore[index]
    # An acknowledged note has had its ratings open to the rep: no self-rating any more.
    with pytest.raises(Conflict):
        service.set_self_assessment(
            db, rep, org.notes["acknowledged"].id, [{"competency_id": first, "score": 3}]
        )


def test_skipping_opens_the_ratings_and_is_recorded(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    note_id = org.notes["shared"].id
    with pytest.raises(PermissionDenied):
        service.skip_self_rating(db, org.people["manager"], note_id)
    service.skip_self_rating(db, rep, note_id)
    seen = view(db, org, "rep")
    assert not seen.hidden and seen.state == blind.SelfRatingState.SKIPPED and seen.gaps == []
    skipped_at = fresh(db, org).self_rating_skipped_at
    service.skip_self_rating(db, rep, note_id)  # twice: nothing changes
    assert fresh(db, org).self_rating_skipped_at == skipped_at
    with pytest.raises(Conflict):
        service.set_self_assessment(db, rep, note_id, [])
    events = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "coaching_session", AuditEvent.object_id == note_id
        )
    ).all()
    assert events.count("session.self_rating_skipped") == 1


def test_acknowledging_first_declines_the_self_rating(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    note_id = org.notes["shared"].id
    service.acknowledge_note(db, rep, note_id, "Thanks")
    note = fresh(db, org)
    assert note.self_rating_skipped_at is not None and note.self_rated_at is None
    assert view(db, org, "rep").state == blind.SelfRatingState.SKIPPED
    assert not view(db, org, "rep").hidden


def test_no_ratings_at_all_declines(db: Session, org: Org) -> None:
    service.set_self_assessment(db, org.people["rep"], org.notes["shared"].id, [])
    note = fresh(db, org)
    assert note.self_rating_skipped_at is not None and note.self_rated_at is None
    assert not view(db, org, "rep").hidden


def test_a_self_assessment_made_before_the_note_joins_it_blind_and_opens_it_at_sharing(
    db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    first, second = competencies(org)
    version_id = org.notes["shared"].guide_version_id
    service.save_pending_self_assessment(
        db, rep, rep.id,
        [{"competency_id": first, "score": 4}, {"competency_id": second, "score": 1}], version_id,
    )  # fmt: skip
    note, _ = service.create_note(
        db,
        manager,
        {"rep_id": rep.id, "guide_version_id": version_id, "type": NoteType.ONE_ON_ONE},
    )
    # Double-blind: nothing of the rep's own shows until the manager rates each behaviour.
    drafting = service.rating_view(db, manager, note)
    assert drafting.self_scores == {} and drafting.self_scores_held_back == 2
    note = service.update_note(
        db, manager, note.id,
        {"ratings": [{"competency_id": first, "score": 2}], "development_focus": "Ask why"},
    )  # fmt: skip
    drafting = service.rating_view(db, manager, note)
    assert drafting.self_scores == {first: 4} and drafting.self_scores_held_back == 1
    assert [g.difference for g in drafting.gaps] == [2]

    service.share_note(db, manager, note.id)
    db.expire_all()
    shared = service.get_note(db, rep, note.id)
    assert shared.self_rated_at is not None
    seen = service.rating_view(db, rep, shared)
    assert not seen.hidden and seen.state == blind.SelfRatingState.SUBMITTED
    assert [g.difference for g in seen.gaps] == [2]
    # Shared: the manager now sees every score the rep gave.
    assert service.rating_view(db, manager, shared).self_scores == {first: 4, second: 1}


def test_other_reps_and_managers_see_nothing_of_it(db: Session, org: Org) -> None:
    from coachapp.errors import NotFound

    for who in ("rep2", "other_rep", "manager2", "director2", "admin"):
        with pytest.raises(NotFound):
            service.get_note(db, org.people[who], org.notes["shared"].id)
        with pytest.raises(NotFound):
            service.skip_self_rating(db, org.people[who], org.notes["shared"].id)


def test_notes_the_rep_had_opened_before_stay_open(db: Session, org: Org) -> None:
    """Migration 0009 keeps notes the rep had opened open to them; drafts stay pending."""
    from coachapp import policy

    note = fresh(db, org)
    assert not policy.can_see_manager_ratings(org.people["rep"], note)
    assert policy.can_see_manager_ratings(org.people["rep"], fresh(db, org, "acknowledged"))
    assert fresh(db, org, "draft").status == NoteStatus.DRAFT
