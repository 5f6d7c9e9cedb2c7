"""A note as one viewer may see it (coachapp.coaching.note_view): what the note's page renders
and the API dumps, the policy and blind-rating rules applied once."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from coachapp.coaching import blind, service
from coachapp.coaching.note_view import NoteView, SelfRating, note_view, note_views
from coachapp.models import NoteType
from tests.builders import Org

# Services called directly write notifications, whose links need the app.
pytestmark = pytest.mark.usefixtures("app_context")


def seen_by(db: Session, org: Org, who: str, name: str = "shared") -> NoteView:
    db.expire_all()
    note = service.get_note(db, org.people[who], org.notes[name].id)
    return note_view(db, org.people[who], note)


def test_each_reader_of_a_shared_note_gets_what_they_may_see_and_do(db: Session, org: Org) -> None:
    rep = seen_by(db, org, "rep")
    assert rep.is_rep and not rep.is_author and not rep.can_edit
    assert not rep.sees_private_notes
    # Blind: the manager's ratings wait for the rep's own, which the page asks for first.
    assert rep.ratings_hidden and rep.ratings == [] and rep.rate_first
    assert rep.self_rating == SelfRating(blind.SelfRatingState.PENDING, None)
    assert rep.deadline is not None

    manager = seen_by(db, org, "manager")
    assert manager.is_author and manager.can_edit and manager.sees_private_notes
    assert not manager.is_rep and not manager.rate_first
    assert not manager.ratings_hidden and [r.score for r in manager.ratings] == [3, 3]

    director = seen_by(db, org, "director")
    assert not (director.is_author or director.can_edit or director.sees_private_notes)
    assert [r.score for r in director.ratings] == [3, 3]
    assert director.deadline == manager.deadline == rep.deadline


def test_once_the_rep_rated_themself_every_reader_sees_the_same_gaps(db: Session, org: Org) -> None:
    rep = org.people["rep"]
    first, second = (c.id for c in org.notes["shared"].guide_version.sections[0].competencies)
    service.set_self_assessment(
        db, rep, org.notes["shared"].id,
        [{"competency_id": first, "score": 1}, {"competency_id": second, "score": 3}],
    )  # fmt: skip
    views = {who: seen_by(db, org, who) for who in ("rep", "manager", "director")}
    for view in views.values():
        assert view.self_rating.state == blind.SelfRatingState.SUBMITTED
        assert view.self_rating.at is not None
        assert [(g.competency.id, g.difference) for g in view.gaps] == [(first, -2), (second, 0)]
        assert view.talking_points == view.gaps[:1] and view.gap_for(second) == view.gaps[1]
        assert view.self_assessment is not None and view.self_assessment.held_back == 0
        assert not view.self_before_note
    assert not views["rep"].ratings_hidden and not views["rep"].rate_first


def test_the_author_of_a_draft_sees_a_waiting_self_assessment_only_where_they_rated(
    db: Session, org: Org
) -> None:
    rep, manager = org.people["rep"], org.people["manager"]
    first, second = (c.id for c in org.notes["shared"].guide_version.sections[0].competencies)
    version_id = org.notes["shared"].guide_version_id
    note, _ = service.create_note(
        db,
        manager,
        {"rep_id": rep.id, "guide_version_id": version_id, "type": NoteType.ONE_ON_ONE},
    )
    # Made after the draft was started: it waits to join the note when it is shared.
    service.save_pending_self_assessment(
        db, rep, rep.id,
        [{"competency_id": first, "score": 4}, {"competency_id": second, "score": 1}], version_id,
    )  # fmt: skip
    note = service.update_note(
        db, manager, note.id, {"ratings": [{"competency_id": first, "score": 2}]}
    )
    view = note_view(db, manager, note)
    assert view.self_scores == {first: 4} and view.self_held_back == {second}
    assert [g.difference for g in view.gaps] == [2]
    # Nothing of it is on the note itself yet.
    assert view.self_assessment is None and view.deadline is None


NOTES = ("acknowledged", "draft", "shared")


def test_many_notes_are_seen_in_their_order(db: Session, org: Org) -> None:
    manager = org.people["manager"]
    notes = [service.get_note(db, manager, org.notes[name].id) for name in NOTES]
    views = note_views(db, manager, notes)
    assert [v.note.id for v in views] == [n.id for n in notes]
    assert views == [note_view(db, manager, n) for n in notes]
    assert note_views(db, manager, []) == []
