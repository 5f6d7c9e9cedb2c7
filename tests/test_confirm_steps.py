"""A destructive tap asks first, everywhere the same way and without JavaScript: the button
that acts sits in a confirm step (a <details class="confirm">) that states what will happen,
so one stray tap on a phone changes nothing. Sharing a note and acknowledging one stay one
tap: they are what the person came to do and are not destructive."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import CadenceTarget, DevelopmentFocus
from tests.access_matrix import add_plan_items, add_ride_along_day
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclass
class SubmitButton:
    """A submit button as a person meets it: its name, where it posts, and the confirm step
    around it (the summary tapped first and the question), if any."""

    name: str
    action: str
    value: str
    summary: str | None = None
    question: str | None = None


@dataclass
class _Confirm:
    summary: str = ""
    question: str = ""


@dataclass
class Buttons(HTMLParser):
    found: list[SubmitButton] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._confirms: list[_Confirm] = []
        self._text: list[str] | None = None  # collecting: a button's, a summary's, a question's
        self._into = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "details" and "confirm" in found.get("class", "").split():
            self._confirms.append(_Confirm())
        if tag == "summary" and self._inside_confirm_details():
            self._collect("summary")
        if tag == "p" and self._stack and "confirm-panel" in self._stack[-1][1].get("class", ""):
            self._collect("question")
        if tag == "button" and found.get("type", "submit") == "submit":
            form = next((a for t, a in reversed(self._stack) if t == "form"), {})
            action = found.get("formaction") or found.get("hx-post") or form.get("action", "")
            confirm = self._confirms[-1] if self._inside_confirm() else None
            self.found.append(
                SubmitButton(
                    found.get("aria-label", ""),
                    action,
                    found.get("value", ""),
                    confirm.summary if confirm else None,
                    confirm.question if confirm else None,
                )
            )
            self._collect("button")
        if tag not in VOID:
            self._stack.append((tag, found))

    def handle_data(self, data: str) -> None:
        # A summary is read as it is before the tap (not its "Keep it" once open).
        keep = any("confirm-keep" in a.get("class", "") for _, a in self._stack)
        if self._text is not None and not keep:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is not None and tag == {"summary": "summary", "question": "p"}.get(
            self._into, "button"
        ):
            text = " ".join("".join(self._text).split())
            if self._into == "button" and not self.found[-1].name:
                self.found[-1].name = text
            elif self._into == "summary":
                self._confirms[-1].summary = text
            elif self._into == "question":
                self._confirms[-1].question = text
            self._text = None
        while self._stack:
            closed, attrs = self._stack.pop()
            if closed == "details" and "confirm" in attrs.get("class", "").split():
                self._confirms.pop()
            if closed == tag:
                break

    def _collect(self, into: str) -> None:
        self._text, self._into = [], into

    def _inside_confirm(self) -> bool:
        return any(
            t == "details" and "confirm" in a.get("class", "").split() for t, a in self._stack
        )

    def _inside_confirm_details(self) -> bool:
        return bool(self._stack) and self._stack[-1][0] == "details" and self._inside_confirm()


def buttons_on(client: HttpsClient, path: str) -> list[SubmitButton]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parser = Buttons()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def asks_first(buttons: list[SubmitButton], action: str, *, value: str = "") -> SubmitButton:
    """The one button posting to `action` (with that value), checked to sit in a confirm step."""
    posting = [b for b in buttons if b.action == action and (not value or b.value == value)]
    assert posting, f"nothing posts to {action} on the page"
    for button in posting:
        assert button.summary and button.question, f"{button.name!r} acts in one tap"
        assert "?" in button.question, button.question
    assert len(posting) == 1, posting
    return posting[0]


def paths(app: Flask, **endpoints: dict[str, Any]) -> dict[str, str]:
    with app.test_request_context():
        return {name: url_for(name.replace("__", "."), **kw) for name, kw in endpoints.items()}


def test_coaching_follow_ups_focus_and_ride_along_ask_first(
    app: Flask, org: Org, db: Session
) -> None:
    manager = signed_in(app, org, "manager")
    rep, item, draft_item = (
        org.people["rep"],
        org.follow_ups["rep_shared"],
        org.follow_ups["rep_draft"],
    )
    day = add_ride_along_day(db, org)
    ride, call = day["ride"], day["call"]
    later = manager.post_form(
        f"/people/{rep.id}/ride-alongs",
        {"day": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
    )
    assert later.status_code == 302
    assert (
        manager.post_form(f"/people/{rep.id}/focus", {"competency_key": "listens"}).status_code
        == 302
    )
    db.expire_all()
    focus_id = db.scalars(
        select(DevelopmentFocus.id).where(DevelopmentFocus.rep_id == rep.id)
    ).one()
    url = paths(
        app,
        coaching__update_follow_up={"follow_up_id": item.id},
        coaching__remove_follow_up={
            "note_id": org.notes["draft"].id,
            "follow_up_id": draft_item.id,
        },
        coaching__discard={"note_id": org.notes["draft"].id},
        coaching__end_focus={"focus_id": focus_id},
        ride_alongs__remove_call={"ride_id": ride.id, "call_id": call.id},
    )

    done = asks_first(
        buttons_on(manager, "/follow-ups"), url["coaching__update_follow_up"], value="done"
    )
    assert done.name == f"Mark {item.title} done" and done.summary.startswith("Done")
    assert "Mark this follow-up done?" in (done.question or "")
    # "+1 week" only moves the date: one tap.
    later_button = next(
        b
        for b in buttons_on(manager, "/follow-ups")
        if b.value == "push-7" and b.action == url["coaching__update_follow_up"]
    )
    assert later_button.summary is None

    draft_page = buttons_on(manager, f"/notes/{org.notes['draft'].id}/edit")
    removed = asks_first(draft_page, url["coaching__remove_follow_up"])
    assert removed.name == f"Remove follow-up {draft_item.title}"
    asks_first(draft_page, url["coaching__discard"])
    share = [b for b in draft_page if b.name == "Share with rep"]
    assert share and all(b.summary is None for b in share), "sharing stays one tap"

    person = buttons_on(manager, f"/people/{rep.id}")
    end = asks_first(person, url["coaching__end_focus"])
    assert end.name == "End focus on Listens" and (end.summary or "").startswith("End focus on")
    cancels = [b for b in person if b.action.endswith("/cancel")]
    assert cancels and all(b.summary and b.question for b in cancels)

    ride_page = buttons_on(manager, f"/ride-alongs/{ride.id}")
    asks_first(ride_page, url["ride_alongs__remove_call"])


def test_acknowledging_stays_one_tap(app: Flask, org: Org) -> None:
    rep = signed_in(app, org, "rep")
    note = buttons_on(rep, f"/notes/{org.notes['shared'].id}")
    acknowledge = [b for b in note if b.name.startswith("Acknowledge")]
    assert acknowledge and all(b.summary is None for b in acknowledge)


def test_plan_items_devices_and_self_assessment_ask_first(
    app: Flask, org: Org, db: Session
) -> None:
    items = add_plan_items(db, org)
    plan = org.plans["rep"]
    rep = signed_in(app, org, "rep")
    url = paths(
        app,
        plans__delete_goal={"plan_id": plan.id, "item_id": items["goal"].id},
        plans__delete_action={"plan_id": plan.id, "item_id": items["action"].id},
        plans__delete_stakeholder={"plan_id": plan.id, "item_id": items["stakeholder"].id},
        plans__remove_team_member={"plan_id": plan.id, "user_id": org.people["rep2"].id},
        nudges__remove_device={"subscription_id": items["device"].id},
        coaching__rate_yourself={},
    )
    page = buttons_on(rep, f"/plans/{plan.id}")
    goal = asks_first(page, url["plans__delete_goal"])
    assert "Win the P&T vote" in (goal.question or "")
    asks_first(page, url["plans__delete_action"])
    asks_first(page, url["plans__delete_stakeholder"])
    member = asks_first(page, url["plans__remove_team_member"])
    assert member.name == f"Remove {org.people['rep2'].name} from the team"

    asks_first(buttons_on(rep, "/me/notifications"), url["nudges__remove_device"])

    version = org.notes["shared"].guide_version
    competency = version.sections[0].competencies[0]
    saved = rep.post_form(
        url["coaching__rate_yourself"],
        {"guide_version_id": str(version.id), f"self-{competency.id}": "3"},
    )
    assert saved.status_code == 302
    clear = asks_first(
        buttons_on(rep, url["coaching__rate_yourself"]), url["coaching__rate_yourself"], value="1"
    )
    assert clear.name == "Clear my self-assessment"


def test_admin_changes_ask_first(app: Flask, org: Org, db: Session) -> None:
    admin = signed_in(app, org, "admin")
    manager, rep = org.people["manager"], org.people["rep"]
    db.add(CadenceTarget(team_manager_id=manager.id, any_coaching_days=7, ride_along_days=21))
    db.commit()
    guide_id = org.guide_ids["main"]
    admin.post_form(f"/admin/guides/{guide_id}/draft")
    admin.post_form(f"/admin/guides/{guide_id}/sections", {"title": "Coordination"})
    page = buttons_on(admin, f"/admin/guides/{guide_id}")
    publish = asks_first(page, f"/admin/guides/{guide_id}/publish")
    assert publish.summary == "Publish version 2" and "never changes" in (publish.question or "")
    removes = [b for b in page if b.action.endswith("/delete")]
    assert len(removes) == 3  # two behaviours and the empty section
    for button in removes:
        asks_first(page, button.action)

    user_page = buttons_on(admin, f"/admin/users/{rep.id}")
    asks_first(user_page, f"/admin/users/{rep.id}/reset-password")
    deactivate = asks_first(user_page, f"/admin/users/{rep.id}/active")
    assert "signed out on every device" in (deactivate.question or "")

    targets = buttons_on(admin, "/admin/cadence-targets")
    asks_first(targets, f"/admin/cadence-targets/{manager.id}/delete")

    # Reactivating undoes nothing: one tap.
    admin.post_form(f"/admin/users/{rep.id}/active", {"active": "0"})
    reactivate = [
        b for b in buttons_on(admin, f"/admin/users/{rep.id}") if b.action.endswith("/active")
    ]
    assert [b.summary for b in reactivate] == [None]


def test_the_first_tap_sends_nothing(app: Flask, org: Org) -> None:
    """The step's first button is a <summary>: it opens the question and posts nothing."""
    admin = signed_in(app, org, "admin")
    page = admin.get(f"/admin/users/{org.people['rep'].id}").get_data(as_text=True)
    start = page.index('<details class="confirm')
    summary = page[start : page.index("</summary>", start)]
    assert "<summary" in summary and "<button" not in summary and 'type="submit"' not in summary
