"""The main flows with the keyboard only, on a phone-sized page: no mouse, no tap.

Tab, Shift+Tab, Enter, Space, arrow keys and typing, nothing else: a manager signs in, goes
to a rep, logs coaching (ratings with the segmented controls, a strength and a focus chip, a
follow-up) and shares it; the rep signs in, opens the note, acknowledges it with a comment and
marks the follow-up done; the director opens Teams and drills down to a team and a rep.

On the way, after every key press: focus is somewhere (never lost to <body>, also after an
htmx swap), it shows (the focused control, or the label that draws its ring, has an outline or
a box-shadow from :focus-visible), and it is on screen, not under the sticky title bar, the
bottom navigation or the debrief's share bar. Every page's first Tab reaches a visible "Skip
to content" link that moves focus to the main content. On the debrief form, Tab follows the
order the controls are shown in.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from coachapp.db import get_session
from coachapp.demo import DEMO_PASSWORD
from coachapp.models import AccountPlan, PlanStatus, User

pytestmark = pytest.mark.browser

REP_EMAIL = "rep2@example.com"
FOLLOW_UP = "Book the MSL for the P&T prep (keyboard)"
COMMENT = "Agreed, I will bring the MSL to the next call."
PLAN_OWNER = "rep2@example.com"
NEW_GOAL = "Add the cancer centre to the pathway (keyboard)"
# Pixels of slack when comparing positions: controls on one line may differ by a border.
SAME_LINE = 8

# Where focus is and whether a person can see it. A visually hidden radio or checkbox shows
# its ring on its label (`input:focus-visible + label`), so the ring may be on a label.
FOCUS_STATE = """
() => {
  const el = document.activeElement;
  const describe = (node) => {
    const id = node.id ? "#" + node.id : "";
    const classes = typeof node.className === "string" && node.className.trim()
      ? "." + node.className.trim().split(/\\s+/).join(".") : "";
    const text = (node.getAttribute("aria-label") || node.innerText || node.value || "").trim();
    return `${node.tagName.toLowerCase()}${id}${classes} "${text.slice(0, 50)}"`;
  };
  if (!el || el === document.body || el === document.documentElement) {
    return {lost: true, what: el ? el.tagName.toLowerCase() : "nothing"};
  }
  const seen = (node) => {
    const b = node.getBoundingClientRect();
    return getComputedStyle(node).opacity !== "0" && b.width > 2 && b.height > 2;
  };
  const ringed = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    return seen(node) && (outline || (style.boxShadow && style.boxShadow !== "none"));
  };
  const labels = el.labels ? [...el.labels] : [];
  const ring = [el, ...labels].find(ringed) || null;
  const shown = ring || el;
  const box = shown.getBoundingClientRect();
  const inView = box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight
    && box.right > 0 && box.left < innerWidth;
  let coveredBy = null;
  if (inView) {
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    // The topmost thing a person sees there: hidden radios and checkboxes are see-through.
    const hit = document.elementsFromPoint(x, y).find(seen);
    const ours = hit && (shown.contains(hit) || hit.contains(shown) || el.contains(hit)
      || labels.some((label) => label.contains(hit)));
    if (hit && !ours) coveredBy = describe(hit);
  }
  return {
    lost: false,
    what: describe(el),
    tag: el.tagName.toLowerCase(),
    id: el.id,
    ring: ring !== null,
    inView,
    coveredBy,
    box: [box.left, box.top, box.right, box.bottom].map(Math.round).join(",")
      + ` in ${innerWidth}x${innerHeight}, scrolled ${Math.round(scrollY)}`
      + ` of ${document.documentElement.scrollHeight - innerHeight}`,
    top: box.top + scrollY,
    left: box.left + scrollX,
    inForm: el.closest("#debrief, #follow-ups") !== null,
  };
}
"""


class KeyboardUser:
    """Presses keys on a page and checks focus after each one."""

    def __init__(self, page: Page, who: str) -> None:
        self.page = page
        self.who = who
        self.presses = 0

    def focus(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate(FOCUS_STATE)
        return state

    def check(self, after: str) -> dict[str, Any]:
        state = self.focus()
        where = f"{self.who} on {self.page.url} after {after}"
        assert not state["lost"], f"{where}: focus lost to {state['what']}"
        if state["id"] == "main":
            return state  # the skip link's target: the page's content, not a control
        assert state["ring"], f"{where}: {state['what']} shows no focus ring"
        assert state["inView"], f"{where}: {state['what']} is focused off screen"
        assert not state["coveredBy"], (
            f"{where}: {state['what']} ({state['box']}) is focused under {state['coveredBy']}"
        )
        return state

    def press(self, key: str) -> dict[str, Any]:
        self.page.keyboard.press(key)
        self.presses += 1
        return self.check(key)

    def press_unchecked(self, key: str) -> None:
        """A key that leaves the page or starts a swap: the caller waits, then checks."""
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab_to(self, target: Locator, *, backwards: bool = False, limit: int = 120) -> None:
        """Tabs (or Shift+Tabs) until the target, or something inside it, has focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.press(key)
            if target.evaluate("(el) => el.contains(document.activeElement)"):
                return
        raise AssertionError(
            f"{self.who}: {limit} x {key} on {self.page.url} never reached {target}"
        )

    def arrive(self) -> None:
        """A page just loaded: its first Tab reaches the skip link, which moves focus to the
        main content."""
        self.page.wait_for_load_state()
        state = self.press("Tab")
        assert "skip-link" in state["what"] and "Skip to content" in state["what"], (
            f"{self.who}: the first Tab on {self.page.url} reaches {state['what']}"
        )
        self.press("Enter")
        state = self.focus()
        assert state.get("id") == "main", (
            f"{self.who}: the skip link moved focus to {state['what']}"
        )

    def follow(self, target: Locator, url: re.Pattern[str], *, backwards: bool = False) -> None:
        """Tabs to a link or button, presses Enter and lands on the next page."""
        self.tab_to(target, backwards=backwards)
        self.press_unchecked("Enter")
        self.page.wait_for_url(url)
        self.arrive()

    def sign_in(self, email: str, home: str) -> None:
        self.page.goto("/login")
        self.arrive()
        self.tab_to(self.page.get_by_label("Email"))
        self.type(email)
        self.press("Tab")
        self.type(DEMO_PASSWORD)
        self.press_unchecked("Enter")
        self.page.wait_for_url(re.compile(re.escape(home) + "$"))
        self.arrive()


