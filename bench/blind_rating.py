"""Blind self-rating, the acknowledgement deadline, coaching quality and coach-the-coach notes,
driven through the app's pages in Chromium at phone size.

The steps people take, by accessible names, for the browser test
(tests/browser/test_blind_rating.py) and the screenshots of each step (bench.screenshots).
Each step waits for what the page shows when it is done; it asserts nothing about the
database.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

Shot = Callable[[Page, str], None]
# The files take_screenshots makes, in order.
FILES = (
    "blind-rate-first.png",
    "blind-gap.png",
    "blind-gap-manager.png",
    "deadline-missed-manager.png",
    "director-quality.png",
    "director-team-quality.png",
    "coach-the-coach-write.png",
    "coach-the-coach-read.png",
    "coach-the-coach-acknowledged.png",
)


def no_shot(_page: Page, _name: str) -> None:
    pass


def choose(page: Page, name: str) -> None:
    """Taps the label of a visually hidden radio button (a segment of a rating scale)."""
    control = page.get_by_role("radio", name=name, exact=True)
    page.locator(f"label[for='{control.get_attribute('id')}']").click()


def rate_yourself_blind(
    rep: Page, note_id: int, scores: dict[str, str], shot: Shot = no_shot
) -> None:
    """The rep opens a shared note, rates themself before seeing the manager's ratings
    (scores: competency name -> scale label), and lands on the ratings with the gap."""
    rep.goto(f"/notes/{note_id}")
    expect(rep.get_by_role("heading", name="Rate yourself first")).to_be_visible()
    shot(rep, "blind-rate-first.png")
    for competency, label in scores.items():
        choose(rep, f"{competency}: {label}")
    rep.get_by_role("button", name="Save self-rating").click()
    expect(
        rep.get_by_text("Your manager's ratings are open to you now, beside yours.")
    ).to_be_visible()
    expect(rep.get_by_role("heading", name="Rate yourself first")).to_have_count(0)
    shot(rep, "blind-gap.png")


def acknowledge(rep: Page, note_id: int, shot: Shot = no_shot) -> None:
    """The rep acknowledges the note with the comment as it is (talking points pre-filled)."""
    rep.goto(f"/notes/{note_id}")
    rep.get_by_role("button", name="Acknowledge").click()
    expect(rep.get_by_role("heading", name="Acknowledged", exact=False)).to_be_visible()
    shot(rep, "blind-acknowledged.png")


def quality_row(director: Page, manager_name: str) -> str:
    """The text of a manager's row in the director's coaching-quality table."""
    director.goto("/org")
    table = director.locator("table.quality")
    row = table.get_by_role("row").filter(has=director.get_by_role("rowheader", name=manager_name))
    return " ".join(row.inner_text().split())


def coach_the_coach(
    director: Page,
    manager: Page,
    manager_id: int,
    parts: dict[str, str],
    comment: str,
    shot: Shot = no_shot,
) -> None:
    """The director writes a situation/action/result note to a manager and shares it; the
    manager finds it on Today, reads it and acknowledges it with a comment."""
    director.goto(f"/coach-the-coach/new?manager_id={manager_id}")
    for label, text in parts.items():
        director.get_by_label(label, exact=True).fill(text)
    shot(director, "coach-the-coach-write.png")
    director.get_by_role("button", name="Share with manager").click()
    expect(director.get_by_text("Shared with")).to_be_visible()
    manager.goto("/today")
    manager.get_by_role("link", name="A note on your coaching from", exact=False).first.click()
    expect(manager.get_by_role("heading", name="Situation")).to_be_visible()
    manager.get_by_label("Your comment (optional)").fill(comment)
    shot(manager, "coach-the-coach-read.png")
    manager.get_by_role("button", name="Acknowledge").click()
    expect(manager.get_by_text("Acknowledged. Your director can see your comment.")).to_be_visible()
    director.reload()
    expect(director.get_by_text(comment)).to_be_visible()
    shot(director, "coach-the-coach-acknowledged.png")


def rate_every_behaviour(rep: Page, labels: tuple[str, ...]) -> dict[str, str]:
    """Scores for every behaviour on the rep's self-rating form, taking `labels` in turn."""
    names = rep.locator(".rate-first fieldset legend").all_inner_texts()
    return {name: labels[n % len(labels)] for n, name in enumerate(names)}


def take_screenshots(new_page: Callable[[str], Page], shot: Shot) -> None:
    """Each step at phone size on the demo organisation: rep2's note waiting past its deadline,
    rated blind, the gap for rep and manager, the director's quality figures, and a
    coach-the-coach note from the director to manager@example.com (user 3)."""
    rep = new_page("rep2@example.com")
    rep.goto("/notes")
    waiting = re.compile("Past the deadline|Rate yourself, then read the ratings")
    link = rep.get_by_role("link").filter(has_text=waiting).first
    note_id = int((link.get_attribute("href") or "").rstrip("/").split("/")[-1])
    rep.goto(f"/notes/{note_id}")
    scores = rate_every_behaviour(rep, ("Role model", "Developing", "Proficient"))
    rate_yourself_blind(rep, note_id, scores, shot)
    manager = new_page("manager@example.com")
    manager.goto(f"/notes/{note_id}")
    shot(manager, "blind-gap-manager.png")
    manager.goto("/notes")
    shot(manager, "deadline-missed-manager.png")
    director = new_page("director@example.com")
    director.goto("/org#quality-heading")
    shot(director, "director-quality.png")
    director.goto("/org/teams/3#quality-heading")
    shot(director, "director-team-quality.png")
    coach_the_coach(
        director,
        manager,
        3,
        {
            "Situation": "Your ride-along debrief with Jordan on Tuesday, in the car park.",
            "Action": "You asked Jordan to rate the call first, then gave two examples.",
            "Result": "Jordan named the next step himself. Keep asking before telling.",
        },
        "Thanks: I will try it with the whole team next week.",
        shot,
    )
