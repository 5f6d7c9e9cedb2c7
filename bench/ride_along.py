"""The ride-along day, driven through the app's pages in Chromium at phone size.

The steps a rep and a manager take (plan the day, prepare it, close the last agreements,
capture calls, write the note), by accessible names, for the browser test of the day
(tests/browser/test_ride_along.py) and the screenshots of each step (bench.screenshots).
Each step waits for what the page shows when it is done; it asserts nothing about the
database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from bench import blind_rating
from bench.blind_rating import Shot, no_shot


@dataclass(frozen=True)
class Call:
    account: str  # the label of one of the day's accounts, or a name typed in
    ratings: dict[str, str]  # competency name -> scale label ("Proficient")
    evidence: str
    other: bool = False  # an account that is not one of the day's


def tap_label_of(page: Page, role: str, name: str) -> None:
    """Taps the visible label of a visually hidden checkbox or radio, as a thumb does. For a
    competency, "Other competencies" is unfolded first when the form folds some away."""
    if role == "checkbox":
        folded = page.locator("details.more-competencies:not([open]) > summary")
        if folded.count():
            folded.click()
    control = page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    page.locator(f"label[for='{control.get_attribute('id')}']").click()


def plan_day(manager: Page, rep_id: int, day: dt.date) -> int:
    """The manager plans the ride-along from the rep's page; its id."""
    manager.goto(f"/people/{rep_id}")
    manager.get_by_text("Plan a ride-along").click()
    manager.get_by_label("Day").fill(day.isoformat())
    manager.get_by_role("button", name="Plan ride-along").click()
    expect(manager.get_by_text("Ride-along planned.")).to_be_visible()
    link = manager.locator("#ride-along-heading ~ ul a[href^='/ride-alongs/']").first
    found = re.search(r"/ride-alongs/(\d+)", link.get_attribute("href") or "")
    assert found, "no link to the planned day"
    return int(found.group(1))


def prepare(
    rep: Page,
    ride_id: int,
    help_request: str,
    objectives: dict[str, str],
    others: dict[str, str],
    shot: Shot = no_shot,
) -> None:
    """The rep answers "What do you want help with?", ticks their accounts with an
    objective each and names the others."""
    rep.goto(f"/ride-alongs/{ride_id}")
    rep.get_by_label("What do you want help with?").fill(help_request)
    for account, objective in objectives.items():
        rep.get_by_role("checkbox", name=account).check()
        rep.get_by_label(f"Call objective at {account}").fill(objective)
    for index, (account, objective) in enumerate(others.items()):
        rep.locator(f"#other-name-{index}").fill(account)
        rep.locator(f"#other-objective-{index}").fill(objective)
    shot(rep, "ride-along-1-rep-prepares.png")
    rep.get_by_role("button", name="Save preparation").click()
    expect(rep.get_by_text("Preparation saved.")).to_be_visible()


def close_agreements(rep: Page, ride_id: int, evidence: str, shot: Shot = no_shot) -> int:
    """The rep marks each of their open agreements of the last note done, with a line of
    evidence; how many."""
    rep.goto(f"/ride-alongs/{ride_id}#agreements")
    done = 0
    while True:
        button = rep.locator("form.agreement-done button").first
        if not button.count():
            break
        form = rep.locator("form.agreement-done").first
        form.get_by_label("What shows it is done").fill(evidence)
        if done == 0:
            shot(rep, "ride-along-2-rep-closes-agreements.png")
        button.click()
        expect(rep.get_by_text("Marked done.")).to_be_visible()
        done += 1
    return done


def capture(manager: Page, call: Call) -> None:
    """The manager logs a call: the account, each competency observed with a rating, a line."""
    form = manager.locator("form[data-offline-call]")
    if call.other:
        tap_label_of(manager, "radio", "Another account")
        form.get_by_label("Account visited").fill(call.account)
    else:
        tap_label_of(manager, "radio", call.account)
    for competency, label in call.ratings.items():
        tap_label_of(manager, "checkbox", competency)
        tap_label_of(manager, "radio", f"{competency}: {label}")
    form.get_by_label("What you saw or heard").fill(call.evidence)
    form.get_by_role("button", name="Save call").click()


def write_note(manager: Page, ride_id: int) -> int:
    """ "Write the note" on the day's page; the note's id (its debrief is open)."""
    manager.goto(f"/ride-alongs/{ride_id}")
    manager.get_by_role("button", name="Write the note").click()
    manager.wait_for_url(re.compile(r"/notes/\d+/edit$"))
    found = re.search(r"/notes/(\d+)/edit$", manager.url)
    assert found
    return int(found.group(1))


# Screenshots of each step (python -m bench.screenshots) ----------------------------------

# The demo's manager@example.com and rep1@example.com (user 6, one account plan and an open
# agreement on their last note), and their director.
MANAGER, REP, REP_ID = "manager@example.com", "rep1@example.com", 6
DIRECTOR = "director@example.com"
# The blind self-rating steps' screenshots, under this story's names.
AFTER_THE_NOTE = {
    "blind-rate-first.png": "ride-along-12-rep-rates-blind.png",
    "blind-gap.png": "ride-along-13-rep-sees-the-gap.png",
    "blind-acknowledged.png": "ride-along-14-rep-acknowledges.png",
}
ENGAGEMENT = "Asks purposeful questions"
LISTENING = "Listens and responds with empathy"
NEXT_STEPS = "Agrees clear next steps"