def nav_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def rate(user: KeyboardUser, rating: Locator, score: int) -> None:
    """Tabs into a rating's segmented control and picks the score with Space and arrows."""
    user.tab_to(rating)
    user.press("Space")
    for _ in range(score - 1):
        user.press("ArrowRight")
    expect(rating.locator("input:checked")).to_have_value(str(score))


def assert_visual_order(stops: list[dict[str, Any]]) -> None:
    """Each stop is below the one before, or on its line and to its right."""
    for before, after in itertools.pairwise(stops):
        same_line = abs(after["top"] - before["top"]) <= SAME_LINE
        in_order = after["top"] > before["top"] + SAME_LINE or (
            same_line and after["left"] >= before["left"] - SAME_LINE
        )
        assert in_order, (
            f"Tab goes from {before['what']} at ({before['left']:.0f}, {before['top']:.0f})"
            f" to {after['what']} at ({after['left']:.0f}, {after['top']:.0f}), against the"
            " order they are shown in"
        )


def person_name(app: Flask, email: str) -> str:
    with app.app_context():
        return get_session().scalars(select(User.name).where(User.email == email)).one()


def test_main_flows_with_the_keyboard_only(live_app: Flask, new_phone: Callable[..., Page]) -> None:
    # The manager: Team, a rep, Log coaching.
    manager = KeyboardUser(new_phone(), "manager")
    page = manager.page
    manager.sign_in("manager@example.com", "/today")
    manager.follow(nav_link(page, "Team"), re.compile(r"/team$"))
    rep_name = person_name(live_app, REP_EMAIL)
    manager.follow(
        page.locator("#team-list a.list-row", has_text=rep_name), re.compile(r"/people/\d+$")
    )
    manager.follow(page.get_by_role("button", name="Log coaching"), re.compile(r"/notes/\d+/edit$"))

    # The kind of conversation; ratings with the segmented controls (the rep's focus first,
    # the others unfolded when there are fewer than three); a strength, a focus beside them;
    # a follow-up.
    manager.tab_to(page.locator("#type"))
    for key in ("Space", "ArrowRight", "ArrowRight"):
        manager.press(key)
    expect(page.get_by_role("radio", name="1:1")).to_be_checked()
    shown = page.locator(".rating-group fieldset.rating")
    first = min(3, shown.count())
    assert first, "the rep's focus competencies come first"
    for index, score in zip(range(first), (3, 2, 4), strict=False):
        rate(manager, shown.nth(index), score)
    # The last rated is a strength (forward from it), the first the focus (back to it).
    for chip, rating, backwards in (
        ("Strength", shown.nth(first - 1), False),
        ("Focus", shown.nth(0), True),
    ):
        label = f"{chip}: {rating.locator('legend').inner_text()}"
        manager.tab_to(page.get_by_label(label, exact=True), backwards=backwards)
        manager.press("Space")
        expect(page.get_by_label(label, exact=True)).to_be_checked()
    if first < 3:
        manager.tab_to(page.locator("details.more-competencies > summary"))
        manager.press("Enter")
        others = page.locator(".more-competencies fieldset.rating")
        for index in range(3 - first):
            rate(manager, others.nth(index), 3)

    # Follow-ups are added and removed by htmx swaps of their section: focus stays on the
    # field or the button used, or moves to the heading when the button pressed is gone.
    follow_ups = page.locator("#follow-ups")
    manager.tab_to(page.get_by_label("New follow-up"))
    manager.type(FOLLOW_UP)
    manager.press_unchecked("Enter")
    expect(follow_ups.get_by_text(FOLLOW_UP, exact=True)).to_be_visible()
    expect(page.locator("#follow_up_title")).to_be_focused()
    state = manager.check("adding a follow-up with Enter (an htmx swap)")
    assert state["id"] == "follow_up_title", state
    manager.type("Call the pharmacy director")
    manager.tab_to(page.get_by_role("button", name="Add follow-up"))
    manager.press_unchecked("Enter")
    expect(follow_ups.get_by_text("Call the pharmacy director", exact=True)).to_be_visible()
    expect(page.locator("#add-follow-up")).to_be_focused()
    state = manager.check("adding a follow-up with its button (an htmx swap)")
    assert state["id"] == "add-follow-up", state
    # Removing asks first: Enter on "Remove" opens the question, Tab reaches its button.
    manager.tab_to(
        follow_ups.locator("summary", has_text="Remove follow-up Call the pharmacy director"),
        backwards=True,
    )
    manager.press("Enter")
    manager.tab_to(page.get_by_role("button", name="Remove follow-up Call the pharmacy director"))
    manager.press_unchecked("Enter")
    expect(follow_ups.get_by_text("Call the pharmacy director")).to_have_count(0)
    # Focus moves to the heading when htmx settles the new section.
    expect(page.locator("#follow-ups-heading")).to_be_focused()
    state = manager.check("removing a follow-up (an htmx swap)")
    assert state["id"] == "follow-ups-heading", state

    # Back up through the whole form with Shift+Tab: the order is the order shown.
    stops = []
    while True:
        state = manager.press("Shift+Tab")
        if not state["inForm"]:
            break
        stops.append(state)
    assert len(stops) > 15, stops
    assert_visual_order(list(reversed(stops)))

    # Share with rep, then the note as shared.
    manager.tab_to(page.get_by_role("button", name="Share with rep"))
    manager.press_unchecked("Enter")
    page.wait_for_url(re.compile(r"/notes/\d+$"))
    expect(page.get_by_text(f"Shared with {rep_name}.")).to_be_visible()
    note_path = re.sub(r"^https?://[^/]+", "", page.url)
    manager.arrive()

    # The rep: Notes, the new note, Acknowledge with a comment.
    rep = KeyboardUser(new_phone(), "rep")
    page = rep.page
    rep.sign_in(REP_EMAIL, "/my")
    rep.follow(nav_link(page, "Notes"), re.compile(r"/notes$"))
    rep.follow(page.locator(f'a[href="{note_path}"]'), re.compile(re.escape(note_path) + "$"))
    rep.tab_to(page.get_by_label("Your comment (optional)"))
    rep.type(COMMENT)
    rep.tab_to(page.get_by_role("button", name="Acknowledge"))
    rep.press_unchecked("Enter")
    page.wait_for_url(re.compile(re.escape(note_path) + "$"))
    expect(page.get_by_text("Acknowledged. Your manager can see your comment.")).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    rep.arrive()

    # The rep marks the follow-up done from their Today page.
    rep.follow(nav_link(page, "Today"), re.compile(r"/my$"))
    rep.follow(page.get_by_role("link", name="All follow-ups"), re.compile(r"/follow-ups$"))
    rep.tab_to(page.locator("summary", has_text=f"Done: {FOLLOW_UP}"))
    rep.press("Enter")  # it asks first
    rep.tab_to(page.get_by_role("button", name=f"Mark {FOLLOW_UP} done"))
    rep.press_unchecked("Enter")
    page.wait_for_url(re.compile(r"/follow-ups$"))
    expect(page.get_by_text(FOLLOW_UP)).to_have_count(0)
    rep.arrive()

    # The director: Teams, the manager's team, a rep.
    director = KeyboardUser(new_phone(), "director")
    page = director.page
    director.sign_in("director@example.com", "/org")
    team_of = person_name(live_app, "manager@example.com")
    director.follow(
        page.locator("main h2 a", has_text=team_of), re.compile(r"/org/teams/\d+(\?.*)?$")
    )
    director.follow(page.locator("main a.list-row", has_text=rep_name), re.compile(r"/people/\d+$"))
    expect(page.get_by_role("heading", name=rep_name, level=1)).to_be_visible()
    print(
        f"keyboard only: {manager.presses} keys for the manager, {rep.presses} for the rep,"
        f" {director.presses} for the director; {len(stops)} stops in order on the debrief"
    )


