"""Observations over JSON across the organisation's lines: who may write about whom, the 3C's
alone across the medical/commercial wall, where each goes, who reads it, a replay, bad input;
and coaching with it: attach to a draft, share, the rep reads it on the note."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.models import Account, GuideVersion, Notification, Observation
from coachapp.observations.service import ONLY_THE_3CS, TEXT_LIMIT
from tests.api.helpers import assert_error_shape
from tests.builders import COMMERCIAL, MEDICAL, Lines, make_guide_version, make_user
from tests.observations.conftest import (
    A_3C,
    NOT_A_3C,
    OBSERVATIONS,
    SEEN,
    Call,
    body,
    competency,
    draft_note,
)

pytestmark = pytest.mark.usefixtures("guide")

# Who observes (managers and directors whose line is on the account's team) and whom (the
# members of the team), from every line.
AUTHORS = [
    "sales_manager",
    "director",
    "access_manager",
    "msl_manager",
    "medical_director",
    "nurse_manager",
]
SUBJECTS = ["rep", "msl", "access_rep", "nurse"]


def walled(lines: Lines, a: str, b: str) -> bool:
    return {lines.side[a], lines.side[b]} == {MEDICAL, COMMERCIAL}


def count(db: Session) -> int:
    return int(db.scalar(select(func.count(Observation.id))) or 0)


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("author", AUTHORS)
def test_every_line_observes_whoever_shares_the_account_for_their_own_manager(
    call: Call,
    db: Session,
    lines: Lines,
    account: Account,
    guide: GuideVersion,
    author: str,
    subject: str,
) -> None:
    person = lines.people[subject]
    sent = call(
        author, "POST", OBSERVATIONS, json=body(person, account, competency(guide, A_3C).id)
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)
    made = sent.get_json()
    assert made["routed_to"]["id"] == person.manager_id
    assert made["subject"]["id"] == person.id and made["account"]["id"] == account.id
    assert made["competency"]["key"] == A_3C and made["text"] == SEEN
    told = db.scalars(
        select(Notification).where(Notification.dedupe_key == f"observation_received:{made['id']}")
    ).all()
    if person.manager_id == lines.people[author].id:
        assert told == []  # one's own report: nobody else to tell
    else:
        [notification] = told
        assert notification.recipient_id == person.manager_id
        assert notification.kind == "observation_received"
        assert notification.url == f"/observations/{made['id']}"

    other = call(
        author, "POST", OBSERVATIONS, json=body(person, account, competency(guide, NOT_A_3C).id)
    )
    if walled(lines, author, subject):
        error = assert_error_shape(other, 422)
        assert error["fields"] == {"competency_id": [ONLY_THE_3CS]}
    else:
        assert other.status_code == 201, other.get_data(as_text=True)


@pytest.mark.parametrize(
    ("author", "subject"),
    [
        ("msl_manager2", "rep"),  # their MSL is on no team with the rep
        ("sales_manager", "msl2"),  # not on the account's team
        ("sales_manager", "crossed_msl"),  # their own report, but on no shared account
        ("sales_manager", "sales_manager"),  # oneself
        ("rep", "msl"),  # a rep does not observe
        ("msl", "rep"),
    ],
)
def test_anyone_not_on_a_shared_account_is_missing(
    call: Call,
    db: Session,
    lines: Lines,
    account: Account,
    guide: GuideVersion,
    author: str,
    subject: str,
) -> None:
    sent = call(
        author,
        "POST",
        OBSERVATIONS,
        json=body(lines.people[subject], account, competency(guide, A_3C).id),
    )
    assert_error_shape(sent, 404)
    assert count(db) == 0


def test_an_account_the_subject_is_not_on_is_missing(
    call: Call, db: Session, lines: Lines, guide: GuideVersion
) -> None:
    elsewhere = Account(name="Elsewhere Health", type="idn", region="West")
    db.add(elsewhere)
    db.commit()
    sent = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json=body(lines.people["msl"], elsewhere, competency(guide, A_3C).id),
    )
    assert_error_shape(sent, 404)


def test_a_competency_outside_the_subjects_guide_is_refused_at_its_field(
    call: Call, db: Session, lines: Lines, account: Account
) -> None:
    other_guide = make_guide_version(db)  # keys of no published guide of theirs
    db.commit()
    for competency_id in (999_999, other_guide.sections[0].competencies[0].id):
        sent = call(
            "sales_manager",
            "POST",
            OBSERVATIONS,
            json=body(lines.people["access_rep"], account, competency_id),
        )
        error = assert_error_shape(sent, 422)
        assert list(error["fields"]) == ["competency_id"], error
    assert count(db) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "x" * (TEXT_LIMIT + 1)}, "text"),
        ({"text": "   "}, "text"),
        ({"competency_id": None}, "competency_id"),
        ({"subject_id": "someone"}, "subject_id"),
        ({"account_id": 0}, "account_id"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_cut(
    call: Call,
    db: Session,
    lines: Lines,
    account: Account,
    guide: GuideVersion,
    changes: dict[str, object],
    field: str,
) -> None:
    sent = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json={**body(lines.people["msl"], account, competency(guide, A_3C).id), **changes},
    )
    error = assert_error_shape(sent, 422)
    assert field in error["fields"], error
    assert count(db) == 0


def test_the_longest_text_is_kept_whole(
    call: Call, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    text = "Asked the IDN's pharmacy lead about the budget cycle. " * 40
    text = text[:TEXT_LIMIT]
    sent = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json=body(lines.people["msl"], account, competency(guide, A_3C).id, text=text.strip()),
    )
    assert sent.status_code == 201
    assert sent.get_json()["text"] == text.strip()


def test_a_replayed_client_uuid_is_the_same_observation(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    sent = body(lines.people["msl"], account, competency(guide, A_3C).id)
    first = call("sales_manager", "POST", OBSERVATIONS, json=sent)
    assert first.status_code == 201
    again = call("sales_manager", "POST", OBSERVATIONS, json={**sent, "text": "Changed since"})
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert count(db) == 1
    told = db.scalar(
        select(func.count(Notification.id)).where(Notification.kind == "observation_received")
    )
    assert told == 1
    # The client_uuid is the author's own: another author's is another observation.
    theirs = call("access_manager", "POST", OBSERVATIONS, json=sent)
    assert theirs.status_code == 201 and theirs.get_json()["id"] != first.get_json()["id"]


def readers(call: Call, lines: Lines, observation_id: int) -> set[str]:
    """Who of the lines finds the observation, in the list and by its id."""
    found = set()
    for who in lines.people:
        listed = call(who, "GET", OBSERVATIONS)
        assert listed.status_code == 200
        one = call(who, "GET", f"{OBSERVATIONS}/{observation_id}")
        ids = {item["id"] for item in listed.get_json()}
        assert (observation_id in ids) == (one.status_code == 200), who
        if one.status_code == 200:
            found.add(who)
        else:
            assert_error_shape(one, 404)
    return found


def test_only_the_author_and_the_subjects_line_manager_read_it_until_shared(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    sent = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json=body(lines.people["msl"], account, competency(guide, A_3C).id),
    )
    observation = sent.get_json()
    assert readers(call, lines, observation["id"]) == {"sales_manager", "msl_manager"}
    # The author learns nothing of how it is used; the line manager does.
    assert "note_id" not in observation and "read_at" not in observation
    received = call("msl_manager", "GET", f"{OBSERVATIONS}/{observation['id']}").get_json()
    assert received["note_id"] is None and received["read_at"] is None


def test_attached_then_shared_the_subject_reads_it_on_the_note_and_nobody_else_gains(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    """access_manager coaches access_rep with what sales_manager saw; the medical line and
    the commercial director never read the note's coaching content."""
    people = lines.people
    observation = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["access_rep"], account, competency(guide, NOT_A_3C).id),
    ).get_json()
    note = draft_note(db, people["access_manager"], people["access_rep"], guide)
    attachment = f"/api/v1/coaching-sessions/{note.id}/observations/{observation['id']}"
    attached = call("access_manager", "PUT", attachment)
    assert attached.status_code == 200, attached.get_data(as_text=True)
    [on_note] = attached.get_json()["observations"]
    assert on_note["id"] == observation["id"]
    assert on_note["author"]["name"] == people["sales_manager"].name
    assert on_note["account"]["name"] == account.name and on_note["text"] == SEEN
    assert call("access_manager", "PUT", attachment).status_code == 200  # again: no change
    # Not shared yet: the rep reads neither the note nor the observation.
    assert readers(call, lines, observation["id"]) == {"sales_manager", "access_manager"}

    shared = call("access_manager", "POST", f"/api/v1/coaching-sessions/{note.id}/share")
    assert shared.status_code == 200, shared.get_data(as_text=True)
    seen = call("access_rep", "GET", f"/api/v1/coaching-sessions/{note.id}").get_json()
    assert [o["id"] for o in seen["observations"]] == [observation["id"]]
    assert seen["observations"][0]["author"]["function"] == "sales"
    assert readers(call, lines, observation["id"]) == {
        "sales_manager",
        "access_manager",
        "access_rep",
    }
    as_subject = call("access_rep", "GET", f"{OBSERVATIONS}/{observation['id']}").get_json()
    assert as_subject["note_id"] == note.id and "read_at" not in as_subject
    as_author = call("sales_manager", "GET", f"{OBSERVATIONS}/{observation['id']}").get_json()
    assert "note_id" not in as_author

    # The note stays its line's: the author of the observation, the medical line and
    # directors who did not write it get the note without it, or not at all.
    for who in ("sales_manager", "msl_manager", "medical_director", "msl", "nurse_manager"):
        assert_error_shape(call(who, "GET", f"/api/v1/coaching-sessions/{note.id}"), 404)
    above = call("director", "GET", f"/api/v1/coaching-sessions/{note.id}")
    assert above.status_code == 200 and above.get_json()["observations"] == []

    # Shared: it stays on the note.
    assert_error_shape(call("access_manager", "DELETE", attachment), 409)


