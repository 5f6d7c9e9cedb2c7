"""The ride-along day's page, role by role, as plain form posts: the rep prepares and closes
agreements, the manager captures calls and writes the note; refusals keep what was typed; the
debrief of the note shows the rep's request, the caps and the vague-praise prompts."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import (
    DevelopmentFocus,
    FollowUpStatus,
    Note,
    NoteType,
    PlannedRideAlong,
    RideAlongCall,
)
from tests.builders import Org
from tests.coaching.test_pages import HX
from tests.conftest import signed_in
from tests.ride_alongs.helpers import Day, plan_day
from tests.test_query_counts import statements_for


@pytest.fixture
def day(db: Session, org: Org) -> Day:
    return plan_day(db, org)


def preparation(org: Org, day: Day, **extra: str) -> dict[str, Any]:
    plan = org.plans["rep"]
    return {
        "version": str(day.ride.version),
        "help_request": "Getting past the budget objection with finance",
        "plan": str(plan.id),
        f"objective-plan-{plan.id}": "Agree the P&T submission date",
        "other-name-0": "Lakeside Infusion Center",
        "other-objective-0": "Meet the new nurse manager",
        "other-name-1": "",
        "other-objective-1": "",
        **extra,
    }


def test_the_rep_prepares_the_day_and_closes_the_last_agreements(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    rep = signed_in(app, org, "rep")
    url = f"/ride-alongs/{day.ride.id}"
    page = rep.get(url).get_data(as_text=True)
    assert "What do you want help with?" in page and "Today's accounts" in page
    assert "Send the pharmacy the dosing summary" in page  # the last note's agreement
    assert "Mark Send the pharmacy the dosing summary done" in page
    assert "Mark Introduce Riley to the GPO lead done" not in page  # the manager's to close
    assert "Log a call" not in page and "Write the note" not in page

    refused = rep.post_form(
        f"{url}/preparation", preparation(org, day, **{"other-objective-0": ""})
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Each account needs a name and a call objective" in text
    assert "Getting past the budget objection with finance" in text  # kept as typed
    form = preparation(org, day)
    saved = rep.post_form(f"{url}/preparation", form)
    assert saved.status_code == 302
    db.expire_all()
    ride = db.get(PlannedRideAlong, day.ride.id)
    assert ride is not None and [s.name for s in ride.stops] == [
        org.plans["rep"].account.name,
        "Lakeside Infusion Center",
    ]
    # The same form again from an old page: changed meanwhile.
    stale = rep.post_form(f"{url}/preparation", form)
    assert stale.status_code == 412
    assert "Changed on another device meanwhile" in stale.get_data(as_text=True)

    done_url = f"{url}/agreements/{day.rep_agreement.id}/done"
    empty = rep.post_form(done_url, {"evidence": "  "})
    assert empty.status_code == 422
    assert "Add a line of evidence" in empty.get_data(as_text=True)
    assert (
        rep.post_form(done_url, {"evidence": "Sent Monday; pharmacy confirmed"}).status_code == 302
    )
    db.expire_all()
    assert day.rep_agreement.status == FollowUpStatus.DONE

    manager = signed_in(app, org, "manager")
    seen = manager.get(url).get_data(as_text=True)
    assert "“Sent Monday; pharmacy confirmed”" in seen
    assert "Getting past the budget objection with finance" in seen
    assert "Agree the P&amp;T submission date" in seen
    assert manager.post_form(f"{url}/preparation", preparation(org, day)).status_code == 403
    assert manager.post_form(done_url, {"evidence": "x"}).status_code == 403


def test_the_manager_captures_calls_and_writes_the_note(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    manager = signed_in(app, org, "manager")
    url = f"/ride-alongs/{day.ride.id}"
    page = manager.get(url).get_data(as_text=True)
    assert "Log a call" in page and "Write the note" in page and "No calls logged yet" in page
    first, second = day.competencies
    call = {
        "client_uuid": str(uuid.uuid4()),
        "guide_version_id": str(org.notes["shared"].guide_version_id),
        "stop": "",
        "account_name": "Corner pharmacy",
        "seen": [str(first), str(second)],
        f"score-{first}": "4",
        "evidence": "Walked the CFO through the budget-impact model",
    }
    refused = manager.post_form(f"{url}/calls", call)  # the second competency has no score
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Give each competency you ticked a rating" in text
    assert "Walked the CFO through the budget-impact model" in text
    call[f"score-{second}"] = "2"
    assert manager.post_form(f"{url}/calls", call).status_code == 302
    assert manager.post_form(f"{url}/calls", call).status_code == 302  # a double tap
    assert len(db.scalars(select(RideAlongCall)).all()) == 1
    fragment = manager.get(url, headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="section" id="calls"')
    assert "Corner pharmacy" in fragment and "Shares the plan 4" in fragment

    rep = signed_in(app, org, "rep")
    assert rep.post_form(f"{url}/calls", call).status_code == 403
    assert rep.get(url, headers=HX).status_code == 404
    assert "Corner pharmacy" not in rep.get(url).get_data(as_text=True)
    assert rep.post_form(f"{url}/note").status_code == 403
    for who in ("manager2", "director", "rep2"):
        assert signed_in(app, org, who).get(url).status_code == 404

    written = manager.post_form(f"{url}/note")
    assert written.status_code == 302
    found = re.search(r"/notes/(\d+)/edit$", written.headers["Location"])
    assert found
    note_id = int(found.group(1))
    debrief = manager.get(written.headers["Location"]).get_data(as_text=True)
    assert "Riley asked for help with" not in debrief  # the rep did not prepare
    assert "Ride-along day" in debrief
    assert "1 of 3 strengths, one per line" in debrief
    assert "1 of 2 focus areas, one per line" in debrief
    # Writing it again opens the same note.
    assert manager.post_form(f"{url}/note").headers["Location"] == written.headers["Location"]
    note = db.get(Note, note_id)
    assert note is not None and note.type.value == "ride_along"


def test_the_debrief_prompts_beside_vague_praise_and_updates_on_autosave(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    manager = signed_in(app, org, "manager")
    rep = signed_in(app, org, "rep")
    rep.post_form(f"/ride-alongs/{day.ride.id}/preparation", preparation(org, day))
    written = manager.post_form(f"/ride-alongs/{day.ride.id}/note")
    note_id = int(written.headers["Location"].split("/")[-2])
    debrief = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "Riley asked for help with: Getting past the budget objection" in debrief
    assert "Agree the P&amp;T submission date" in debrief  # each call's objective
    assert "one is needed to share" in debrief
    note = db.get(Note, note_id)
    assert note is not None
    form = {
        "version": str(note.version),
        "type": "ride_along",
        "occurred_on": note.occurred_on.isoformat(),
        f"score-{day.competencies[0]}": "3",
        "strengths": "Great job\nAsked the CFO what would change the vote",
        "development_focus": "Needs to improve",
        "private_notes": "",
    }
    saved = manager.post_form(f"/notes/{note_id}/edit", form, headers=HX)
    assert saved.status_code == 200
    text = saved.get_data(as_text=True)
    assert (
        'id="strengths-check" class="point-check" aria-live="polite" hx-swap-oob="outerHTML"'
        in text
    )
    assert "<q>Great job</q> Reads as general praise" in text
    assert "<q>Needs to improve</q> Reads as general advice" in text
    assert "2 of 3 strengths" in text
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    assert "<q>Great job</q>" in page and "<q>Asked the CFO" not in page
    # A prompt, not a block: the note shares.
    form["version"] = str(note.version + 1)
    shared = manager.post_form(f"/notes/{note_id}/share", form)
    assert shared.status_code == 302, shared.get_data(as_text=True)[:300]


def test_links_to_the_day_from_the_people_pages(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    url = f"/ride-alongs/{day.ride.id}"
    mine = signed_in(app, org, "rep").get("/my").get_data(as_text=True)
    assert f'href="{url}#prep-heading">Prepare it' in mine
    theirs = signed_in(app, org, "manager").get(f"/people/{org.people['rep'].id}")
    assert f'href="{url}"' in theirs.get_data(as_text=True)


def test_the_days_page_does_not_query_per_call(app: Flask, db: Session, org: Org, day: Day) -> None:
    from coachapp.ride_alongs import service as ride_alongs

    manager = signed_in(app, org, "manager")
    url = f"/ride-alongs/{day.ride.id}"
    first = day.competencies[0]

    def capture(n: int) -> None:
        for i in range(n):
            ride_alongs.capture_call(
                db,
                org.people["manager"],
                day.ride.id,
                {
                    "account_name": f"Account {i}",
                    "ratings": [{"competency_id": first, "score": 3}],
                    "evidence": f"Call {i}: asked about the formulary timeline",
                },
            )

    capture(2)
    few = statements_for(app, manager, url)
    capture(8)
    assert statements_for(app, manager, url) == few


def capture_groups(page: str) -> tuple[str, str]:
    """The capture form's competencies shown first, and those folded under "Other
    competencies" (with the <details> tag, to see whether it opens)."""
    form = page[page.index('id="capture"') :]
    form = form[: form.index("</form>")]
    if "more-competencies" not in form:
        return form, ""
    folded_at = form.index('<details class="more-competencies"')
    return form[:folded_at], form[folded_at:]