def own_active_plan(app: Flask, email: str) -> int:
    with app.app_context():
        found = get_session().scalars(
            select(AccountPlan.id)
            .join(User, User.id == AccountPlan.owner_id)
            .where(User.email == email, AccountPlan.status == PlanStatus.ACTIVE)
            .order_by(AccountPlan.id)
        )
        plan_id = found.first()
    assert plan_id is not None, f"{email} owns no active plan"
    return plan_id


def test_focus_stays_on_the_plan_when_a_goal_is_added_and_removed(
    live_app: Flask, new_phone: Callable[..., Page]
) -> None:
    """Adding or removing a goal replaces the Goals section (the button pressed is gone, and
    removing asks for confirmation first): focus lands on the section's heading."""
    rep = KeyboardUser(new_phone(), "rep")
    page = rep.page
    rep.sign_in(PLAN_OWNER, "/my")
    rep.follow(nav_link(page, "Plans"), re.compile(r"/plans$"))
    plan_path = f"/plans/{own_active_plan(live_app, PLAN_OWNER)}"
    rep.follow(page.locator(f'main a[href="{plan_path}"]'), re.compile(re.escape(plan_path) + "$"))

    goals = page.locator("#goals")
    rep.tab_to(goals.get_by_text("Add a goal"))
    rep.press("Enter")
    rep.tab_to(page.get_by_label("New goal", exact=True))
    rep.type(NEW_GOAL)
    rep.tab_to(goals.get_by_role("button", name="Add goal"))
    rep.press_unchecked("Enter")
    expect(goals.locator("summary", has_text=NEW_GOAL)).to_be_visible()
    # The new section is in before htmx settles it: focus moves at the settle.
    expect(page.locator("#goals-heading")).to_be_focused()
    state = rep.check("adding a goal (an htmx swap)")
    assert state["id"] == "goals-heading", state

    rep.tab_to(goals.locator("summary", has_text=NEW_GOAL))
    rep.press("Enter")
    card = goals.locator("details", has=page.locator("summary", has_text=NEW_GOAL))
    rep.tab_to(card.locator("summary", has_text="Remove goal"))
    rep.press("Enter")  # "Remove the goal …?" opens below it
    rep.tab_to(card.get_by_role("button", name="Remove goal"))
    rep.press_unchecked("Enter")
    expect(goals.get_by_text(NEW_GOAL)).to_have_count(0)
    expect(page.locator("#goals-heading")).to_be_focused()
    state = rep.check("removing a goal after its confirmation (an htmx swap)")
    assert state["id"] == "goals-heading", state


