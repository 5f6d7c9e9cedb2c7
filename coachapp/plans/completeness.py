"""How complete and current a plan is: a score and a short list of what to fix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coachapp.languages import N_, gettext, ngettext
from coachapp.models import PROFILE_AREAS, AccountPlan, ActionStatus
from coachapp.plans.profiling import AREA_TITLES

if TYPE_CHECKING:
    from coachapp.plans.facts import PlanFacts

STALE_AFTER_DAYS = 60


@dataclass
class Completeness:
    score: int
    missing: list[str] = field(default_factory=list)
    empty_profile_areas: list[str] = field(default_factory=list)
    overdue_actions: int = 0
    # The key of each check that failed, in the order of `missing` ("profile_clinical",
    # "overdue_actions", ...): what the regional QBR counts across plans (coachapp.plans.qbr).
    gaps: list[str] = field(default_factory=list)
    # The counts `missing` names, by the key of their check, for `said`.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def said(self) -> list[str]:
        """`missing` in the reader's language (the API's `missing` stays English)."""
        return [_said(key, self.counts.get(key, 0)) for key in self.gaps]


# What each check says when it fails, marked for the catalogues (`missing` is the English).
GAP_WORDS = {
    "strategic_priorities": N_("Strategic priorities are empty"),
    "goals": N_("No goals yet"),
    "actions": N_("No action items yet"),
    "stakeholders": N_("No customer stakeholders"),
    "other_functions": N_("No team members from other functions"),
}


def _said(key: str, count: int) -> str:
    if key in GAP_WORDS:
        return gettext(GAP_WORDS[key])
    if key.startswith("profile_"):
        area = key.removeprefix("profile_")
        return gettext("Empty profiling area: %(area)s", area=gettext(AREA_TITLES[area]))
    if key == "goal_dates":
        return ngettext(
            "%(num)s goal without a target date", "%(num)s goals without a target date", count
        )
    if key == "goal_measures":
        return ngettext("%(num)s goal without a measure", "%(num)s goals without a measure", count)
    if key == "overdue_actions":
        return ngettext("%(num)s overdue action", "%(num)s overdue actions", count)
    return ngettext("Not updated in %(num)s day", "Not updated in %(num)s days", count)


def empty_profile_areas(plan: AccountPlan | PlanFacts) -> list[str]:
    """The profiling areas (business, clinical, ...) the plan says nothing about yet."""
    return [area for area in PROFILE_AREAS if not getattr(plan, f"profile_{area}").strip()]


def plan_completeness(plan: AccountPlan | PlanFacts, today: dt.date) -> Completeness:
    """Checks the template section by section; each check weighs the same. Of a loaded plan,
    or of its facts (coachapp.plans.facts) read for every plan of a roll-up."""
    missing: list[str] = []
    gaps: list[str] = []
    checks = 0

    def check(ok: bool, key: str, message: str) -> None:
        nonlocal checks
        checks += 1
        if not ok:
            missing.append(message)
            gaps.append(key)

    check(
        bool(plan.strategic_priorities.strip()),
        "strategic_priorities",
        "Strategic priorities are empty",
    )
    empty_areas = empty_profile_areas(plan)
    for area in PROFILE_AREAS:
        check(
            area not in empty_areas, f"profile_{area}", f"Empty profiling area: {AREA_TITLES[area]}"
        )

    live_goals = [g for g in plan.goals if g.status != "done"]
    check(bool(plan.goals), "goals", "No goals yet")
    undated = [g for g in live_goals if g.target_date is None]
    check(not undated, "goal_dates", f"{len(undated)} goal(s) without a target date")
    unmeasured = [g for g in plan.goals if not g.measure.strip()]
    check(not unmeasured, "goal_measures", f"{len(unmeasured)} goal(s) without a measure")

    check(bool(plan.action_items), "actions", "No action items yet")
    overdue = [
        a
        for a in plan.action_items
        if a.status == ActionStatus.OPEN and a.due_date is not None and a.due_date < today
    ]
    check(not overdue, "overdue_actions", f"{len(overdue)} overdue action(s)")

    check(bool(plan.stakeholders), "stakeholders", "No customer stakeholders")
    owner_function = plan.owner.function
    other_functions = {m.user.function for m in plan.team if m.user_id != plan.owner_id}
    check(
        bool(other_functions - {owner_function}),
        "other_functions",
        "No team members from other functions",
    )
    idle_days = (today - plan.last_activity_at.date()).days
    check(idle_days <= STALE_AFTER_DAYS, "current", f"Not updated in {idle_days} days")

    score = round(100 * (checks - len(missing)) / checks)
    counts = {
        "goal_dates": len(undated),
        "goal_measures": len(unmeasured),
        "overdue_actions": len(overdue),
        "current": idle_days,
    }
    return Completeness(score, missing, empty_areas, len(overdue), gaps, counts)
