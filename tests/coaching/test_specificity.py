"""The vague-praise rule on what managers really write after a field ride, both ways."""

from __future__ import annotations

import pytest

from coachapp.coaching.specificity import (
    CHIP_PROMPT,
    FOCUS_CHIPS,
    STRENGTH_CHIPS,
    flags,
    is_vague,
    specific_evidence,
)

REP = "Riley Rep"
# Competencies rated on the note (names from the default guide).
RATED = ("Asks purposeful questions", "Communicates clearly with the account team and the manager")
ACCOUNTS = ("Mercy Health", "St Luke's Medical Group")

VAGUE = [
    "Great job",
    "Good call",
    "Excellent rapport",
    "Needs to improve",
    "Great job today!",
    "Really good call, well done.",
    "Excellent rapport with the customer",
    "Very professional",
    "Keep up the good work",
    "Needs to improve communication",
    "Be more confident",
    "Good energy and attitude",
    "Strong presentation skills",
    "Solid performance overall",
    "Nice work with the HCPs",
    "Well prepared",
    "Work on engagement",
    "Great job Riley",
    "Fantastic effort this week",
    "Good listening skills",
    "Great energy during the day",
    "Excellent communication",
    "Be more proactive with customers",
]

SPECIFIC = [
    "Opened the Mercy Health call by restating the CFO's budget concern",
    "Asked the P&T chair three open questions before presenting any data",
    "When Dr Okafor raised the biosimilar switch, summarised her concern before answering",
    "Brought the MSL in to answer the dosing question instead of guessing",
    "Closed with a dated next step: pharmacy review on 14 May",
    "Used the approved budget-impact model with the value analysis committee",
    "Listened without interrupting while the nurse manager described the infusion workflow",
    "Asks purposeful questions: asked what would change the formulary vote",
    "Played the customer's words back: 'we can't add steps for the nurses'",
    "Checked the account plan in the car park and changed the objective for the second call",
    "Ask about the P&T timeline at the next visit",
    "Confirm next steps in writing within 24 h",
    "Prepare three open questions from the plan before each call",
    "Hold back the product story until the customer has named the problem",
    "Involve the reimbursement specialist before quoting coverage",
    "Summarise the objection before responding, especially on workload",
    "Great job at St Luke's Medical Group",
    "Communicates clearly with the account team and the manager",
    "Handled objections with evidence",
    "Agreed clear next steps",
    "Good call: the CMO agreed to table the protocol at the March committee",
    'Great "what keeps you up at night" question',
]


@pytest.mark.parametrize("text", VAGUE)
def test_vague_praise_is_flagged(text: str) -> None:
    assert is_vague(text, competencies=RATED, names=ACCOUNTS, people=[REP]), text


@pytest.mark.parametrize("text", SPECIFIC)
def test_observed_behaviour_is_not_flagged(text: str) -> None:
    assert not is_vague(text, competencies=RATED, names=ACCOUNTS, people=[REP]), text


def test_naming_a_competency_counts_only_when_it_was_rated() -> None:
    # "Asks purposeful questions" alone, with nothing else said: tied when rated on the note.
    text = "Asks purposeful questions"
    assert not is_vague(text, competencies=["Asks purposeful questions"])
    # "questions" names a behaviour, so it is not general praise either way.
    assert not is_vague(text)
    assert is_vague("Excellent communication")
    assert not is_vague("Excellent communication", competencies=["Excellent communication"])


def test_flags_point_by_point_with_a_prompt_naming_the_rep() -> None:
    found = flags(
        "Great job\nAsked the CFO about the capital cycle",
        "Needs to improve\nPlan the call with the MSL",
        rep_name=REP,
    )
    assert [(f.field, f.text) for f in found] == [
        ("strengths", "Great job"),
        ("development_focus", "Needs to improve"),
    ]
    assert "Riley" in found[0].prompt and "Riley" in found[1].prompt


def test_empty_text_is_not_flagged() -> None:
    assert flags("", "  \n ") == []
    assert not is_vague("   ")


def test_ready_made_chips_alone_are_flagged_like_vague_praise() -> None:
    """Four taps of chips say nothing about the conversation: each chip is flagged, and the
    note has no specific evidence in the quality figures."""
    found = flags("Strong open questions\nAgreed clear next steps", "Use the profiling guide")
    assert [(f.field, f.text) for f in found] == [
        ("strengths", "Strong open questions"),
        ("strengths", "Agreed clear next steps"),
        ("development_focus", "Use the profiling guide"),
    ]
    assert {f.prompt for f in flags("", FOCUS_CHIPS[0], rep_name=REP)} == {
        CHIP_PROMPT % {"first": "Riley"}
    }
    assert not specific_evidence("\n".join(STRENGTH_CHIPS[:3]), FOCUS_CHIPS[0])
    # Vague words beside a chip do not make it specific.
    assert [f.text for f in flags("Strong open questions\nGreat job", "")] == [
        "Strong open questions",
        "Great job",
    ]


def test_chips_pass_beside_something_specific() -> None:
    strengths = "Strong open questions\nAsked the CFO what would change the vote"
    focus = "Use the profiling guide\nFill in the reimbursement insights for Mercy Health"
    assert flags(strengths, focus, names=ACCOUNTS, rep_name=REP) == []
    assert specific_evidence(strengths, focus, names=ACCOUNTS, rep_name=REP)
