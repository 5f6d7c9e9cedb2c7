"""Cadence figures on an organisation with a known history, judged on a fixed clock.

See tests/dashboard/history.py for who was coached when. Each test asserts figures one by one,
so a wrong figure names itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from coachapp.coaching.cadence import (
    CadenceStatus,
    Focus,
    cadence_for_reps,
    cadence_status,
    load_cadence,
)
from coachapp.dashboard.service import (
    CadenceFilters,
    cadence_rows,
    dashboard,
    figures_for_children,
    teams_of,
)
from coachapp.models import NoteStatus, NoteType, Role, User
from tests.builders import make_follow_up, make_guide_version, make_note
from tests.dashboard.history import NOW, TODAY, History, day, held, person


def figures(db: Session, h: History, *names: str, window: int = 90) -> dict[str, object]:
    reps = [h[name] for name in names]
    found = cadence_for_reps(db, reps, NOW, window)
    return {name: found[h[name].id] for name in names}


def test_status_thresholds_against_a_14_day_target() -> None:
    assert cadence_status(None, 14) == CadenceStatus.NEVER
    assert cadence_status(0, 14) == CadenceStatus.ON_TRACK
    assert cadence_status(10, 14) == CadenceStatus.ON_TRACK  # below three quarters (10.5)
    assert cadence_status(11, 14) == CadenceStatus.DUE_SOON
    assert cadence_status(14, 14) == CadenceStatus.DUE_SOON  # the last day within target
    assert cadence_status(15, 14) == CadenceStatus.OVERDUE


def test_a_rep_with_a_known_history(db: Session, h: History) -> None:
    ana = figures(db, h, "ana")["ana"]
    assert ana.today == TODAY
    # 3 March is the last shared note: the draft of 9 March and the note dated 17 March
    # (typed ahead) do not count.
    assert ana.last_coached_on == day(3, 3)
    assert ana.days_since_last == 7
    assert ana.target_days == 14
    assert ana.status == CadenceStatus.ON_TRACK
    assert ana.next_due_on == day(3, 17)
    assert ana.days_until_due == 7
    # The window of 90 days is 11 December to 10 March: the note of 1 December is outside.
    assert ana.window_start == day(12, 11, 2025)
    assert ana.sessions_in_window == 3
    assert ana.ride_alongs_in_window == 2
    assert ana.last_ride_along_on == day(2, 24)
    assert ana.days_since_ride_along == 14
    assert ana.ride_along_target_days == 30
    assert ana.ride_along_status == CadenceStatus.ON_TRACK
    # Acknowledged 2, 10 and 48 hours after sharing.
    assert ana.notes_shared == 3
    assert ana.notes_acknowledged == 3
    assert ana.acknowledged_share == 1.0
    assert ana.hours_to_acknowledge == (2.0, 10.0, 48.0)
    assert ana.median_hours_to_acknowledge == 10.0
    # Open: due 1 March and 5 March (a plan action), both overdue; due 20 March. Not counted:
    # the cancelled one and the one on a draft.
    assert ana.open_follow_ups == 3
    assert ana.overdue_follow_ups == 2
    # Due in the window before today: 20 Feb (done), 1 March and 5 March (open).
    assert ana.follow_ups_due == 3
    assert ana.follow_ups_done == 1
    assert ana.follow_up_completion == pytest.approx(1 / 3)
    # The active focus only, named as in the guide.
    assert ana.focus == (Focus("shares_plan", "Shares the plan"),)


def test_a_rep_with_no_sessions(db: Session, h: History) -> None:
    ben = figures(db, h, "ben")["ben"]
    assert ben.status == CadenceStatus.NEVER
    assert ben.label == "Not yet coached"
    assert (ben.last_coached_on, ben.days_since_last, ben.next_due_on) == (None, None, None)
    assert ben.sessions_in_window == 0 and ben.ride_alongs_in_window == 0
    assert ben.ride_along_status == CadenceStatus.NEVER
    assert ben.acknowledged_share is None and ben.median_hours_to_acknowledge is None
    assert ben.follow_up_completion is None
    assert (ben.open_follow_ups, ben.overdue_follow_ups) == (0, 0)
    assert ben.urgency < figures(db, h, "dan")["dan"].urgency  # never coached comes first


def test_due_soon_overdue_and_a_team_target(db: Session, h: History) -> None:
    found = figures(db, h, "cat", "dan", "gus")
    cat, dan, gus = found["cat"], found["dan"], found["gus"]
    assert (cat.days_since_last, cat.status, cat.days_until_due) == (14, "due_soon", 0)
    assert cat.ride_along_status == CadenceStatus.NEVER  # a virtual call is no ride-along
    assert (cat.notes_shared, cat.notes_acknowledged, cat.acknowledged_share) == (1, 0, 0.0)
    assert (dan.days_since_last, dan.status, dan.days_until_due) == (15, "overdue", -1)
    # manager_b's team: every 7 days, a ride-along every 20.
    assert (gus.target_days, gus.ride_along_target_days) == (7, 20)
    assert (gus.days_since_last, gus.status) == (1, "on_track")


def test_a_rep_who_moved_teams_keeps_their_history_under_the_new_target(
    db: Session, h: History
) -> None:
    eve = figures(db, h, "eve")["eve"]
    assert eve.manager_id == h["manager_a"].id
    assert eve.last_coached_on == day(3, 1)  # coached by manager_b before the move
    assert eve.target_days == 14  # manager_a's team has the organisation's target
    assert eve.last_ride_along_on == day(3, 1)
    teams, _ = teams_of(db, h["director"], CadenceFilters(), NOW, TODAY)
    by_manager = {t.manager.name if t.manager else None: t for t in teams}
    assert "Eve Moved" in [r.rep.name for r in by_manager["Alma Able"].rows]
    assert [r.rep.name for r in by_manager["Bo Baker"].rows] == ["Gus Good"]


def test_deactivated_people(db: Session, h: History) -> None:
    teams, book = teams_of(db, h["director"], CadenceFilters(), NOW, TODAY)
    names = [t.manager.name if t.manager else None for t in teams]
    # A deactivated manager's team still shows while reps report to them.
    assert names == ["Alma Able", "Bo Baker", "Cy Gone"]
    cy = teams[2]
    assert cy.manager is not None and not cy.manager.active
    assert [r.rep.name for r in cy.rows] == ["Hal Orphan"]
    # A deactivated rep is in no figure.
    assert h["fay"].id not in book.reps
    assert "Fay Former" not in [r.rep.name for t in teams for r in t.rows]


def test_a_team_adds_up_its_reps(db: Session, h: History) -> None:
    teams, _ = teams_of(db, h["director"], CadenceFilters(), NOW, TODAY)
    team = teams[0]
    assert team.manager == h["manager_a"]
    # Who needs coaching next first: never coached, then the most overdue, then by due date.
    assert [r.rep.name for r in team.rows] == [
        "Ben Blank", "Dan Due", "Cat Coast", "Eve Moved", "Ana Ahead",
    ]  # fmt: skip
    s = team.summary
    assert s.rep_count == 5
    assert (s.within_target, s.behind) == (3, 2)  # Ana, Cat (due soon), Eve; Ben, Dan
    assert s.within_target_share == 0.6
    assert s.by_status == {"on_track": 2, "due_soon": 1, "overdue": 1, "never": 1}
    assert (s.sessions_in_window, s.ride_alongs_in_window) == (6, 3)
    assert s.behind_on_ride_alongs == 3  # Ben, Cat and Dan have had none
    assert (s.notes_shared, s.notes_acknowledged) == (6, 5)
    # The median of every acknowledged note (2, 4, 10, 30, 48 h), not a median of medians.
    assert s.median_hours_to_acknowledge == 10.0
    assert (s.open_follow_ups, s.overdue_follow_ups) == (4, 3)
    assert (s.follow_ups_due, s.follow_ups_done) == (4, 1)
    assert s.follow_up_completion == 0.25
    assert s.focus() == [(Focus("shares_plan", "Shares the plan"), 1)]


def test_thirteen_weekly_points(db: Session, h: History) -> None:
    teams, _ = teams_of(db, h["director"], CadenceFilters(), NOW, TODAY, trend_weeks=13)
    trends = teams[0].trends
    assert trends is not None
    conversations = trends.conversations
    assert len(conversations.values) == 13
    assert conversations.week_ends[-1] == TODAY
    assert conversations.week_ends[0] == TODAY - dt.timedelta(weeks=12)
    # Weeks ending 10 March (4-10 March), 3 March and 24 February.
    assert conversations.values[-3:] == (3.0, 2.0, 0.0)
    # Within target at each week's end: on 3 March all but Ben; on 10 March Ana, Cat, Eve.
    assert trends.within_target.values[-2:] == (80.0, 60.0)
    # Follow-ups by the week they were due: 20 Feb done; 1 March open; 5 and 9 March open.
    assert trends.follow_up_completion.values[-3:] == (100.0, 0.0, 0.0)
    assert trends.follow_up_completion.values[0] is None  # nothing due then


def test_a_rep_counts_in_coverage_only_from_when_they_joined(db: Session, h: History) -> None:
    newcomer = person(
        db, name="Nia New", manager_id=h["manager_a"].id,
        created_at=dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
    )  # fmt: skip
    db.commit()
    book = load_cadence(db, [h["ana"], newcomer], NOW, trend_weeks=13)
    trend = book.trends([h["ana"].id, newcomer.id], TODAY).within_target
    assert trend.values[-2] == 100.0  # 3 March: Ana only; Nia had not joined
    assert trend.values[-1] == 50.0  # 10 March: Nia is there and not coached yet


def test_the_heatmap_averages_ratings_per_current_team(db: Session, h: History) -> None:
    director = h["director"]
    heat = figures_for_children(db, director, director, CadenceFilters(), NOW, TODAY)
    assert heat.competencies == (("shares_plan", "Shares the plan"), ("listens", "Listens"))
    a, b, c = heat.rows
    # Team A (Eve's rating by manager_b included; Fay's and the future note's not):
    # shares_plan 4, 4, 4, 3, 3, 1; listens 4, 2, 2, 3, 3, 1.
    shares = a.cell("shares_plan")
    assert (shares.count, round(shares.average or 0, 3), shares.level) == (6, 3.167, 3)
    listens = a.cell("listens")
    assert (listens.count, listens.average, listens.level) == (6, 2.5, 3)
    # One rating is too few to average: shown as such, not as a colour.
    few = b.cell("shares_plan")
    assert (few.count, few.enough, few.level) == (1, False, None)
    assert c.cell("listens").count == 0
    overall = heat.total_cell("shares_plan")
    assert overall.count == 7 and overall.average == pytest.approx(22 / 7)


def test_not_observed_ratings_are_not_averaged(db: Session, h: History) -> None:
    held(db, h, "manager_b", "gus", day(3, 2), scores=(None, 2))
    db.commit()
    director = h["director"]
    b = figures_for_children(db, director, director, CadenceFilters(), NOW, TODAY).rows[1]
    assert b.leader == h["manager_b"]
    assert b.cell("shares_plan").count == 1
    assert b.cell("listens").count == 2


def test_filters_by_region_function_and_period(db: Session, h: History) -> None:
    director = h["director"]

    def names(filters: CadenceFilters) -> set[str]:
        return {r.rep.name for r in cadence_rows(db, director, filters, NOW)}

    everyone = {"Ana Ahead", "Ben Blank", "Cat Coast", "Dan Due", "Eve Moved", "Gus Good"}
    assert names(CadenceFilters()) == everyone | {"Hal Orphan"}
    assert names(CadenceFilters(region="Southeast")) == {"Ben Blank"}
    assert names(CadenceFilters(function="reimbursement")) == {"Ben Blank"}
    assert names(CadenceFilters(region="Northeast", function="sales")) == {
        "Ana Ahead", "Cat Coast", "Dan Due", "Eve Moved",
    }  # fmt: skip
    assert names(CadenceFilters(manager_id=h["manager_b"].id)) == {"Gus Good"}
    # A 30-day window: only Ana's notes of 24 February and 3 March remain.
    ana = {r.rep.name: r.cadence for r in cadence_rows(db, director, CadenceFilters(30), NOW)}
    assert ana["Ana Ahead"].sessions_in_window == 2
    assert ana["Ana Ahead"].last_coached_on == day(3, 3)  # the last coaching is not windowed


def test_a_director_sees_only_their_subtree(db: Session, h: History) -> None:
    director, director2 = h["director"], h["director2"]
    board = dashboard(db, director, director, CadenceFilters(), NOW, TODAY)
    assert [row.leader.name for row in board.rows] == ["Alma Able", "Bo Baker", "Cy Gone"]
    assert board.figures.total.rep_count == 7
    assert board.regions == ["Midwest", "Northeast", "Southeast"]
    other = dashboard(db, director2, director2, CadenceFilters(), NOW, TODAY)
    assert [row.leader.name for row in other.rows] == ["Far Manager"]
    assert other.figures.total.rep_count == 1
    assert other.regions == ["Northeast"]


def test_admins_see_no_coaching_figures(db: Session, h: History) -> None:
    admin = person(db, role=Role.ADMIN, name="Ada Admin")
    db.commit()
    assert cadence_rows(db, admin, CadenceFilters(), NOW) == []


# Time zones around midnight --------------------------------------------------------------------

JUST_BEFORE_LA_MIDNIGHT = dt.datetime(2026, 3, 10, 6, 30, tzinfo=dt.UTC)  # LA: 9 March 23:30


@pytest.fixture
def night(db: Session) -> dict[str, User]:
    director = person(db, role=Role.DIRECTOR, name="Dai Tokyo", timezone="Asia/Tokyo")
    manager = person(
        db, role=Role.MANAGER, name="Mae Night", timezone="Pacific/Honolulu",
        manager_id=director.id,
    )  # fmt: skip
    people = {"director": director, "manager": manager}
    version = make_guide_version(db)
    for key, zone in (("la", "America/Los_Angeles"), ("berlin", "Europe/Berlin")):
        rep = person(db, name=f"Rep {key}", manager_id=manager.id, timezone=zone)
        people[key] = rep
        for on in (day(3, 9), day(2, 8)):
            make_note(
                db, manager, rep, NoteStatus.ACKNOWLEDGED, guide_version=version,
                occurred_on=on, type=NoteType.ONE_ON_ONE,
                shared_at=dt.datetime.combine(on, dt.time(1), tzinfo=dt.UTC),
                acknowledged_at=dt.datetime.combine(on, dt.time(2), tzinfo=dt.UTC),
            )  # fmt: skip
        make_follow_up(db, rep, manager, due_date=day(3, 9))
    db.commit()
    return people


def test_each_rep_is_judged_on_their_own_local_date(db: Session, night: dict[str, User]) -> None:
    reps = [night["la"], night["berlin"]]
    before = cadence_for_reps(db, reps, JUST_BEFORE_LA_MIDNIGHT, 30)
    la, berlin = before[night["la"].id], before[night["berlin"].id]
    # Los Angeles is still on 9 March: coached today, the follow-up due today is not late,
    # and 8 February is the first day of its 30-day window.
    assert (la.today, la.days_since_last, la.overdue_follow_ups) == (day(3, 9), 0, 0)
    assert la.sessions_in_window == 2
    # Berlin is on 10 March: a day since, the follow-up is late, 8 February fell out.
    assert (berlin.today, berlin.days_since_last, berlin.overdue_follow_ups) == (day(3, 10), 1, 1)
    assert berlin.sessions_in_window == 1

    after = cadence_for_reps(db, reps, JUST_BEFORE_LA_MIDNIGHT + dt.timedelta(hours=1), 30)
    la = after[night["la"].id]
    assert (la.today, la.days_since_last, la.overdue_follow_ups) == (day(3, 10), 1, 1)
    assert la.sessions_in_window == 1


def test_the_viewers_time_zone_does_not_change_a_reps_figures(
    db: Session, night: dict[str, User]
) -> None:
    """The manager in Honolulu (still 9 March) and a viewer in Tokyo (10 March) agree."""
    for viewer in (night["manager"], night["director"]):
        rows = cadence_rows(db, viewer, CadenceFilters(30), JUST_BEFORE_LA_MIDNIGHT)
        seen = {
            r.rep.timezone: (r.cadence.days_since_last, r.cadence.overdue_follow_ups) for r in rows
        }
        assert seen == {"America/Los_Angeles": (0, 0), "Europe/Berlin": (1, 1)}, viewer.name


def test_follow_ups_on_drafts_stay_out_even_when_overdue(db: Session, h: History) -> None:
    before = figures(db, h, "ben")["ben"]
    make_follow_up(
        db, h["ben"], h["manager_a"], session_id=h.notes["ben_draft"].id, due_date=day(1, 1)
    )
    db.commit()
    after = figures(db, h, "ben")["ben"]
    assert (after.open_follow_ups, after.overdue_follow_ups) == (before.open_follow_ups, 0)
