"""The seeded default coaching guide, "Account management field coaching", as data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.db import utcnow
from coachapp.models import (
    CoachingGuide,
    Competency,
    GuideSection,
    GuideStatus,
    GuideVersion,
)


@dataclass(frozen=True, slots=True)
class CompetencySpec:
    key: str
    name: str
    indicators: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SectionSpec:
    title: str
    competencies: tuple[CompetencySpec, ...]


DEFAULT_GUIDE_NAME = "Account management field coaching"
DEFAULT_GUIDE_DESCRIPTION = (
    "Role-agnostic account management behaviours for every member of an account team "
    "(sales, key account, MSL, market access, reimbursement, nurse educator) working with "
    "IDNs, health systems and large medical groups. Coach against the rep's account plan: "
    "strategic thinking, customer insight from the profiling guide, customer engagement, "
    "the 3C's (collaboration, coordination, communication), leading without authority and "
    "executing the plan."
)

DEFAULT_GUIDE_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        title="Account planning & strategic thinking",
        competencies=(
            CompetencySpec(
                key="account_situation_analysis",
                name="Reads the account situation",
                indicators=(
                    "Explains how the IDN is organised (system versus hospital-level decisions, "
                    "service lines, GPO affiliation) and where decisions on our products are "
                    "made.",
                    "Names the two or three forces shaping the account this period, such as a "
                    "merger, a new value analysis process, a formulary review or a payer-mix "
                    "shift.",
                    "Keeps the plan's situation summary current and separates facts from "
                    "assumptions still to be tested with the customer.",
                    "Knows where the business is growing, flat or at risk by site of care, not "
                    "only in total.",
                ),
                questions=(
                    "What has changed in this account since the last plan review, and what does "
                    "it mean for us?",
                    "Who really decides formulary status here: the system P&T committee, the "
                    "hospital, or the service line?",
                    "Which of your assumptions about this account have you not yet tested with "
                    "the customer?",
                    "If a competitor wrote a plan for this account, what would they see that we "
                    "are missing?",
                ),
            ),
            CompetencySpec(
                key="strategic_priorities",
                name="Sets focused priorities and measurable goals",
                indicators=(
                    "Limits the plan to a few priorities that follow from the situation, rather "
                    "than a list of activities.",
                    "Writes goals with a measure, a baseline and a target date (a formulary "
                    "decision, an order set going live, new starts at named sites).",
                    "Links each priority to an outcome the customer cares about, such as "
                    "infusion-chair capacity, length of stay or total cost of care.",
                    "Makes trade-offs explicit: what the team will not pursue this period, and "
                    "why.",
                ),
                questions=(
                    "If you could achieve only one goal in this account this half, which would "
                    "it be, and why?",
                    "How will you know by the target date that the goal is met? What will you "
                    "measure?",
                    "Which customer priority does this goal serve, in the customer's own words?",
                    "What are you choosing not to do this period?",
                ),
            ),
            CompetencySpec(
                key="stakeholder_mapping",
                name="Maps stakeholders and the decision process",
                indicators=(
                    "Maps decision makers, influencers and gatekeepers for each priority, "
                    "including pharmacy, finance, the service line, nursing and supply chain.",
                    "Knows the formal decision path (P&T committee, value analysis committee, "
                    "contracting) and the informal influencers around it.",
                    "Rates relationship strength on evidence and has a plan to close gaps with "
                    "key stakeholders.",
                    "Develops a champion who can advocate for us when we are not in the room.",
                ),
                questions=(
                    "Who can say no to this, and when did someone from our team last speak "
                    "with them?",
                    "Who is your champion, and what would they need to advocate for us at the "
                    "committee?",
                    "Which relationship on the stakeholder map is weakest, and who on the team "
                    "is best placed to build it?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Business acumen & customer insight",
        competencies=(
            CompetencySpec(
                key="customer_profiling",
                name="Profiles the account: business, clinical, operational, reimbursement",
                indicators=(
                    "Business: knows the system's strategic priorities, financial position, "
                    "growth sites and contracting or GPO model.",
                    "Clinical: knows the treatment pathways, protocols, key clinical leaders and "
                    "how evidence is reviewed (P&T, service-line committees, tumour boards).",
                    "Operational: understands sites of care, infusion capacity, EHR order sets, "
                    "and the pharmacy and purchasing workflow.",
                    "Reimbursement: understands payer mix, 340B status, prior-authorisation "
                    "burden, and buy-and-bill versus specialty-pharmacy routes.",
                ),
                questions=(
                    "Which of the four profile areas is thinnest in your plan, and who on the "
                    "account team could help fill it?",
                    "How does a new therapy get onto an order set here, step by step?",
                    "What share of this account's patients face prior authorisation or a "
                    "specialty-pharmacy route, and how does that affect new starts?",
                    "Where did this insight come from: the customer, a teammate, or an assumption?",
                ),
            ),
            CompetencySpec(
                key="business_insight",
                name="Turns customer insight into customer value",
                indicators=(
                    "Frames conversations around the customer's priorities (capacity, quality "
                    "measures, budget, staffing) rather than product features.",
                    "Uses account data and the customer's own metrics to build a value story, "
                    "tailored to the audience: pharmacy, finance or clinical.",
                    "Brings in the right internal resource (health economics, market access, "
                    "MSL) when the question goes beyond their own role.",
                    "Quantifies the impact of a decision for the customer, such as chair-hours "
                    "freed or avoided admissions, using approved tools only.",
                ),
                questions=(
                    "What problem is this customer trying to solve this year that we can help "
                    "with?",
                    "How would the director of pharmacy describe our value, compared with how "
                    "the medical director would?",
                    "Which approved tool or resource would make the case stronger for a finance "
                    "audience?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Customer engagement",
        competencies=(
            CompetencySpec(
                key="questioning",
                name="Asks purposeful questions",
                indicators=(
                    "Prepares the call objective and key questions from the account plan "
                    "before the call.",
                    "Uses open questions to uncover needs, and explores their impact before "
                    "proposing anything.",
                    "Checks understanding by summarising what the customer said.",
                    "Balances talk time: the customer speaks more than we do.",
                ),
                questions=(
                    "Which question on that call gave you the most useful answer, and why?",
                    "What did you want to learn on this call, and did you learn it?",
                    "Where did you move to a solution before you understood the need?",
                ),
            ),
            CompetencySpec(
                key="listening_empathy",
                name="Listens and responds with empathy",
                indicators=(
                    "Acknowledges the customer's pressures (staffing, budget, patient burden) "
                    "before responding.",
                    "Notices hesitation or concern and explores it rather than talking past it.",
                    "Handles objections by clarifying the concern first, then responding with "
                    "balanced, on-label information.",
                    "Adapts style to the stakeholder: physician, pharmacist, administrator or "
                    "nurse.",
                ),
                questions=(
                    "What was the customer worried about that they did not say directly?",
                    "How did you show that you understood the concern before you responded?",
                    "If you replayed that objection, what would you clarify first?",
                ),
            ),
            CompetencySpec(
                key="gaining_commitment",
                name="Agrees clear next steps",
                indicators=(
                    "Closes each interaction with a specific next step owned by the customer, "
                    "with a date.",
                    "Asks for commitments that fit the stakeholder's role and the stage of the "
                    "decision.",
                    "Confirms next steps in writing where appropriate and records them in the "
                    "account plan.",
                ),
                questions=(
                    "What did the customer agree to do next, and by when?",
                    "Was that a real commitment, or a polite 'send me something'?",
                    "What would a stronger ask have sounded like on that call?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Collaboration",
        competencies=(
            CompetencySpec(
                key="cross_functional_collaboration",
                name="Works as one account team across functions",
                indicators=(
                    "Involves colleagues from other functions (key account, MSL, market access, "
                    "reimbursement, nurse educator) early, while plans are made, not only when "
                    "there is a problem.",
                    "Shares customer insight with the team promptly and in the plan, not only "
                    "in personal notes.",
                    "Respects each function's role and compliance boundaries, for example "
                    "routing unsolicited clinical questions to the MSL.",
                    "Asks for and acts on teammates' input, and gives credit for shared wins.",
                ),
                questions=(
                    "Who on the account team did you involve this month, and what did they add?",
                    "What does the MSL or the nurse educator know about this account that you "
                    "do not?",
                    "Where would a teammate say you could have involved them earlier?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Coordination",
        competencies=(
            CompetencySpec(
                key="account_team_coordination",
                name="Coordinates the team's activity in the account",
                indicators=(
                    "Sequences team contacts so the customer experiences one coherent company, "
                    "not several unconnected calls.",
                    "Uses the plan's action items, with named owners and dates, to agree who "
                    "does what.",
                    "Times activities to customer milestones such as the P&T agenda, value "
                    "analysis committee dates or budget cycles.",
                    "Spots duplicated effort or gaps early and resolves them with the teammate.",
                ),
                questions=(
                    "Who from our company has been in front of this customer in the last month, "
                    "and did you know beforehand?",
                    "Which customer milestone is the team working back from, and is everyone's "
                    "action timed to it?",
                    "Where did two of us duplicate effort or leave a gap, and how will you "
                    "prevent it next time?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Communication",
        competencies=(
            CompetencySpec(
                key="team_communication",
                name="Communicates clearly with the account team and the manager",
                indicators=(
                    "Gives concise, timely updates after key customer interactions, in the "
                    "agreed channel.",
                    "Escalates risks early, with facts, impact and a proposed next step.",
                    "Keeps the account plan the single source of truth, so others can act "
                    "without a meeting.",
                    "Runs focused account-team meetings with an agenda, decisions and owners.",
                ),
                questions=(
                    "After the meeting with the pharmacy director, who needed to know what, and "
                    "did they hear it from you?",
                    "Which risk in this account have you not raised yet?",
                    "Could a new teammate pick up this plan and act on it without calling you?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Leading without authority",
        competencies=(
            CompetencySpec(
                key="influence_without_authority",
                name="Leads the account team without formal authority",
                indicators=(
                    "Builds agreement on account priorities with colleagues who report to other "
                    "managers.",
                    "Makes specific asks of teammates, tied to the shared goal, and keeps their "
                    "own commitments first.",
                    "Handles disagreement within the team constructively and brings it to a "
                    "decision.",
                    "Recognises teammates' contributions to the account visibly.",
                ),
                questions=(
                    "Who on the team do you need more from, and how will you ask?",
                    "How did you get market access to prioritise this account over others?",
                    "Where is there disagreement on the team today, and what is your part in "
                    "resolving it?",
                ),
            ),
        ),
    ),
    SectionSpec(
        title="Executing the plan",
        competencies=(
            CompetencySpec(
                key="plan_execution",
                name="Delivers on action items and commitments",
                indicators=(
                    "Completes own action items by the due date, or renegotiates the date "
                    "before it passes.",
                    "Follows up on teammates' open actions before they become overdue.",
                    "Changes tactics when a goal turns at risk instead of repeating the same "
                    "activity.",
                ),
                questions=(
                    "Which actions in the plan are overdue, and what is blocking each one?",
                    "This goal is at risk: what will you do differently in the next two weeks?",
                    "What did you commit to at our last session, and where are you with it?",
                ),
            ),
            CompetencySpec(
                key="plan_review_discipline",
                name="Keeps the plan current and reviews progress",
                indicators=(
                    "Updates the plan after significant customer events, not only before reviews.",
                    "Reviews goals and actions with the account team on a regular rhythm and "
                    "records the decisions.",
                    "Uses results (pull-through, formulary outcomes, account data) to update "
                    "the situation and priorities.",
                ),
                questions=(
                    "When did you last change this plan, and what prompted it?",
                    "What did the latest results tell you that the plan does not reflect yet?",
                    "What will you review with the team before the next quarterly business review?",
                ),
            ),
        ),
    ),
)

COMPETENCY_KEYS: tuple[str, ...] = tuple(
    competency.key for section in DEFAULT_GUIDE_SECTIONS for competency in section.competencies
)


def ensure_default_guide(db: Session) -> GuideVersion:
    """The default guide's latest published version, created and published when missing.

    Idempotent. Creates the guide with a published version 1 when no guide of that name
    exists; if the guide exists but has no published version (every version retired or
    still draft), publishes the default content as the next version number. Flushes, so
    ids are set; the caller commits.
    """
    guide = db.scalars(
        select(CoachingGuide).where(CoachingGuide.name == DEFAULT_GUIDE_NAME)
    ).one_or_none()
    if guide is None:
        guide = CoachingGuide(
            name=DEFAULT_GUIDE_NAME, description=DEFAULT_GUIDE_DESCRIPTION, target_functions=[]
        )
        db.add(guide)
        return _publish_default_content(db, guide, number=1)

    latest = db.scalars(
        select(GuideVersion)
        .where(GuideVersion.guide_id == guide.id, GuideVersion.status == GuideStatus.PUBLISHED)
        .order_by(GuideVersion.number.desc())
        .limit(1)
    ).first()
    if latest is not None:
        return latest
    highest = db.scalar(
        select(func.max(GuideVersion.number)).where(GuideVersion.guide_id == guide.id)
    )
    return _publish_default_content(db, guide, number=(highest or 0) + 1)


def _publish_default_content(db: Session, guide: CoachingGuide, *, number: int) -> GuideVersion:
    version = GuideVersion(
        guide=guide,
        number=number,
        status=GuideStatus.PUBLISHED,
        published_at=utcnow(),
        sections=[
            GuideSection(
                position=section_position,
                title=section.title,
                competencies=[
                    Competency(
                        position=position,
                        key=competency.key,
                        name=competency.name,
                        indicators=list(competency.indicators),
                        questions=list(competency.questions),
                    )
                    for position, competency in enumerate(section.competencies)
                ],
            )
            for section_position, section in enumerate(DEFAULT_GUIDE_SECTIONS)
        ],
    )
    db.add(version)
    db.flush()
    return version