def test_a_draft_lets_an_observation_go_before_sharing(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    people = lines.people
    observation = call(
        "msl_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["rep"], account, competency(guide, A_3C).id),
    ).get_json()
    note = draft_note(db, people["sales_manager"], people["rep"], guide)
    attachment = f"/api/v1/coaching-sessions/{note.id}/observations/{observation['id']}"
    assert call("sales_manager", "PUT", attachment).status_code == 200
    detached = call("sales_manager", "DELETE", attachment)
    assert detached.status_code == 200 and detached.get_json()["observations"] == []
    assert call("sales_manager", "DELETE", attachment).status_code == 200  # again: no change
    call("sales_manager", "POST", f"/api/v1/coaching-sessions/{note.id}/share")
    assert (
        call("rep", "GET", f"/api/v1/coaching-sessions/{note.id}").get_json()["observations"] == []
    )
    assert_error_shape(call("rep", "GET", f"{OBSERVATIONS}/{observation['id']}"), 404)


def test_only_the_line_manager_it_went_to_attaches_it_to_a_note_about_its_subject(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    people = lines.people
    about_msl = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["msl"], account, competency(guide, A_3C).id),
    ).get_json()
    about_rep = call(
        "msl_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["rep"], account, competency(guide, A_3C).id),
    ).get_json()
    msl_note = draft_note(db, people["msl_manager"], people["msl"], guide)
    rep_note = draft_note(db, people["sales_manager"], people["rep"], guide)
    # Its author may read it, but it is not theirs to coach with.
    refused = call(
        "sales_manager",
        "PUT",
        f"/api/v1/coaching-sessions/{rep_note.id}/observations/{about_msl['id']}",
    )
    assert_error_shape(refused, 404)
    # About someone else than the note's rep.
    teammate = make_user(db, manager_id=people["sales_manager"].id, name="Tess Teammate")
    other_rep = draft_note(db, people["sales_manager"], teammate, guide)
    wrong = call(
        "sales_manager",
        "PUT",
        f"/api/v1/coaching-sessions/{other_rep.id}/observations/{about_rep['id']}",
    )
    assert list(assert_error_shape(wrong, 422)["fields"]) == ["observation_id"]
    # One note at a time.
    first = f"/api/v1/coaching-sessions/{msl_note.id}/observations/{about_msl['id']}"
    assert call("msl_manager", "PUT", first).status_code == 200
    second = draft_note(db, people["msl_manager"], people["msl"], guide)
    assert_error_shape(
        call(
            "msl_manager",
            "PUT",
            f"/api/v1/coaching-sessions/{second.id}/observations/{about_msl['id']}",
        ),
        409,
    )
    # A shared note takes none.
    free = call(
        "access_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["msl"], account, competency(guide, A_3C).id),
    ).get_json()
    call("msl_manager", "POST", f"/api/v1/coaching-sessions/{msl_note.id}/share")
    assert_error_shape(
        call(
            "msl_manager",
            "PUT",
            f"/api/v1/coaching-sessions/{msl_note.id}/observations/{free['id']}",
        ),
        409,
    )


