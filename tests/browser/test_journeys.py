"""A learning journey at 390x844 in Chromium, on the demo organisation: a rep of manager@
whose focus starts the "Executing the account plan" journey opens a pulse and answers the
exercise on one of their accounts from the phone; manager@ finds the answer in the pre-brief
of their next ride-along together and marks it reviewed. Again in Spanish, the answer written
without signal and sent once when it returns."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from coachapp.coaching import focus as focus_service
from coachapp.db import get_session, utcnow
from coachapp.journeys.schedule import _release
from coachapp.models import (
    AccountPlan,
    DevelopmentFocus,
    ExerciseSubmission,
    JourneyEnrolment,
    PlannedRideAlong,
    User,
)
from tests.browser.conftest import PageProblems, wait_until
from tests.browser.test_layout import looks_right
from tests.browser.test_offline import NOTHING_WAITING

pytestmark = pytest.mark.browser

KEY = "plan_execution"
ANSWER = "Agreed a new date for the formulary review with the pharmacy director: 14 March."


def a_rep_on_the_journey(app: Flask) -> tuple[str, int, int]:
    """(the rep's email, their enrolment, a ride-along with manager@ tomorrow): a rep of
    manager@ with a plan and room for the focus, their journey's every step reached."""
    with app.app_context():
        db = get_session()
        manager = db.scalars(select(User).where(User.email == "manager@example.com")).one()
        reps = db.scalars(
            select(User).where(User.manager_id == manager.id).order_by(User.email)
        ).all()
        for rep in reps:
            focuses = db.scalars(
                select(DevelopmentFocus).where(
                    DevelopmentFocus.rep_id == rep.id, DevelopmentFocus.active.is_(True)
                )
            ).all()
            has_plan = db.scalar(select(func.count()).where(AccountPlan.owner_id == rep.id))
            if has_plan and len(focuses) < 2 and all(f.competency_key != KEY for f in focuses):
                break
        else:
            raise AssertionError("a rep of manager@ has room for another focus")
        focus = focus_service.set_focus(db, manager, rep.id, KEY, utcnow().date())
        enrolment = db.scalars(
            select(JourneyEnrolment).where(JourneyEnrolment.focus_id == focus.id)
        ).one()
        now = utcnow()
        for n, step in enumerate(enrolment.version.steps):
            _release(db, enrolment.id, step.id, now + dt.timedelta(seconds=n))
        ride = PlannedRideAlong(
            rep_id=rep.id, manager_id=manager.id, day=now.date() + dt.timedelta(days=1)
        )
        db.add(ride)
        db.commit()
        return rep.email, enrolment.id, ride.id


def test_a_rep_answers_an_exercise_and_the_manager_reads_it_in_the_pre_brief(
    live_app: Flask, signed_in_phone: Callable[..., Page]
) -> None:
    email, enrolment_id, ride_id = a_rep_on_the_journey(live_app)
    rep = signed_in_phone(email)
    rep.goto("/journeys")
    expect(rep.get_by_role("heading", name="Executing the account plan")).to_be_visible()
    looks_right(rep)
    # A pulse: the 2-minute read.
    rep.get_by_role("link", name="Two minutes on dated next steps").click()
    expect(rep.get_by_role("heading", name="Two minutes on dated next steps")).to_be_visible()
    rep.go_back()
    rep.get_by_role("link", name="Close one overdue action with your account team").click()
    rep.get_by_label("Account").select_option(index=1)
    rep.get_by_label("What you did and found").fill(ANSWER)
    looks_right(rep)
    rep.get_by_role("button", name="Send to my manager").click()
    expect(rep.get_by_text("Sent to your manager.")).to_be_visible()
    expect(rep.get_by_text(ANSWER)).to_be_visible()
    with live_app.app_context():
        db = get_session()
        assert (
            db.scalar(
                select(func.count())
                .select_from(ExerciseSubmission)
                .where(ExerciseSubmission.text == ANSWER)
            )
            == 1
        )

    manager = signed_in_phone("manager@example.com")
    manager.goto(f"/ride-alongs/{ride_id}")
    expect(manager.get_by_role("heading", name="Learning journey exercises")).to_be_visible()
    expect(manager.get_by_text(ANSWER)).to_be_visible()
    looks_right(manager)
    manager.get_by_role("button", name="Mark reviewed: Close one overdue action").click()
    expect(manager.get_by_text("Marked reviewed")).to_be_visible()
    with live_app.app_context():
        enrolment = get_session().get(JourneyEnrolment, enrolment_id)
        assert enrolment is not None and all(p.opened_at for p in enrolment.progress[:2])


@contextmanager
def speaking_spanish(app: Flask, *emails: str) -> Iterator[None]:
    """These people read Spanish for the test, and their browser's language again after it:
    the other browser tests share the demo and read it in English."""

    def choose(language: str) -> None:
        with app.app_context():
            db = get_session()
            for email in emails:
                db.scalars(select(User).where(User.email == email)).one().language = language
            db.commit()

    choose("es")
    try:
        yield
    finally:
        choose("")


def test_in_spanish_a_rep_answers_without_signal_and_the_manager_reads_it_once(
    live_app: Flask, signed_in_phone: Callable[..., Page], page_problems: PageProblems
) -> None:
    """The same journey in Spanish, the answer written with no connection: kept on the phone,
    sent once the connection returns, one answer however often; the manager, also reading in
    Spanish, finds it in the pre-brief."""
    page_problems.expect(r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_FAILED")
    email, _enrolment_id, ride_id = a_rep_on_the_journey(live_app)
    with speaking_spanish(live_app, email, "manager@example.com"):
        answer_offline_in_spanish(live_app, signed_in_phone, email, ride_id)


def answer_offline_in_spanish(
    live_app: Flask, signed_in_phone: Callable[..., Page], email: str, ride_id: int
) -> None:
    answer = f"Sin cobertura: fecha nueva para la revisión del formulario, {time.time_ns()}."
    rep = signed_in_phone(email)
    rep.goto("/journeys")
    expect(rep.get_by_role("heading", name="Tu itinerario de aprendizaje")).to_be_visible()
    expect(rep.get_by_text("Lectura de 2 minutos").first).to_be_visible()
    rep.get_by_role("link", name="Close one overdue action with your account team").click()
    expect(rep.get_by_role("heading", name="Tu respuesta")).to_be_visible()
    rep.evaluate("navigator.serviceWorker.ready.then(() => true)")
    rep.reload()
    wait_until(rep, "navigator.serviceWorker.controller !== null")

    rep.context.set_offline(True)
    rep.get_by_label("Cuenta").select_option(index=1)
    rep.get_by_label("Qué hiciste y qué encontraste").fill(answer)
    looks_right(rep)
    rep.get_by_role("button", name="Enviar a mi gerente").click()
    # The scripts say it in the page's language too.
    expect(
        rep.get_by_text("Guardado en este teléfono: se sincronizará (1 elemento en espera).")
    ).to_be_visible()
    expect(rep.get_by_text("will sync")).to_have_count(0)

    def answers() -> int:
        with live_app.app_context():
            return int(
                get_session().scalar(
                    select(func.count())
                    .select_from(ExerciseSubmission)
                    .where(ExerciseSubmission.text == answer)
                )
                or 0
            )

    assert answers() == 0
    rep.context.set_offline(False)
    rep.goto("/journeys")
    deadline = time.monotonic() + 15
    while not answers():
        assert time.monotonic() < deadline, "the kept answer was not sent"
        rep.wait_for_timeout(200)
    rep.reload()
    wait_until(rep, NOTHING_WAITING)
    assert answers() == 1

    manager = signed_in_phone("manager@example.com")
    manager.goto(f"/ride-alongs/{ride_id}")
    expect(
        manager.get_by_role("heading", name="Ejercicios del itinerario de aprendizaje")
    ).to_be_visible()
    expect(manager.get_by_text(answer)).to_be_visible()
    expect(manager.locator("html")).to_have_attribute("lang", "es")
