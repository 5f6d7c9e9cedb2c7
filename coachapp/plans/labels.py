"""What the plan pages call each enumerated value (a goal's status, a stakeholder's role),
marked for the catalogues: the templates show each in the reader's language, `_(label)`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coachapp.languages import N_
from coachapp.models import (
    ACCOUNT_TYPE_LABELS,
    FUNCTION_LABELS,
    ActionStatus,
    DecisionRole,
    GoalStatus,
    PlanStatus,
    Relationship,
)

LABELS: dict[str, Mapping[Any, str]] = {
    "goal_status": {
        GoalStatus.ON_TRACK.value: N_("On track"),
        GoalStatus.AT_RISK.value: N_("At risk"),
        GoalStatus.OFF_TRACK.value: N_("Off track"),
        GoalStatus.DONE.value: N_("Done"),
    },
    "goal_kind": {"numeric": N_("A number"), "stages": N_("Stages")},
    "action_status": {
        ActionStatus.OPEN.value: N_("Open"),
        ActionStatus.DONE.value: N_("Done"),
        ActionStatus.CANCELLED.value: N_("Cancelled"),
    },
    "plan_status": {
        PlanStatus.DRAFT.value: N_("Draft"),
        PlanStatus.ACTIVE.value: N_("Active"),
        PlanStatus.ARCHIVED.value: N_("Archived"),
    },
    "decision_role": {
        DecisionRole.DECISION_MAKER.value: N_("Decision maker"),
        DecisionRole.INFLUENCER.value: N_("Influencer"),
        DecisionRole.GATEKEEPER.value: N_("Gatekeeper"),
        DecisionRole.CHAMPION.value: N_("Champion"),
        DecisionRole.USER.value: N_("User"),
        DecisionRole.OTHER.value: N_("Other"),
    },
    "relationship": {
        Relationship.NONE.value: N_("None"),
        Relationship.WEAK.value: N_("Weak"),
        Relationship.NEUTRAL.value: N_("Neutral"),
        Relationship.GOOD.value: N_("Good"),
        Relationship.STRONG.value: N_("Strong"),
    },
    "function": FUNCTION_LABELS,
    "account_type": ACCOUNT_TYPE_LABELS,
}