def demo_calls(account: str) -> list[Call]:
    return [
        Call(
            account,
            {ENGAGEMENT: "Role model", LISTENING: "Building"},
            "Asked the CFO what would change the vote; talked over her answer",
        ),
        Call(
            "Lakeside Infusion Center",
            {LISTENING: "Developing"},
            "Interrupted the nurse manager twice while she described the infusion workflow",
        ),
        Call(
            "Corner pharmacy",
            {ENGAGEMENT: "Proficient", NEXT_STEPS: "Proficient"},
            "Left the dossier with a dated follow-up",
            other=True,
        ),
    ]


def take_screenshots(new_page: Callable[[str], Page], shot: Shot, day: dt.date) -> None:
    """The whole day on the demo organisation, a screenshot per step.

    new_page(email) gives a signed-in phone page; shot(page, file) saves what it shows."""
    director = new_page(DIRECTOR)
    director.goto("/org#quality-heading")
    shot(director, "ride-along-0-director-quality-before.png")
    manager, rep = new_page(MANAGER), new_page(REP)
    for page in (manager, rep):
        # The service worker installs first (its shell loads the offline page, which would
        # take a flash message meant for the page after a form post).
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    ride_id = plan_day(manager, REP_ID, day)
    rep.goto(f"/ride-alongs/{ride_id}")
    account = rep.locator(".stop input[type=checkbox]").first.evaluate(
        "box => box.labels[0].textContent"
    )
    prepare(
        rep,
        ride_id,
        "Getting past the budget objection with hospital finance",
        {account: "Agree the P&T submission date"},
        {"Lakeside Infusion Center": "Meet the new nurse manager"},
        shot,
    )
    close_agreements(rep, ride_id, "Booked for Thursday; the invitation is accepted", shot)
    manager.goto(f"/ride-alongs/{ride_id}")
    manager.reload()  # now controlled by the service worker: kept for use without signal
    shot(manager, "ride-along-3-manager-pre-brief.png")
    manager.context.set_offline(True)
    manager.reload()
    calls = demo_calls(account)
    for call in calls[:2]:
        capture(manager, call)
    form = manager.locator("form[data-offline-call]")
    last = calls[2]
    tap_label_of(manager, "radio", "Another account")
    form.get_by_label("Account visited").fill(last.account)
    for competency, label in last.ratings.items():
        tap_label_of(manager, "checkbox", competency)
        tap_label_of(manager, "radio", f"{competency}: {label}")
    form.get_by_label("What you saw or heard").fill(last.evidence)
    manager.locator("#capture").scroll_into_view_if_needed()
    shot(manager, "ride-along-4-capture-without-signal.png")
    form.get_by_role("button", name="Save call").click()
    expect(
        manager.get_by_text("Saved on this phone — will sync (3 items waiting).")
    ).to_be_visible()
    manager.locator("#calls").scroll_into_view_if_needed()
    shot(manager, "ride-along-5-calls-kept-on-the-phone.png")
    manager.context.set_offline(False)
    manager.evaluate("window.dispatchEvent(new Event('online'))")
    expect(manager.locator("#calls .count")).to_have_text("3")
    manager.locator("#calls").scroll_into_view_if_needed()
    shot(manager, "ride-along-6-calls-synced.png")
    write_note(manager, ride_id)
    shot(manager, "ride-along-7-note-opens-on-the-request.png")
    strengths = manager.get_by_label("Strengths in your words")
    strengths.evaluate("box => box.scrollIntoView({block: 'center'})")
    shot(manager, "ride-along-8-note-pre-filled.png")
    strengths.fill("Great job\nAsked the CFO what would change the vote")
    manager.get_by_label("Development focus in your words").fill("")
    manager.get_by_role("button", name="Share with rep").click()
    expect(manager.get_by_text("Add a development focus before sharing").first).to_be_visible()
    manager.locator("#strengths").evaluate("box => box.scrollIntoView({block: 'center'})")
    shot(manager, "ride-along-9-vague-praise-prompt.png")
    manager.locator("#development_focus").evaluate("box => box.scrollIntoView({block: 'center'})")
    shot(manager, "ride-along-10-focus-needed-to-share.png")
    manager.get_by_label("Development focus in your words").fill(
        "Summarise the customer's concern before answering it"
    )
    manager.get_by_role("button", name="Share with rep").click()
    manager.wait_for_url(re.compile(r"/notes/\d+$"))
    note_id = int(manager.url.rstrip("/").split("/")[-1])
    shot(manager, "ride-along-11-note-shared.png")

    def renamed(page: Page, name: str) -> None:
        shot(page, AFTER_THE_NOTE.get(name, name))

    rep.goto(f"/notes/{note_id}")
    scores = blind_rating.rate_every_behaviour(rep, ("Role model",))
    blind_rating.rate_yourself_blind(rep, note_id, scores, renamed)
    blind_rating.acknowledge(rep, note_id, renamed)
    director.goto("/org#quality-heading")
    shot(director, "ride-along-15-director-quality-after.png")