def test_a_discarded_draft_lets_its_observations_go(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    from coachapp.coaching import service as coaching

    people = lines.people
    observation = call(
        "msl_manager",
        "POST",
        OBSERVATIONS,
        json=body(people["rep"], account, competency(guide, A_3C).id),
    ).get_json()
    note = draft_note(db, people["sales_manager"], people["rep"], guide)
    call(
        "sales_manager",
        "PUT",
        f"/api/v1/coaching-sessions/{note.id}/observations/{observation['id']}",
    )
    coaching.discard_draft(db, people["sales_manager"], note.id, None)
    db.expire_all()
    kept = db.get(Observation, observation["id"])
    assert kept is not None and kept.note_id is None


def test_the_list_narrows_to_one_subject(
    call: Call, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    people = lines.people
    for who in ("msl", "access_rep"):
        call(
            "sales_manager",
            "POST",
            OBSERVATIONS,
            json=body(people[who], account, competency(guide, A_3C).id),
        )
    listed = call("sales_manager", "GET", f"{OBSERVATIONS}?subject_id={people['msl'].id}")
    assert [o["subject"]["id"] for o in listed.get_json()] == [people["msl"].id]
    assert_error_shape(call("sales_manager", "GET", f"{OBSERVATIONS}?color=red"), 422)


def test_no_published_guide_is_a_conflict_not_a_crash(
    call: Call, db: Session, lines: Lines, account: Account, guide: GuideVersion
) -> None:
    from coachapp.models import GuideStatus

    for version in db.scalars(select(GuideVersion)):
        version.status = GuideStatus.RETIRED
    db.commit()
    sent = call(
        "sales_manager",
        "POST",
        OBSERVATIONS,
        json={**body(lines.people["msl"], account, 1), "client_uuid": str(uuid.uuid4())},
    )
    assert_error_shape(sent, 409)