def test_the_capture_form_offers_the_reps_focus_and_the_days_ratings_first(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    manager = signed_in(app, org, "manager")
    url = f"/ride-alongs/{day.ride.id}"
    shares = day.competencies[0]
    # Nothing to go by yet: every competency, none folded.
    shown, folded = capture_groups(manager.get(url).get_data(as_text=True))
    assert "Shares the plan" in shown and "Listens" in shown and not folded

    db.add(
        DevelopmentFocus(
            rep_id=org.people["rep"].id, competency_key="listens", period="2026-H2",
            created_by_id=org.people["manager"].id,
        )
    )  # fmt: skip
    db.commit()
    shown, folded = capture_groups(manager.get(url).get_data(as_text=True))
    assert "Focus and rated today" in shown and "Listens" in shown
    assert "Shares the plan" not in shown
    assert "Other competencies (1)" in folded and "Shares the plan" in folded
    assert not re.search(r'<details class="more-competencies"\s+open', folded)

    # Refused with a folded competency ticked: it stays ticked, unfolded.
    call = {
        "client_uuid": str(uuid.uuid4()),
        "stop": "",
        "account_name": "Corner pharmacy",
        "seen": [str(shares)],
        "evidence": "",
    }
    refused = manager.post_form(f"{url}/calls", call)
    assert refused.status_code == 422
    shown, folded = capture_groups(refused.get_data(as_text=True))
    assert re.search(r'<details class="more-competencies"\s+open', folded)
    assert re.search(rf'id="seen-{shares}"[^>]*checked', folded)

    # Rated on a call of the day: offered first from then on.
    call[f"score-{shares}"] = "3"
    assert manager.post_form(f"{url}/calls", call).status_code == 302
    shown, folded = capture_groups(manager.get(url).get_data(as_text=True))
    assert "Shares the plan" in shown and "Listens" in shown and not folded


def account_choice(page: str) -> tuple[str | None, str]:
    """The capture form's chosen account: the checked stop's label (None for "another
    account") and the name field's value."""
    form = page[page.index('id="capture"') :]
    checked = re.search(
        r'<input type="radio" id="stop-(\w+)" name="stop" value="[^"]*" checked>', form
    )
    assert checked, "an account is chosen"
    label = re.search(rf'<label for="stop-{checked.group(1)}">([^<]+)</label>', form)
    name = re.search(r'id="account_name" name="account_name"[^>]*value="([^"]*)"', form)
    assert label and name
    return (None if checked.group(1) == "other" else label.group(1), name.group(1))


def test_calls_start_on_the_planned_account_then_keep_the_last_one(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    manager, rep = signed_in(app, org, "manager"), signed_in(app, org, "rep")
    url = f"/ride-alongs/{day.ride.id}"
    planned, other = org.plans["rep"], org.plans["other_rep_with_rep"]

    def log(**fields: str) -> None:
        call = {
            "client_uuid": str(uuid.uuid4()),
            "guide_version_id": str(org.notes["shared"].guide_version_id),
            "evidence": "Asked what would change the vote",
            **fields,
        }
        assert manager.post_form(f"{url}/calls", call).status_code == 302

    # The rep did not prepare: the account chosen when the ride was planned, typed in.
    assert account_choice(manager.get(url).get_data(as_text=True)) == (
        None,
        planned.account.name,
    )
    log(stop="", account_name="Corner pharmacy")
    assert account_choice(manager.get(url).get_data(as_text=True)) == (None, "Corner pharmacy")

    # The rep lists the day: another account first, then the planned one. A fresh day (no
    # call yet) starts on the planned account's stop, not simply the first.
    db.execute(RideAlongCall.__table__.delete())
    db.commit()
    prepared = rep.post_form(
        f"{url}/preparation",
        {
            "version": str(db.get(PlannedRideAlong, day.ride.id).version),  # type: ignore[union-attr]
            "plan": [str(other.id), str(planned.id)],
            f"objective-plan-{other.id}": "Meet the new nurse manager",
            f"objective-plan-{planned.id}": "Agree the P&T submission date",
        },
    )
    assert prepared.status_code == 302
    page = manager.get(url).get_data(as_text=True)
    chips = page[page.index('id="capture"') :]
    assert chips.index(other.account.name) < chips.index(planned.account.name)
    assert account_choice(page) == (planned.account.name, "")

    # After a call at the other account, the next call starts there.
    db.expire_all()
    ride = db.get(PlannedRideAlong, day.ride.id)
    assert ride is not None
    log(stop=str(next(s.id for s in ride.stops if s.plan_id == other.id)))
    assert account_choice(manager.get(url).get_data(as_text=True))[0] == other.account.name


def test_a_debrief_on_the_day_offers_first_what_the_calls_rated(
    app: Flask, db: Session, org: Org, day: Day
) -> None:
    """ "Log coaching" on the ride-along's day: a ride-along (planned that day), with the
    competency rated on the day's calls offered first and the rest folded."""
    from coachapp.ride_alongs import service as ride_alongs

    rated, other = day.competencies[1], day.competencies[0]
    ride_alongs.capture_call(
        db,
        org.people["manager"],
        day.ride.id,
        {
            "account_name": "Lakeside Infusion Center",
            "ratings": [{"competency_id": rated, "score": 2}],
            "evidence": "Interrupted the nurse manager twice",
        },
    )
    manager = signed_in(app, org, "manager")
    started = manager.post_form(
        f"/people/{org.people['rep'].id}/coaching",
        {"client_uuid": str(uuid.uuid4()), "another": "1"},
    )
    note_id = int(started.headers["Location"].split("/")[-2])
    note = db.get(Note, note_id)
    assert note is not None and note.type == NoteType.RIDE_ALONG
    page = manager.get(f"/notes/{note_id}/edit").get_data(as_text=True)
    first, folded = page.split('<details class="more-competencies"', 1)
    assert f'id="rating-{rated}"' in first and f'id="rating-{other}"' in folded