def test_the_focus_checks_notice_a_hidden_ring_a_covered_control_and_a_wrong_order(
    phone: Page,
) -> None:
    """The checks above do fail when they should (so their passing means something)."""
    user = KeyboardUser(phone, "signed out")
    phone.goto("/login")
    user.arrive()
    email, password = phone.get_by_label("Email"), phone.get_by_label("Password")

    email.evaluate("(el) => { el.style.outline = 'none'; }")
    with pytest.raises(AssertionError, match="shows no focus ring"):
        user.tab_to(email)
    email.evaluate("(el) => { el.style.outline = ''; }")

    phone.evaluate(
        """() => {
          const cover = document.createElement("div");
          cover.style.cssText = "position: fixed; inset: 0; background: #fff; z-index: 99";
          document.body.append(cover);
        }"""
    )
    with pytest.raises(AssertionError, match="is focused under div"):
        user.press("Tab")
    phone.evaluate("() => document.body.lastElementChild.remove()")

    password.evaluate("(el) => { el.closest('.field').style.order = '-1'; }")
    email.evaluate("(el) => { el.closest('form').style.display = 'flex'; }")
    email.evaluate("(el) => { el.closest('form').style.flexDirection = 'column'; }")
    stops = []
    user.tab_to(email, backwards=True)
    stops.append(user.focus())
    stops.append(user.press("Tab"))
    with pytest.raises(AssertionError, match="against the order they are shown in"):
        assert_visual_order(stops)
