"""The demo organisation: people, customer accounts, account plans and months of coaching."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coachapp.auth.passwords import hash_password
from coachapp.coaching.default_guide import DEFAULT_GUIDE_NAME, ensure_default_guide
from coachapp.db import utcnow
from coachapp.models import (
    Account,
    AccountPlan,
    AccountType,
    ActionStatus,
    CadenceTarget,
    CoachingGuide,
    CoachingSession,
    DecisionRole,
    DevelopmentFocus,
    FollowUp,
    FollowUpStatus,
    Function,
    GoalStatus,
    PlanActionItem,
    PlanGoal,
    PlannedRideAlong,
    PlanStakeholder,
    PlanStatus,
    PlanTeamMember,
    Relationship,
    Role,
    SessionRating,
    SessionStatus,
    SessionType,
    User,
)
from coachapp.reporting_lines import change_manager
from coachapp.timezones import local_today

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of every demo user  # nosec B105
DOMAIN = "example.com"
ADMIN_EMAIL = f"admin@{DOMAIN}"
HISTORY_DAYS = 182
# A shared note from the last few days that the rep has not acknowledged is still unread
# ("New"); the rep read everything older soon after it was shared.
UNREAD_DAYS = 3
# The manager's ride-along planned for tomorrow (on Today, and nudged the evening before).
RIDE_TOMORROW = ("manager", 3, "Formulary committee prep; bring the MSL pack")

COUNT_KEYS = (
    "guides",
    "users",
    "accounts",
    "account_plans",
    "plan_goals",
    "plan_action_items",
    "plan_stakeholders",
    "plan_team_members",
    "coaching_sessions",
    "session_ratings",
    "follow_ups",
    "development_focuses",
    "cadence_targets",
    "ride_alongs",
)


# --------------------------------------------------------------------------- people


@dataclass(frozen=True, slots=True)
class _Leader:
    handle: str
    name: str
    role: Role
    timezone: str
    manager: str | None
    region: str


@dataclass(frozen=True, slots=True)
class _Rep:
    number: int
    name: str
    function: Function
    timezone: str
    manager: str
    account: str  # short name of the account whose current plan the rep owns
    plan_status: PlanStatus = PlanStatus.ACTIVE
    previous_plan: bool = False
    # Days since the last shared coaching session, drawn from this range; None: never coached.
    last_coached: tuple[int, int] | None = (1, 12)
    # A draft debrief this many days ago, on top of the shared history.
    draft_days_ago: int | None = None
    # The latest shared session is still waiting for the rep's acknowledgement.
    unacknowledged: bool = False
    focus: tuple[str, ...] = ()
    joined_days_ago: int = 540


# A rep's region is that of the account whose plan they own (see _CopyBuilder._users); a
# manager's is where most of the team works; the director's covers all three teams.
LEADERS = (
    _Leader("director", "Denise Whitfield", Role.DIRECTOR, "America/Chicago", None, "National"),
    _Leader("manager", "Marcus Bell", Role.MANAGER, "America/New_York", "director", "Northeast"),
    _Leader("manager2", "Elena Vásquez", Role.MANAGER, "America/Denver", "director", "West"),
    _Leader("manager3", "Rajesh Iyer", Role.MANAGER, "America/Chicago", "director", "Midwest"),
)

REPS = (
    # manager@: East (Northeast and Southeast accounts). rep3, rep6 and rep7 are overdue for
    # coaching, rep8 joined recently and has not been coached yet, rep1 and rep5 have drafts,
    # rep2 and rep4 have not acknowledged their latest note (rep2's is over 3 days old).
    _Rep(
        1,
        "Aisha Thompson",
        Function.SALES,
        "America/New_York",
        "manager",
        "Granite Coast",
        previous_plan=True,
        last_coached=(5, 10),
        draft_days_ago=1,
        focus=("questioning",),
    ),
    _Rep(
        2,
        "Daniel Kowalski",
        Function.KEY_ACCOUNT,
        "America/New_York",
        "manager",
        "Three Rivers",
        previous_plan=True,
        last_coached=(4, 6),
        unacknowledged=True,
        focus=("influence_without_authority", "stakeholder_mapping"),
    ),
    _Rep(
        3,
        "Mei-Lin Chen",
        Function.MSL,
        "America/New_York",
        "manager",
        "Commonwealth",
        last_coached=(41, 41),
        focus=("cross_functional_collaboration",),
    ),
    _Rep(
        4,
        "Carlos Mendoza",
        Function.MARKET_ACCESS,
        "America/Chicago",
        "manager",
        "Keystone",
        previous_plan=True,
        last_coached=(1, 3),
        unacknowledged=True,
        focus=("business_insight",),
    ),
    _Rep(
        5,
        "Grace Adeyemi",
        Function.REIMBURSEMENT,
        "America/New_York",
        "manager",
        "Magnolia",
        last_coached=(5, 10),
        draft_days_ago=2,
        focus=("team_communication",),
    ),
    _Rep(
        6,
        "Hannah Brooks",
        Function.NURSE_EDUCATOR,
        "America/New_York",
        "manager",
        "Blue Ridge",
        last_coached=(34, 34),
        focus=("gaining_commitment", "plan_execution"),
    ),
    _Rep(
        7,
        "Jamal Washington",
        Function.SALES,
        "America/New_York",
        "manager",
        "Palmetto Shore",
        previous_plan=True,
        last_coached=(52, 52),
        focus=("plan_execution",),
    ),
    _Rep(
        8,
        "Sofia Rossi",
        Function.KEY_ACCOUNT,
        "America/New_York",
        "manager",
        "Tidewater Bay",
        plan_status=PlanStatus.DRAFT,
        last_coached=None,
        focus=("account_situation_analysis",),
        joined_days_ago=24,
    ),
    # manager2@: West and Southwest.
    _Rep(
        9,
        "Tyler Nguyen",
        Function.SALES,
        "America/Los_Angeles",
        "manager2",
        "Golden Hills",
        previous_plan=True,
    ),
    _Rep(
        10,
        "Fatima Siddiqui",
        Function.MSL,
        "America/Los_Angeles",
        "manager2",
        "Sierra Crest",
        unacknowledged=True,
    ),
    _Rep(
        11,
        "Brandon Yazzie",
        Function.KEY_ACCOUNT,
        "America/Phoenix",
        "manager2",
        "Sonoran Valley",
        previous_plan=True,
    ),
    _Rep(
        12,
        "Olivia Park",
        Function.NURSE_EDUCATOR,
        "America/Los_Angeles",
        "manager2",
        "Cascade Pacific",
        plan_status=PlanStatus.DRAFT,
    ),
    _Rep(
        13,
        "Diego Ramírez",
        Function.REIMBURSEMENT,
        "America/Chicago",
        "manager2",
        "Lone Star Gulf",
    ),
    # manager3@: Midwest; the team has a looser cadence target (21 days).
    _Rep(
        14,
        "Emily Schultz",
        Function.SALES,
        "America/Chicago",
        "manager3",
        "Heartland Mercy",
        previous_plan=True,
        last_coached=(3, 19),
    ),
    _Rep(
        15,
        "Kwame Mensah",
        Function.KEY_ACCOUNT,
        "America/Chicago",
        "manager3",
        "Prairie Lakes",
        previous_plan=True,
        last_coached=(3, 19),
    ),
    _Rep(
        16,
        "Laura Bergström",
        Function.MSL,
        "America/Chicago",
        "manager3",
        "Driftless",
        last_coached=(3, 19),
    ),
    _Rep(
        17,
        "Samuel Hoffman",
        Function.MARKET_ACCESS,
        "America/Chicago",
        "manager3",
        "Great Lakes",
        last_coached=(3, 19),
    ),
    _Rep(
        18,
        "Ana Lucía Torres",
        Function.NURSE_EDUCATOR,
        "America/Chicago",
        "manager3",
        "Maple Bend",
        last_coached=(3, 19),
    ),
)

ROLE_NOUN = {
    Function.SALES: "sales",
    Function.KEY_ACCOUNT: "key account manager",
    Function.MSL: "MSL",
    Function.MARKET_ACCESS: "market access",
    Function.REIMBURSEMENT: "reimbursement specialist",
    Function.NURSE_EDUCATOR: "nurse educator",
    Function.OTHER: "account team",
}

RESPONSIBILITIES = {
    Function.SALES: (
        "Pull-through at the flagship and community infusion sites; oncologist call plan",
        "Product education for oncologists and infusion pharmacists; local speaker programmes",
    ),
    Function.KEY_ACCOUNT: (
        "System relationships, P&T and contracting timeline; account team lead",
        "Executive relationships with pharmacy and the service line; account team coordination",
    ),
    Function.MSL: (
        "Scientific exchange with heme-onc faculty; responds to unsolicited medical requests",
        "Medical insights, real-world evidence discussions and tumour-board support",
    ),
    Function.MARKET_ACCESS: (
        "Formulary dossier, budget-impact model and regional payer policy landscape",
        "Value conversations with pharmacy, finance and contracting",
    ),
    Function.REIMBURSEMENT: (
        "Benefit verification, prior authorisation and appeals support for financial clearance",
        "Coding and billing guidance for the revenue cycle team; patient hub enrolment",
    ),
    Function.NURSE_EDUCATOR: (
        "Administration in-services and on-body injector training for infusion nursing",
        "Patient-education materials and support for nurse navigators",
    ),
    Function.OTHER: ("Account team support", "Account team support"),
}


# ------------------------------------------------------------------------- accounts


@dataclass(frozen=True, slots=True)
class _AccountSpec:
    name: str
    short: str
    type: AccountType
    region: str
    situation: str
    priorities: tuple[str, str, str]


ACCOUNTS = (
    _AccountSpec(
        "Granite Coast Health System",
        "Granite Coast",
        AccountType.HEALTH_SYSTEM,
        "Northeast",
        "Seven-hospital system in coastal New England. The flagship cancer institute runs its "
        "infusion chairs above 90% utilisation, and pharmacy is pushing IV biosimilar "
        "conversion to offset a drug-budget overrun.",
        (
            "Add the subcutaneous formulation to the system formulary at the next P&T meeting.",
            "Position SC administration with infusion leadership as a chair-capacity solution.",
            "Protect patients already stable on IV therapy from a blanket biosimilar switch.",
        ),
    ),
    _AccountSpec(
        "Three Rivers Integrated Health Network",
        "Three Rivers",
        AccountType.IDN,
        "Northeast",
        "IDN with an owned health plan and 40 employed oncologists. Decisions run through one "
        "system P&T committee, and the health plan's medical policy follows its formulary.",
        (
            "Align the system formulary and the health plan's medical policy on SC access.",
            "Build the budget-impact case with pharmacy and the health-plan actuaries.",
            "Complete in-services at the four community infusion centres.",
        ),
    ),
    _AccountSpec(
        "Commonwealth Academic Medical Center",
        "Commonwealth",
        AccountType.ACADEMIC_CENTER,
        "Northeast",
        "Academic medical centre with an NCI-designated cancer centre. Faculty own pathway "
        "content, several run investigator-initiated studies, and a new chief pharmacy officer "
        "started in July.",
        (
            "Establish MSL scientific exchange with the heme-onc faculty on real-world data.",
            "Get the regimen onto the Beacon pathway at the next pathway review.",
            "Build a working relationship with the new chief pharmacy officer.",
        ),
    ),
    _AccountSpec(
        "Keystone Regional Health Plan",
        "Keystone",
        AccountType.PAYER,
        "Northeast",
        "Regional health plan with 1.4 million commercial and Medicare Advantage lives. "
        "Medical-benefit drug trend is a board-level concern, and a site-of-care programme for "
        "infused drugs starts next year.",
        (
            "Remove the step through the biosimilar for new starts in the oncology policy.",
            "Position SC administration within the plan's site-of-care programme.",
            "Simplify the prior-authorisation exception process with the UM vendor.",
        ),
    ),
    _AccountSpec(
        "Palmetto Shore Health",
        "Palmetto Shore",
        AccountType.IDN,
        "Southeast",
        "Fast-growing IDN along the Carolina coast. Three ambulatory infusion sites open this "
        "year, and leadership is measured on time from diagnosis to first treatment.",
        (
            "Build SC into the standard order sets for the three new infusion sites.",
            "Show leadership how shorter chair time supports their time-to-treatment goal.",
            "Train the new sites' infusion nurses before their first patients.",
        ),
    ),
    _AccountSpec(
        "Magnolia Regional Medical Group",
        "Magnolia",
        AccountType.MEDICAL_GROUP,
        "Southeast",
        "Independent multispecialty group with a 14-chair oncology practice. Buy-and-bill "
        "economics and cash flow drive therapy decisions; the practice administrator signs off "
        "on inventory.",
        (
            "Walk the practice administrator through SC versus IV practice economics.",
            "Cut prior-authorisation denials with a benefit-verification workflow via the hub.",
            "Train the infusion team on the on-body injector.",
        ),
    ),
    _AccountSpec(
        "Blue Ridge University Health",
        "Blue Ridge",
        AccountType.ACADEMIC_CENTER,
        "Southeast",
        "University health system and 340B covered entity at the main campus. A new value "
        "analysis committee now reviews every administration device.",
        (
            "Gain value analysis committee approval for the on-body injector.",
            "Agree a dispensing approach with the 340B program manager.",
            "Involve faculty in MSL-led scientific exchange before the pathway review.",
        ),
    ),
    _AccountSpec(
        "Tidewater Bay Health System",
        "Tidewater Bay",
        AccountType.HEALTH_SYSTEM,
        "Southeast",
        "Four-hospital system recovering from a ransomware attack that disrupted ordering for "
        "two months. Leadership's priority is restoring outpatient volume.",
        (
            "Rebuild our order sets in the restored EHR with oncology informatics.",
            "Re-establish pull-through at the two community infusion sites.",
            "Reconnect with infusion nursing leadership after staff turnover.",
        ),
    ),
    _AccountSpec(
        "Prairie Lakes Health Alliance",
        "Prairie Lakes",
        AccountType.IDN,
        "Midwest",
        "Rural-heavy IDN across three states. Many patients drive over an hour for infusion, "
        "so shorter chair time and fewer visits resonate with leadership.",
        (
            "Make SC the preferred option for rural patients on the system pathway.",
            "Support the outreach clinics' nurses with in-services and patient materials.",
            "Resolve PA delays with the centralised financial-clearance team.",
        ),
    ),
    _AccountSpec(
        "Great Lakes Physicians Collaborative",
        "Great Lakes",
        AccountType.MEDICAL_GROUP,
        "Midwest",
        "Large physician-led group in value-based contracts with two commercial payers. The "
        "quality committee watches total cost of care per oncology episode.",
        (
            "Present the episode-cost model to the quality committee.",
            "Secure a place on the group's preferred-regimen list.",
            "Reduce treatment delays caused by prior authorisation.",
        ),
    ),
    _AccountSpec(
        "Heartland Mercy Health System",
        "Heartland Mercy",
        AccountType.HEALTH_SYSTEM,
        "Midwest",
        "Faith-based system with centralised purchasing through its GPO. Supply chain and "
        "pharmacy contracting lead every new-product conversation.",
        (
            "Complete the GPO contract pull-through at system level.",
            "Gain P&T approval at the harmonised system formulary review.",
            "Win infusion nursing support with hands-on in-services.",
        ),
    ),
    _AccountSpec(
        "Driftless University Medical Center",
        "Driftless",
        AccountType.ACADEMIC_CENTER,
        "Midwest",
        "Academic centre whose hematology faculty lead the regional tumour boards; community "
        "affiliates adopt its protocols within a few months.",
        (
            "Support faculty interest in real-world outcomes through MSL scientific exchange.",
            "Get the regimen into the academic pathway, then follow it to the affiliates.",
            "Map the affiliates' decision makers before the pathway goes live.",
        ),
    ),
    _AccountSpec(
        "Maple Bend Oncology Partners",
        "Maple Bend",
        AccountType.MEDICAL_GROUP,
        "Midwest",
        "Community oncology network with 22 physicians across nine sites, in an oncology "
        "alternative payment model. Drug margin and PA workload are the main concerns.",
        (
            "Show how SC fits the practice's payment-model quality measures.",
            "Take PA workload off the sites with hub benefit verification.",
            "Standardise SC administration training across all nine sites.",
        ),
    ),
    _AccountSpec(
        "Sonoran Valley Health Network",
        "Sonoran Valley",
        AccountType.IDN,
        "Southwest",
        "Desert Southwest IDN with a large Medicare Advantage population and an ambitious "
        "home-infusion strategy.",
        (
            "Include SC in the home-infusion formulary and protocols.",
            "Align with the health network's Medicare Advantage contracting team.",
            "Develop a physician champion at the cancer centre.",
        ),
    ),
    _AccountSpec(
        "Lone Star Gulf Health System",
        "Lone Star Gulf",
        AccountType.HEALTH_SYSTEM,
        "Southwest",
        "Gulf Coast system that recently merged with its cross-town competitor. Formularies are "
        "being harmonised over the next two P&T cycles.",
        (
            "Keep SC on the harmonised formulary through the merger review.",
            "Build relationships with the merged pharmacy leadership team.",
            "Prepare revenue cycle teams at both legacy systems for the change.",
        ),
    ),
    _AccountSpec(
        "Cascade Pacific Health",
        "Cascade Pacific",
        AccountType.IDN,
        "West",
        "Pacific Northwest IDN with a strong nurse-led infusion model and an in-house specialty "
        "pharmacy that wants to keep patients inside the system.",
        (
            "Win infusion nursing practice council support for the on-body injector.",
            "Agree the specialty pharmacy's role in dispensing and patient support.",
            "Grow new starts at the two suburban infusion centres.",
        ),
    ),
    _AccountSpec(
        "Sierra Crest Academic Health",
        "Sierra Crest",
        AccountType.ACADEMIC_CENTER,
        "West",
        "Academic health system with strict vendor-access rules: meetings go through the "
        "credentialing system and P&T dossiers are due 60 days before the meeting.",
        (
            "Submit a complete dossier in time for the spring P&T meeting.",
            "Answer faculty evidence questions through MSL scientific exchange.",
            "Work within vendor-access rules to reach the infusion nursing leaders.",
        ),
    ),
    _AccountSpec(
        "Golden Hills Medical Group",
        "Golden Hills",
        AccountType.MEDICAL_GROUP,
        "West",
        "Large California medical group, capitated for most of its Medicare Advantage patients. "
        "The P&T subcommittee decides on cost per treatment episode.",
        (
            "Present the cost-per-episode comparison to the P&T subcommittee.",
            "Secure preferred status on the group's oncology formulary.",
            "Support the group's infusion centres with administration training.",
        ),
    ),
)

_ACCOUNTS_BY_SHORT = {spec.short: spec for spec in ACCOUNTS}

# Customer profile text, by area; {short} is the account's short name.
PROFILE_HOSPITAL = {
    "business": (
        "{short} is consolidating purchasing at system level through its GPO, and pharmacy "
        "and supply chain now report to one VP. Operating margin was under 2% last fiscal "
        "year, so every new therapy needs a budget-impact case.",
        "Growth strategy centres on the cancer institute and outpatient infusion, with new "
        "ambulatory sites opening. Leadership is measured on outpatient volume and access "
        "times; contracting sits with the system director of pharmacy contracting.",
        "{short} holds a risk-based contract with the state's largest commercial payer, so "
        "population-health leadership scrutinises total cost of care. Finance signs off on "
        "anything above the formulary budget threshold.",
        "Site-of-care shift and hospital-at-home are board priorities to free inpatient beds. "
        "The flagship is a 340B covered entity with two contract pharmacies.",
    ),
    "clinical": (
        "Oncology and hematology go through one system P&T committee (every other month) with "
        "a service-line subcommittee that reviews NCCN updates first. The heme-onc chief is an "
        "early adopter of SC regimens; two community oncologists prefer established IV "
        "protocols.",
        "Pathways are built in Epic Beacon, and adding a regimen needs a pathway review by the "
        "oncology pharmacy team. Clinical leaders ask for real-world evidence from community "
        "settings, which is where the MSL is engaged.",
        "Weekly tumour boards at the flagship review complex cases. The lead hematologist is a "
        "published investigator who values scientific exchange on subgroup data; community "
        "sites follow the flagship's protocols 6-9 months later.",
        "Nursing leadership is cautious about new administration devices after a pump incident "
        "last year; any device change needs in-services and infusion nursing practice council "
        "sign-off.",
    ),
    "operational": (
        "Infusion chairs at the main cancer centre run above 90% utilisation with a three-week "
        "wait for new starts; leadership wants eligible patients on shorter administrations.",
        "Ordering runs through system order sets maintained by the oncology informatics "
        "pharmacist; a new order set takes 8-10 weeks from request to go-live.",
        "Drug is bought through the wholesaler under the GPO contract. The system specialty "
        "pharmacy handles self-administered products and wants to keep patients in-house.",
        "The value analysis committee meets monthly and reviews every new device, including "
        "the on-body injector; submissions need a clinical sponsor and a supply chain cost "
        "comparison.",
    ),
    "reimbursement": (
        "Payer mix is about 45% Medicare, 15% Medicaid and 40% commercial. Prior authorisation "
        "is centralised in financial clearance; denials on oncology biologics run near 12%, "
        "mostly for missing documentation.",
        "The flagship is a 340B covered entity: outpatient drug administered there is bought at "
        "340B prices, which changes the economics of moving patients to non-eligible sites.",
        "Buy-and-bill in the hospital outpatient department under the product's J-code. The "
        "revenue cycle director tracks underpayments by payer and worries about site-neutral "
        "payment proposals.",
        "Two large commercial plans in the region require step therapy through the biosimilar; "
        "benefit verification and appeals go through the patient support hub.",
    ),
}

PROFILE_GROUP = {
    "business": (
        "Physician-owned; partners review drug margin and cash flow monthly. The practice "
        "administrator approves any change to inventory or purchasing, through the group's GPO.",
        "The group is in value-based contracts with two commercial payers and is measured on "
        "total cost of care per oncology episode.",
    ),
    "clinical": (
        "A small P&T subcommittee of partners and the lead pharmacist sets preferred regimens, "
        "mostly following NCCN category 1 recommendations.",
        "Two partners champion SC administration; the others follow the preferred-regimen list "
        "and ask for community real-world data.",
    ),
    "operational": (
        "Infusion is nurse-run across the group's sites, with chair time as the bottleneck on "
        "Mondays and Fridays. The EHR's oncology module holds the regimen templates.",
        "One central pharmacy compounds for all sites; inventory turns and storage space are "
        "watched closely.",
    ),
    "reimbursement": (
        "Buy-and-bill under the J-code; the billing team tracks payment by payer against "
        "acquisition cost. Prior authorisations are handled by two coordinators per site.",
        "Medicare Advantage prior authorisation is the main source of treatment delays; "
        "appeals are rarely filed because of staff time.",
    ),
}

PROFILE_PAYER = {
    "business": "Regional plan with 1.4 million commercial and Medicare Advantage lives; "
    "medical-benefit drug trend rose 11% last year. Provider contracting is moving to "
    "value-based arrangements with the largest IDNs.",
    "clinical": "P&T committee meets quarterly; oncology medical policy follows NCCN categories, "
    "with a site-of-care programme for infused drugs from next year.",
    "operational": "Prior authorisation is delegated to a utilisation-management vendor with a "
    "72-hour target for standard requests; exceptions are handled on paper.",
    "reimbursement": "Current policy requires a step through the biosimilar for new starts. The "
    "plan is considering redirecting eligible infusions to home infusion or physician offices.",
}

PROFILE_AREAS = ("business", "clinical", "operational", "reimbursement")

# (title, measure, value)
GOALS_HOSPITAL = (
    (
        "Add the SC formulation to the system formulary",
        "P&T decision recorded in committee minutes",
        None,
    ),
    (
        "Get the regimen onto the oncology pathway",
        "Order set live at the flagship infusion centre",
        None,
    ),
    (
        "Move eligible new starts to SC administration",
        "Share of new starts on SC at the main infusion centre reaches 35%",
        "1,200 chair-hours a year",
    ),
    (
        "Complete in-services at every infusion site",
        "In-service done and signed off by the nurse manager at 5 of 5 sites",
        None,
    ),
    (
        "Reduce prior-authorisation denials for new starts",
        "Denial rate below 5% on the monthly hub report",
        None,
    ),
    (
        "Present the budget-impact model to pharmacy and finance",
        "Model accepted by the pharmacy director and finance as the basis for decision",
        "$640K budget impact over 3 years",
    ),
    (
        "Establish scientific exchange with the heme-onc faculty",
        "Two faculty scientific-exchange meetings and one tumour-board case discussion",
        None,
    ),
    (
        "Value analysis committee approval for the on-body injector",
        "VAC approval recorded and item master updated by supply chain",
        None,
    ),
    (
        "Agree the 340B dispensing approach",
        "Written agreement on site of care and dispensing route with the 340B program manager",
        None,
    ),
    (
        "Expand use to the community hospitals",
        "Both community sites ordering within 60 days of system approval",
        "$1.8M annual net sales",
    ),
    (
        "Build a relationship with the new VP of pharmacy",
        "Introductory meeting held; relationship rated at least neutral",
        None,
    ),
)

GOALS_GROUP = (
    (
        "Secure a place on the preferred-regimen list",
        "Listed by the P&T subcommittee",
        "$420K annual net sales",
    ),
    (
        "Show the practice economics of SC administration",
        "Administrator reviews the approved practice-economics model with the partners",
        None,
    ),
    (
        "Cut PA-related treatment delays",
        "Median days from order to first dose below 7",
        None,
    ),
    (
        "Train infusion nurses at every site",
        "In-service completed at all sites",
        None,
    ),
    (
        "Present the episode-cost comparison to the quality committee",
        "Presentation delivered and follow-up questions answered",
        None,
    ),
)

GOALS_PAYER = (
    (
        "Remove the biosimilar step for new starts",
        "Revised oncology medical policy published",
        "310K covered lives with open access",
    ),
    (
        "Include SC in the site-of-care programme",
        "SC named as an eligible option in programme guidelines",
        None,
    ),
    (
        "Shorten exception turnaround with the UM vendor",
        "Exception decisions within 72 hours for 90% of requests",
        None,
    ),
    (
        "Present real-world outcomes to the P&T committee",
        "Presentation at the quarterly P&T meeting",
        None,
    ),
)

ACTIONS = {
    Function.SALES: (
        "Confirm the P&T agenda date with the formulary pharmacist",
        "Bring the oncology pharmacy lead the updated dosing and storage summary",
        "Schedule the approved speaker programme for the community oncologists",
        "Follow up with the infusion nurse manager on SC scheduling",
    ),
    Function.KEY_ACCOUNT: (
        "Prepare the account review for the VP of pharmacy",
        "Map the contracting timeline with the GPO and the contracting director",
        "Align the account team on the P&T submission timeline",
        "Brief the national account director before the executive meeting",
    ),
    Function.MSL: (
        "Respond to the hematology chief's unsolicited request for subgroup data",
        "Share the published PK comparability data with the oncology pharmacy team",
        "Present real-world evidence at the heme-onc journal club (medical request on file)",
    ),
    Function.MARKET_ACCESS: (
        "Update the AMCP formulary dossier for the P&T submission",
        "Walk finance through the budget-impact model",
        "Review regional payer policies for step-therapy requirements",
    ),
    Function.REIMBURSEMENT: (
        "Run a benefit-verification workshop with the financial-clearance team",
        "Review recent PA denials with revenue cycle and share the appeals checklist",
        "Confirm J-code billing guidance with the revenue cycle director",
    ),
    Function.NURSE_EDUCATOR: (
        "Deliver the SC administration in-service at the main infusion centre",
        "Run the on-body injector hands-on session for night-shift nurses",
        "Leave patient-education materials with the nurse navigators",
    ),
    Function.OTHER: ("Update the account team contact list",),
}

ACTIONS_PAYER = (
    "Submit the real-world outcomes summary to the P&T coordinator",
    "Meet the UM vendor's clinical lead on the exception process",
    "Share the site-of-care economics model with the medical-benefit pharmacy director",
    "Map which provider groups drive most exception requests",
    "Brief the IDN account teams on the proposed policy change",
)


@dataclass(frozen=True, slots=True)
class _StakeholderSpec:
    title: str
    ref: str  # how coaching notes refer to them: "the {ref}"
    role: DecisionRole
    doctor: bool = False


STAKEHOLDERS_HOSPITAL = (
    _StakeholderSpec(
        "System Director of Pharmacy", "pharmacy director", DecisionRole.DECISION_MAKER
    ),
    _StakeholderSpec(
        "Chair, Pharmacy & Therapeutics Committee", "P&T chair", DecisionRole.DECISION_MAKER, True
    ),
    _StakeholderSpec(
        "Chief of Hematology/Oncology", "heme-onc chief", DecisionRole.INFLUENCER, True
    ),
    _StakeholderSpec(
        "Oncology Clinical Pharmacist", "oncology pharmacist", DecisionRole.INFLUENCER
    ),
    _StakeholderSpec(
        "Director, Infusion Services", "infusion services director", DecisionRole.INFLUENCER
    ),
    _StakeholderSpec("Chair, Value Analysis Committee", "VAC chair", DecisionRole.GATEKEEPER),
    _StakeholderSpec("340B Program Manager", "340B program manager", DecisionRole.INFLUENCER),
    _StakeholderSpec("Director, Revenue Cycle", "revenue cycle director", DecisionRole.INFLUENCER),
    _StakeholderSpec("VP, Supply Chain", "supply chain VP", DecisionRole.GATEKEEPER),
    _StakeholderSpec("Infusion Nurse Manager", "infusion nurse manager", DecisionRole.USER),
    _StakeholderSpec(
        "Oncology Informatics Pharmacist", "informatics pharmacist", DecisionRole.GATEKEEPER
    ),
    _StakeholderSpec(
        "Medical Director, Cancer Institute",
        "cancer institute medical director",
        DecisionRole.DECISION_MAKER,
        True,
    ),
)

STAKEHOLDERS_GROUP = (
    _StakeholderSpec(
        "Practice Administrator", "practice administrator", DecisionRole.DECISION_MAKER
    ),
    _StakeholderSpec(
        "Managing Partner, Oncology", "managing partner", DecisionRole.DECISION_MAKER, True
    ),
    _StakeholderSpec("Lead Oncology Pharmacist", "lead pharmacist", DecisionRole.INFLUENCER),
    _StakeholderSpec("Infusion Nurse Supervisor", "infusion nurse supervisor", DecisionRole.USER),
    _StakeholderSpec("Prior Authorization Coordinator", "PA coordinator", DecisionRole.GATEKEEPER),
    _StakeholderSpec(
        "Director, Quality & Value-Based Care", "value-based care director", DecisionRole.INFLUENCER
    ),
)

STAKEHOLDERS_PAYER = (
    _StakeholderSpec(
        "Director, Medical Benefit Pharmacy",
        "medical-benefit pharmacy director",
        DecisionRole.DECISION_MAKER,
    ),
    _StakeholderSpec(
        "Medical Director, Oncology Policy",
        "oncology policy medical director",
        DecisionRole.DECISION_MAKER,
        True,
    ),
    _StakeholderSpec(
        "VP, Provider Contracting", "provider contracting VP", DecisionRole.INFLUENCER
    ),
    _StakeholderSpec("Manager, Utilization Management", "UM manager", DecisionRole.GATEKEEPER),
    _StakeholderSpec(
        "Clinical Pharmacist, Formulary", "formulary pharmacist", DecisionRole.INFLUENCER
    ),
)

FIRST_NAMES = (
    "Helen",
    "Robert",
    "Anita",
    "James",
    "Lucia",
    "Michael",
    "Yvonne",
    "Thomas",
    "Nadia",
    "William",
    "Esther",
    "Kenji",
    "Rosa",
    "Andrew",
    "Leticia",
    "Paul",
    "Deborah",
    "Ibrahim",
    "Catherine",
    "Victor",
    "Margaret",
    "Hiroshi",
    "Elaine",
    "Gregory",
    "Adaeze",
    "Stephen",
    "Teresa",
    "Omar",
    "Linda",
    "Raúl",
)
LAST_NAMES = (
    "Markowitz",
    "Delgado",
    "Fitzgerald",
    "Osei",
    "Larsen",
    "Patel",
    "Nakamura",
    "Byrne",
    "Haddad",
    "Morrison",
    "Santos",
    "Kaminski",
    "Dubois",
    "Ferguson",
    "Abernathy",
    "Cho",
    "Okonkwo",
    "Gallagher",
    "Reyes",
    "Sorensen",
    "Whitaker",
    "Banerjee",
    "Lindqvist",
    "Moreau",
    "Carrington",
    "Vance",
    "Mahmoud",
    "Estrada",
    "Holloway",
    "Nwosu",
)


# ----------------------------------------------------------------- coaching content

# Context keys available to every coaching text: account, stakeholder, teammate,
# teammate_role, rep_first.

EVIDENCE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # key: (evidence for scores 1-2, evidence for scores 3-4)
    "account_situation_analysis": (
        (
            "Could not say who owns the formulary decision at {account}; the plan still "
            "describes the structure from before the merger.",
            "Situation summary mixes facts and assumptions and does not mention pharmacy's "
            "biosimilar conversion push.",
        ),
        (
            "Explained clearly how the system P&T and the cancer-centre subcommittee interact "
            "at {account}, and what the new pharmacy leadership changes.",
            "Named the three forces shaping {account} this half and backed each with a source.",
        ),
    ),
    "strategic_priorities": (
        (
            "The plan lists nine activities but no priority; goals have no baseline or date.",
            "Goal 'increase usage' has no measure; agreed to rewrite it against new starts at "
            "the main infusion centre.",
        ),
        (
            "Priorities follow directly from the situation; every goal has a measure and a "
            "target date.",
            "Made an explicit trade-off to park community-site expansion until the P&T "
            "decision. Good judgement.",
        ),
    ),
    "stakeholder_mapping": (
        (
            "Stakeholder map stops at the {stakeholder}; finance and the value analysis "
            "committee are missing.",
            "Rated every relationship as good but could not give evidence for two of them.",
        ),
        (
            "Walked the decision path from the service-line subcommittee to P&T and named the "
            "gatekeeper at each step.",
            "Has developed the {stakeholder} into a real champion, who briefed the committee "
            "chair without being asked.",
        ),
    ),
    "customer_profiling": (
        (
            "Reimbursement section of the profile is empty; did not know the flagship's 340B "
            "status.",
            "Knows the clinical leaders well but could not describe how an order set gets "
            "built at {account}.",
        ),
        (
            "Profile covers all four areas with specific, recent insight, including PA denial "
            "trends from the revenue cycle team.",
            "Used the operational profile (chairs above 90% utilisation) to shape the whole "
            "conversation.",
        ),
    ),
    "business_insight": (
        (
            "Led with product features while the {stakeholder} was asking about chair capacity "
            "and budget.",
            "Did not connect the conversation to {account}'s total-cost-of-care contract.",
        ),
        (
            "Framed SC administration around chair-hours freed, using the approved capacity "
            "calculator with the {stakeholder}.",
            "Adapted the value story for finance and brought in {teammate} ({teammate_role}) "
            "for the budget-impact questions.",
        ),
    ),
    "questioning": (
        (
            "Mostly closed questions; moved to the dosing card within the first two minutes.",
            "Missed the chance to explore why the {stakeholder} mentioned staffing twice.",
        ),
        (
            "Strong open questions on the new-start process; the {stakeholder} did most of the "
            "talking.",
            "Used the plan's open questions to uncover the P&T timing and the reason for the "
            "delay.",
        ),
    ),
    "listening_empathy": (
        (
            "Talked over the {stakeholder}'s concern about nurse workload and went straight to "
            "data.",
            "Treated the biosimilar objection as a price objection without clarifying it first.",
        ),
        (
            "Acknowledged the infusion team's staffing pressure before anything else; the "
            "conversation opened up from there.",
            "Clarified the injection-site reaction concern, summarised it back, then answered "
            "with on-label safety information.",
        ),
    ),
    "gaining_commitment": (
        (
            "Call ended with 'send me something': no date and no owner for the next step.",
            "Did not ask for the P&T agenda slot even though the {stakeholder} offered to help.",
        ),
        (
            "Closed with a specific commitment: the {stakeholder} will put SC on the next P&T "
            "agenda.",
            "Confirmed next steps by email within the hour and logged them in the {account} plan.",
        ),
    ),
    "cross_functional_collaboration": (
        (
            "Has not spoken with {teammate} ({teammate_role}) in six weeks; the plan shows "
            "duplicate outreach to pharmacy.",
            "Brought {teammate} in only after the objection had escalated.",
        ),
        (
            "Planned the pharmacy meeting with {teammate} ({teammate_role}) a week ahead; "
            "clear roles on the day.",
            "Routed the oncologist's off-label question to the MSL correctly and followed up "
            "on timing.",
        ),
    ),
    "account_team_coordination": (
        (
            "Three team members called on the {stakeholder} in the same week without knowing it.",
            "Action items in the plan have no owners; the team is unsure who is preparing the "
            "value analysis submission.",
        ),
        (
            "Sequenced the MSL, market access and nurse educator visits around the P&T date.",
            "Used the plan's action list to agree owners and dates with {teammate} in ten minutes.",
        ),
    ),
    "team_communication": (
        (
            "The account team heard about the formulary delay from the customer, not from "
            "{rep_first}.",
            "Update to the team was long and unclear about what was needed from whom.",
        ),
        (
            "Concise update to the team after the meeting: what happened, impact, asks, by when.",
            "Raised the PA denial trend early, with facts and a proposed response.",
        ),
    ),
    "influence_without_authority": (
        (
            "Waiting for {teammate} to prioritise {account} instead of making a specific ask.",
            "Disagreement with market access about timing is unresolved and slowing the plan.",
        ),
        (
            "Got {teammate} ({teammate_role}) to commit time at {account} by tying the ask to "
            "the shared goal.",
            "Resolved a disagreement on the P&T approach in one account-team call; everyone "
            "left with owners.",
        ),
    ),
    "plan_execution": (
        (
            "Three of {rep_first}'s own action items are overdue with no revised dates.",
            "Repeating the same lunch-and-learn tactic although the pathway goal is off track.",
        ),
        (
            "All own actions done on time; chased two overdue teammate actions before the review.",
            "Changed tactics when the pathway goal slipped and secured a meeting with the "
            "informatics pharmacist.",
        ),
    ),
    "plan_review_discipline": (
        (
            "Plan not updated since the start of the period; the stakeholder map is out of date.",
            "Last quarter's results are not reflected in the goals.",
        ),
        (
            "Updated the plan the same day as the P&T outcome and reset two goals.",
            "Runs a monthly account-team review and records the decisions in the plan.",
        ),
    ),
}

NOT_OBSERVED_EVIDENCE = (
    "Not observed on this call.",
    "No opportunity to observe; the {stakeholder} meeting was cancelled.",
    "",
)

STRENGTHS = {
    "account_situation_analysis": "Sharp read of the account: knows how decisions are really "
    "made at {account}.",
    "strategic_priorities": "Clear, measurable priorities; the plan tells a story the whole "
    "team can follow.",
    "stakeholder_mapping": "Good map of the decision path, and a real champion in the "
    "{stakeholder}.",
    "customer_profiling": "Well-rounded customer profile, including reimbursement and "
    "operational detail.",
    "business_insight": "Connected our value story to {account}'s capacity and cost priorities.",
    "questioning": "Excellent open questions; let the customer do the talking.",
    "listening_empathy": "Listened well and handled the concern with empathy and balanced "
    "information.",
    "gaining_commitment": "Left with a specific, dated next step from the customer.",
    "cross_functional_collaboration": "Brings {teammate} and the wider account team in early.",
    "account_team_coordination": "Keeps the account team's activity sequenced around customer "
    "milestones.",
    "team_communication": "Crisp, timely updates that the account team can act on.",
    "influence_without_authority": "Leads the account team well without formal authority.",
    "plan_execution": "Reliable follow-through on plan actions and commitments.",
    "plan_review_discipline": "Keeps the {account} plan current: a working document, not a form.",
}

# Lines that say nothing observed: what written notes too often hold (no competency, no
# example, only general words).
VAGUE_PRAISE = (
    "Great job today, very professional.",
    "Good call overall, keep it up!",
    "Really strong presence with the customer.",
    "Excellent energy and attitude, well done.",
)
GENERAL_STRENGTHS = (
    "Well prepared: had the plan's goals and open actions to hand before the call.",
    "Good rapport with the {stakeholder}; the customer clearly trusts {rep_first}.",
    "Open to feedback and quick to try the suggested approach.",
    "Calm and credible when the conversation turned to the biosimilar.",
)

DEVELOPMENT = {
    "account_situation_analysis": "Refresh the {account} situation summary: separate facts from "
    "assumptions and test the top two assumptions with the {stakeholder}.",
    "strategic_priorities": "Rewrite the goals with a baseline, a measure and a target date, "
    "and cut the plan to three priorities.",
    "stakeholder_mapping": "Complete the stakeholder map for the P&T decision, including finance "
    "and the value analysis committee, and rate relationships on evidence.",
    "customer_profiling": "Fill the empty profile areas with {teammate} before the next plan "
    "review, starting with reimbursement.",
    "business_insight": "Open the next conversation from the customer's capacity and budget "
    "priorities, not product features; practise with the approved capacity calculator.",
    "questioning": "Prepare three open questions from the plan before each call, and hold back "
    "the solution until the need is clear.",
    "listening_empathy": "Clarify and summarise the concern before responding, especially on "
    "biosimilar and workload objections.",
    "gaining_commitment": "End every call with a customer-owned next step and a date, and log "
    "it in the plan the same day.",
    "cross_functional_collaboration": "Involve {teammate} ({teammate_role}) in planning, not just "
    "when a problem comes up; set a standing 15-minute check-in.",
    "account_team_coordination": "Put owners and dates on every open action and sequence team "
    "visits around the P&T date.",
    "team_communication": "After key meetings, send the team a three-line update: what "
    "happened, impact, asks.",
    "influence_without_authority": "Make specific asks of teammates tied to the shared goal, "
    "and close the open disagreement on timing.",
    "plan_execution": "Clear or re-date the overdue actions this week, and check teammates' open "
    "items before they slip.",
    "plan_review_discipline": "Update the plan after every significant customer event and "
    "review it with the team monthly.",
}

PRIVATE_NOTES = (
    "Consider {rep_first} for the key account manager development programme at mid-year.",
    "Seemed stretched: covering the {account} community sites plus the vacant territory. "
    "Check workload at our next 1:1.",
    "Ask {teammate}'s manager how the collaboration looks from their side before the review.",
    "Rating on commitment is generous; watch whether the next steps actually happen.",
    "Raise the overdue plan actions at the quarterly review if they are not cleared by then.",
    "Mentioned interest in a market access role; plan a career conversation.",
    "Good example for the regional meeting; ask {rep_first} whether they are happy to share it.",
    "Relationship with the {stakeholder} is fragile after the supply issue; keep an eye on it.",
)

ACK_COMMENTS = (
    "Thanks, agree on the focus. I'll set up the check-in with {teammate} this week.",
    "Fair feedback on the close. I'll try the stronger ask at the P&T pre-meeting.",
    "Agreed. I've already updated the stakeholder map in the plan.",
    "Helpful session. Can we do the next ride-along at one of the community sites?",
    "Got it. The overdue actions are on my list for Friday.",
    "Thanks, the tips on the budget-impact conversation were really useful.",
    "Agree with most of it. I think the {stakeholder} was more positive than the rating "
    "suggests; happy to discuss.",
)

# (owner, title): owner "rep" or "manager".
FOLLOW_UPS = (
    ("rep", "Send the {stakeholder} the approved chair-time summary discussed on the call"),
    ("rep", "Book a planning call with {teammate} ({teammate_role}) before the next P&T meeting"),
    ("rep", "Update the stakeholder map in the {account} plan"),
    ("rep", "Fill in the reimbursement profile for {account} with {teammate}"),
    ("rep", "Confirm the value analysis committee submission date with supply chain"),
    ("rep", "Prepare three open questions for the next call with the {stakeholder}"),
    ("rep", "Clear or re-date the overdue actions in the {account} plan"),
    ("rep", "Send the account team a short update after the pharmacy meeting"),
    ("manager", "Join the next ride-along at {account}"),
    ("manager", "Introduce {rep_first} to the national account director for the GPO discussion"),
    ("manager", "Share the objection-handling module on biosimilar conversations"),
    ("manager", "Check with {teammate}'s manager on support for the P&T submission"),
)

# Competencies a manager typically observes in each kind of session.
TYPE_FOCUS = {
    SessionType.RIDE_ALONG: (
        "questioning",
        "listening_empathy",
        "gaining_commitment",
        "business_insight",
        "stakeholder_mapping",
        "customer_profiling",
        "cross_functional_collaboration",
    ),
    SessionType.VIRTUAL_CALL: (
        "questioning",
        "listening_empathy",
        "gaining_commitment",
        "business_insight",
        "team_communication",
    ),
    SessionType.ONE_ON_ONE: (
        "influence_without_authority",
        "cross_functional_collaboration",
        "team_communication",
        "plan_execution",
        "account_team_coordination",
        "strategic_priorities",
    ),
    SessionType.PLAN_REVIEW: (
        "account_situation_analysis",
        "strategic_priorities",
        "stakeholder_mapping",
        "customer_profiling",
        "plan_execution",
        "plan_review_discipline",
        "account_team_coordination",
    ),
}
TYPE_WEIGHTS = {
    SessionType.RIDE_ALONG: 40,
    SessionType.VIRTUAL_CALL: 20,
    SessionType.ONE_ON_ONE: 20,
    SessionType.PLAN_REVIEW: 20,
}


# ----------------------------------------------------------------------- seeding


def seed_demo(db: Session, scale: int = 1, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo organisation (``scale`` copies of it); idempotent.

    Copy 1 uses the documented emails (director@example.com, manager@example.com,
    rep1@example.com, ...); copy N > 1 prefixes them with ``sN.`` and suffixes account
    names with ``(sN)``. A copy whose director exists is skipped. Commits once per copy.
    Returns how many rows of each kind were created.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    today = today or utcnow().date()
    now = _clock(today)
    counts = dict.fromkeys(COUNT_KEYS, 0)

    guide_exists = db.scalar(
        select(CoachingGuide.id).where(CoachingGuide.name == DEFAULT_GUIDE_NAME)
    )
    version = ensure_default_guide(db)
    counts["guides"] += 0 if guide_exists else 1
    # Plain ids: ORM objects expire at every commit below and would be reloaded one by one.
    competencies = {c.key: c.id for section in version.sections for c in section.competencies}
    version_id = version.id

    directors = set(
        db.scalars(
            select(User.email).where(
                or_(User.email == _email(1, "director"), User.email.like(f"s%.director@{DOMAIN}"))
            )
        )
    )
    missing = [n for n in range(1, scale + 1) if _email(n, "director") not in directors]
    admin_missing = db.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is None

    # argon2 is deliberately slow and memory-hard (tens of milliseconds and 64 MiB per hash),
    # so hashing once per demo user would dominate --scale runs; every demo user shares the
    # one documented password, and a shared hash reveals nothing beyond that.
    password_hash = hash_password(DEMO_PASSWORD) if missing or admin_missing else ""

    if admin_missing:
        db.add(
            User(
                email=ADMIN_EMAIL,
                name="Priya Raman",
                password_hash=password_hash,
                role=Role.ADMIN,
                function=Function.OTHER,
                timezone="America/New_York",
                created_at=now - dt.timedelta(days=600),
            )
        )
        counts["users"] += 1
    default_target = db.scalar(
        select(CadenceTarget.id).where(CadenceTarget.team_manager_id.is_(None))
    )
    if default_target is None:
        db.add(CadenceTarget(team_manager_id=None, any_coaching_days=14, ride_along_days=30))
        counts["cadence_targets"] += 1
    db.commit()

    for n in missing:
        _check_copy_is_free(db, n)
        builder = _CopyBuilder(db, n, today, now, password_hash, version_id, competencies)
        builder.build()
        db.commit()
        for key, value in builder.counts.items():
            counts[key] += value
    return counts


def _email(n: int, handle: str) -> str:
    return f"{handle}@{DOMAIN}" if n == 1 else f"s{n}.{handle}@{DOMAIN}"


def _account_name(n: int, spec: _AccountSpec) -> str:
    return spec.name if n == 1 else f"{spec.name} (s{n})"


def _copy_handles() -> list[str]:
    return [leader.handle for leader in LEADERS] + [f"rep{rep.number}" for rep in REPS]


def _check_copy_is_free(db: Session, n: int) -> None:
    emails = [_email(n, handle) for handle in _copy_handles()]
    taken = list(db.scalars(select(User.email).where(User.email.in_(emails))))
    names = [_account_name(n, spec) for spec in ACCOUNTS]
    taken += list(db.scalars(select(Account.name).where(Account.name.in_(names))))
    if taken:
        raise RuntimeError(
            f"Demo copy {n} is partly present without its director ({', '.join(sorted(taken))}); "
            "remove these or use a fresh database."
        )


def _clock(today: dt.date) -> dt.datetime:
    """'Now' for the demo: the real time when seeding for today, else the end of that day."""
    current = utcnow()
    if current.date() == today:
        return current
    return _at(today, 23, 0)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _half_year(day: dt.date) -> tuple[str, dt.date, dt.date]:
    if day.month <= 6:
        return f"{day.year}-H1", dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
    return f"{day.year}-H2", dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@dataclass(slots=True)
class _PlanContext:
    plan: AccountPlan
    account: Account
    spec: _AccountSpec
    stakeholder_refs: list[str]
    teammates: list[tuple[User, Function]]  # excluding the owner


class _CopyBuilder:
    """Builds one copy of the demo organisation in memory, then adds it to the session."""

    def __init__(
        self,
        db: Session,
        n: int,
        today: dt.date,
        now: dt.datetime,
        password_hash: str,
        guide_version_id: int,
        competencies: dict[str, int],
    ) -> None:
        self.db = db
        self.n = n
        self.today = today
        self.now = now
        self.password_hash = password_hash
        self.guide_version_id = guide_version_id
        self.competencies = competencies
        # str seeds are hashed deterministically (not affected by PYTHONHASHSEED).
        self.rng = random.Random(f"coachapp-demo-{n}")  # made-up demo data  # nosec B311
        self.period, self.period_start, self.period_end = _half_year(today)
        self.previous_period, self.previous_start, self.previous_end = _half_year(
            self.period_start - _days(1)
        )
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.pending: list[object] = []
        # Ratings and follow-ups wait for their session's id (see build()).
        self.session_children: list[tuple[CoachingSession, Sequence[SessionRating | FollowUp]]] = []

    def build(self) -> None:
        users = self._users()
        accounts = {
            spec.short: Account(
                name=_account_name(self.n, spec),
                type=spec.type,
                region=spec.region,
                created_at=self.now - _days(700),
            )
            for spec in ACCOUNTS
        }
        self.db.add_all([*users.values(), *accounts.values()])
        self.counts["users"] += len(users)
        self.counts["accounts"] += len(accounts)
        # Rows below refer to users, accounts and plans by id rather than through
        # relationships: assigning a User to a relationship makes every add cascade through
        # the whole manager/reports graph, which was most of the build time. Hence a flush
        # per stage (users and accounts, plans, sessions, ratings), and one commit per copy.
        self.db.flush()
        for user in users.values():
            # Each reporting line as it started, the day the person joined.
            change_manager(self.db, user, user.manager_id, actor=None, at=user.created_at)

        reps = {rep.number: users[f"rep{rep.number}"] for rep in REPS}
        plans: list[tuple[_Rep, _PlanContext, _PlanContext | None]] = []
        for rep_spec in REPS:
            rep = reps[rep_spec.number]
            account_spec = _ACCOUNTS_BY_SHORT[rep_spec.account]
            account = accounts[rep_spec.account]
            teammates = self._pick_teammates(rep_spec, reps)
            current = self._plan(account_spec, account, rep, rep_spec, teammates, previous=False)
            previous = (
                self._plan(account_spec, account, rep, rep_spec, teammates, previous=True)
                if rep_spec.previous_plan
                else None
            )
            plans.append((rep_spec, current, previous))
        self._flush_pending()

        for rep_spec, current, previous in plans:
            rep = reps[rep_spec.number]
            manager = users[rep_spec.manager]
            self._sessions(rep_spec, rep, manager, current, previous)
            self._focus(rep_spec, rep, manager, current)
        leader, rep_number, ride_note = RIDE_TOMORROW
        manager = users[leader]
        self._add(
            PlannedRideAlong(
                manager_id=manager.id,
                rep_id=reps[rep_number].id,
                plan_id=next(ctx.plan.id for spec, ctx, _ in plans if spec.number == rep_number),
                day=local_today(manager.timezone, self.now) + _days(1),
                note=ride_note,
                uid=uuid.uuid5(uuid.NAMESPACE_URL, f"coachapp-demo-{self.n}-ride-tomorrow"),
                created_at=self.now - _days(6),
                updated_at=self.now - _days(6),
            ),
            kind="ride_alongs",
        )
        self._add(
            CadenceTarget(
                team_manager_id=users["manager3"].id, any_coaching_days=21, ride_along_days=45
            ),
            kind="cadence_targets",
        )
        self._flush_pending()

        for session, children in self.session_children:
            for child in children:
                child.session_id = session.id
            self.pending.extend(children)
        self.session_children = []
        self._flush_pending()

    # ----------------------------------------------------------------- helpers

    def _add(self, *objects: object, kind: str) -> None:
        self.pending.extend(objects)
        self.counts[kind] += len(objects)

    def _add_to_session(
        self,
        session: CoachingSession,
        children: Sequence[SessionRating | FollowUp],
        *,
        kind: str,
    ) -> None:
        self.session_children.append((session, children))
        self.counts[kind] += len(children)

    def _flush_pending(self) -> None:
        self.db.add_all(self.pending)
        self.db.flush()
        self.pending = []

    def _clamp(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now)

    def _users(self) -> dict[str, User]:
        users: dict[str, User] = {}
        for leader in LEADERS:
            users[leader.handle] = User(
                email=_email(self.n, leader.handle),
                name=leader.name,
                password_hash=self.password_hash,
                role=leader.role,
                function=Function.SALES,
                timezone=leader.timezone,
                region=leader.region,
                manager=users[leader.manager] if leader.manager else None,
                created_at=self.now - _days(900),
            )
        for rep in REPS:
            users[f"rep{rep.number}"] = User(
                email=_email(self.n, f"rep{rep.number}"),
                name=rep.name,
                password_hash=self.password_hash,
                role=Role.REP,
                function=rep.function,
                timezone=rep.timezone,
                region=_ACCOUNTS_BY_SHORT[rep.account].region,
                manager=users[rep.manager],
                created_at=self.now - _days(rep.joined_days_ago),
            )
        return users

    def _pick_teammates(self, spec: _Rep, reps: dict[int, User]) -> list[tuple[User, Function]]:
        """1-3 colleagues of other functions, mostly from the owner's own team."""
        candidates = [
            (other, reps[other.number])
            for other in REPS
            if other.function != spec.function and other.number != spec.number
        ]
        chosen: list[tuple[User, Function]] = []
        for _ in range(self.rng.randint(1, 3)):
            if not candidates:
                break
            weights = [3 if other.manager == spec.manager else 1 for other, _user in candidates]
            other, user = self.rng.choices(candidates, weights=weights)[0]
            chosen.append((user, other.function))
            candidates = [c for c in candidates if c[0].function != other.function]
        return chosen

    # ------------------------------------------------------------------- plans

    def _plan(
        self,
        spec: _AccountSpec,
        account: Account,
        owner: User,
        rep_spec: _Rep,
        teammates: list[tuple[User, Function]],
        *,
        previous: bool,
    ) -> _PlanContext:
        rng = self.rng
        if previous:
            period, start, end = self.previous_period, self.previous_start, self.previous_end
            status = PlanStatus.ARCHIVED
            created = _at(start - _days(rng.randint(5, 20)), 15)
            updated = _at(end + _days(rng.randint(1, 10)), 16)
        else:
            period, start, end = self.period, self.period_start, self.period_end
            status = rep_spec.plan_status
            joined = self.today - _days(rep_spec.joined_days_ago)
            first_day = max(start - _days(10), joined + _days(3))
            created = _at(first_day + _days(rng.randint(0, 12)), 15)
            updated = _at(self.today - _days(rng.randint(1, 25)), 18)
        created, updated = self._clamp(created), self._clamp(max(created, updated))

        priorities = spec.priorities[:2] if status == PlanStatus.DRAFT else spec.priorities
        strategic = f"{spec.situation}\n\nPriorities for {period}:\n" + "\n".join(
            f"{i}. {text}" for i, text in enumerate(priorities, start=1)
        )
        profile = self._profile(spec, status)
        plan = AccountPlan(
            account_id=account.id,
            period=period,
            owner_id=owner.id,
            status=status,
            strategic_priorities=strategic,
            profile_business=profile["business"],
            profile_clinical=profile["clinical"],
            profile_operational=profile["operational"],
            profile_reimbursement=profile["reimbursement"],
            created_at=created,
            updated_at=updated,
            last_activity_at=updated,
        )
        self._add(plan, kind="account_plans")

        team = [
            PlanTeamMember(
                plan=plan,
                user_id=owner.id,
                responsibility="Plan owner. " + rng.choice(RESPONSIBILITIES[rep_spec.function]),
            )
        ]
        team += [
            PlanTeamMember(
                plan=plan, user_id=user.id, responsibility=rng.choice(RESPONSIBILITIES[fn])
            )
            for user, fn in teammates
        ]
        self._add(*team, kind="plan_team_members")

        self._goals(plan, spec, start, end, previous=previous)
        self._actions(
            plan, spec, owner, rep_spec.function, teammates, start, end, previous=previous
        )
        refs = self._stakeholders(plan, spec)
        return _PlanContext(plan, account, spec, refs, teammates)

    def _profile(self, spec: _AccountSpec, status: PlanStatus) -> dict[str, str]:
        rng = self.rng
        if status == PlanStatus.DRAFT:
            empty = rng.choice((2, 3))
        elif status == PlanStatus.ARCHIVED:
            empty = rng.choices((0, 1), weights=(70, 30))[0]
        else:
            empty = rng.choices((0, 1, 2), weights=(40, 40, 20))[0]
        blank = set(rng.sample(PROFILE_AREAS, empty))
        profile: dict[str, str] = {}
        for area in PROFILE_AREAS:
            if area in blank:
                profile[area] = ""
            elif spec.type == AccountType.PAYER:
                profile[area] = PROFILE_PAYER[area]
            elif spec.type == AccountType.MEDICAL_GROUP:
                profile[area] = rng.choice(PROFILE_GROUP[area])
            else:
                profile[area] = rng.choice(PROFILE_HOSPITAL[area]).format(short=spec.short)
        return profile

    def _goals(
        self, plan: AccountPlan, spec: _AccountSpec, start: dt.date, end: dt.date, *, previous: bool
    ) -> None:
        rng = self.rng
        pool = {
            AccountType.PAYER: GOALS_PAYER,
            AccountType.MEDICAL_GROUP: GOALS_GROUP,
        }.get(spec.type, GOALS_HOSPITAL)
        goals = []
        for position, (title, measure, value) in enumerate(rng.sample(pool, rng.randint(2, 4))):
            if previous:
                target = start + _days(rng.randint(60, (end - start).days))
                status = rng.choices(
                    (GoalStatus.DONE, GoalStatus.OFF_TRACK, GoalStatus.AT_RISK),
                    weights=(60, 30, 10),
                )[0]
            else:
                target = self.today + _days(rng.randint(-30, 130))
                if target < self.today:
                    status = rng.choices(
                        (GoalStatus.DONE, GoalStatus.OFF_TRACK, GoalStatus.AT_RISK),
                        weights=(50, 30, 20),
                    )[0]
                else:
                    status = rng.choices(
                        (
                            GoalStatus.ON_TRACK,
                            GoalStatus.AT_RISK,
                            GoalStatus.OFF_TRACK,
                            GoalStatus.DONE,
                        ),
                        weights=(50, 28, 12, 10),
                    )[0]
            goals.append(
                PlanGoal(
                    plan=plan,
                    position=position,
                    title=title,
                    measure=measure,
                    target_date=target,
                    status=status,
                    value=value,
                )
            )
        self._add(*goals, kind="plan_goals")

    def _actions(
        self,
        plan: AccountPlan,
        spec: _AccountSpec,
        owner: User,
        owner_function: Function,
        teammates: list[tuple[User, Function]],
        start: dt.date,
        end: dt.date,
        *,
        previous: bool,
    ) -> None:
        rng = self.rng
        members = list(teammates)
        rng.shuffle(members)
        members.append((owner, owner_function))  # teammates first: actions span functions
        used: set[str] = set()
        items = []
        for i in range(rng.randint(2, 5)):
            user, function = members[i % len(members)]
            pool = ACTIONS_PAYER if spec.type == AccountType.PAYER else ACTIONS[function]
            options = [title for title in pool if title not in used] or list(pool)
            title = rng.choice(options)
            used.add(title)
            if previous:
                due = start + _days(rng.randint(20, (end - start).days))
                status = rng.choices((ActionStatus.DONE, ActionStatus.CANCELLED), (85, 15))[0]
            else:
                due = self.today + _days(rng.randint(-35, 45))
                if due < self.today:
                    status = rng.choices(
                        (ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.CANCELLED),
                        weights=(55, 38, 7),
                    )[0]
                else:
                    status = rng.choices((ActionStatus.OPEN, ActionStatus.DONE), (88, 12))[0]
            completed = None
            if status == ActionStatus.DONE:
                completed = self._clamp(_at(due - _days(rng.randint(0, 6)), 17, 30))
                updated = completed
            elif status == ActionStatus.OPEN and due < self.today:
                # An overdue action nobody has touched for weeks: a stale plan.
                updated = self._clamp(_at(self.today - _days(rng.randint(20, 60)), 14))
            else:
                updated = self._clamp(_at(min(due, self.today) - _days(rng.randint(1, 20)), 14))
            items.append(
                PlanActionItem(
                    plan=plan,
                    title=title,
                    owner_id=user.id,
                    due_date=due,
                    status=status,
                    completed_at=completed,
                    updated_at=updated,
                )
            )
        self._add(*items, kind="plan_action_items")

    def _stakeholders(self, plan: AccountPlan, spec: _AccountSpec) -> list[str]:
        rng = self.rng
        pool = {
            AccountType.PAYER: STAKEHOLDERS_PAYER,
            AccountType.MEDICAL_GROUP: STAKEHOLDERS_GROUP,
        }.get(spec.type, STAKEHOLDERS_HOSPITAL)
        chosen = rng.sample(pool, rng.randint(2, 4))
        names: set[str] = set()
        rows = []
        for person in chosen:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            while name in names:
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            names.add(name)
            relationship = rng.choices(
                (
                    Relationship.NONE,
                    Relationship.WEAK,
                    Relationship.NEUTRAL,
                    Relationship.GOOD,
                    Relationship.STRONG,
                ),
                weights=(6, 20, 30, 30, 14),
            )[0]
            role = person.role
            if role == DecisionRole.INFLUENCER and relationship == Relationship.STRONG:
                role = DecisionRole.CHAMPION
            rows.append(
                PlanStakeholder(
                    plan=plan,
                    name=f"Dr. {name}" if person.doctor else name,
                    title=person.title,
                    decision_role=role,
                    relationship_strength=relationship,
                )
            )
        self._add(*rows, kind="plan_stakeholders")
        return [person.ref for person in chosen]

    # ---------------------------------------------------------------- coaching

    def _session_days(self, spec: _Rep) -> list[dt.date]:
        if spec.last_coached is None:
            return []
        rng = self.rng
        earliest = self.today - _days(HISTORY_DAYS)
        day = self.today - _days(rng.randint(*spec.last_coached))
        days = []
        while day >= earliest:
            days.append(day)
            day -= _days(rng.randint(7, 21))
        return sorted(days)

    def _sessions(
        self,
        spec: _Rep,
        rep: User,
        manager: User,
        current: _PlanContext,
        previous: _PlanContext | None,
    ) -> None:
        rng = self.rng
        # Each rep has a level and a profile across competencies; focus areas start lower
        # and improve over the six months.
        level = rng.uniform(2.0, 3.1)
        offsets = {key: rng.uniform(-0.6, 0.6) for key in self.competencies}
        held = self._session_days(spec)
        days = [(day, False) for day in held]
        if spec.draft_days_ago is not None:
            days.append((self.today - _days(spec.draft_days_ago), True))
        for day, is_draft in days:
            ctx = previous if previous is not None and day < self.period_start else current
            awaiting_ack = spec.unacknowledged and not is_draft and day == held[-1]
            self._session(spec, rep, manager, ctx, day, is_draft, awaiting_ack, level, offsets)

    def _session(
        self,
        spec: _Rep,
        rep: User,
        manager: User,
        ctx: _PlanContext,
        day: dt.date,
        is_draft: bool,
        awaiting_ack: bool,
        level: float,
        offsets: dict[str, float],
    ) -> None:
        rng = self.rng
        if ctx.teammates:
            teammate, teammate_fn = rng.choice(ctx.teammates)
        else:
            teammate, teammate_fn = manager, Function.SALES
        text = {
            "account": ctx.spec.short,
            "stakeholder": rng.choice(ctx.stakeholder_refs),
            "teammate": teammate.name,
            "teammate_role": ROLE_NOUN[teammate_fn],
            "rep_first": rep.name.split()[0],
        }
        session_type = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
        age = (self.today - day).days

        if is_draft:
            status = SessionStatus.DRAFT
        elif age <= 2 or awaiting_ack:
            status = SessionStatus.SHARED
        elif age <= 10:
            status = rng.choices((SessionStatus.SHARED, SessionStatus.ACKNOWLEDGED), (35, 65))[0]
        else:
            status = SessionStatus.ACKNOWLEDGED

        created = self._clamp(_at(day, rng.randint(15, 20), rng.randint(0, 59)))
        shared = acknowledged = None
        ack_comment = None
        if status != SessionStatus.DRAFT:
            shared = self._clamp(created + dt.timedelta(minutes=rng.randint(5, 240)))
        if status == SessionStatus.ACKNOWLEDGED and shared is not None:
            acknowledged = self._clamp(shared + dt.timedelta(hours=rng.uniform(2, 60)))
            if rng.random() < 0.75:
                ack_comment = rng.choice(ACK_COMMENTS).format(**text)
        updated = acknowledged or shared or created
        seen = None
        if shared is not None and not (status == SessionStatus.SHARED and age <= UNREAD_DAYS):
            seen = self._clamp(shared + dt.timedelta(minutes=15))  # before rating or replying

        ratings = self._ratings(spec, session_type, day, level, offsets, text)
        scored = [(score, key) for key, score, _ in ratings if score is not None]
        strengths, development = self._summary(spec, scored, text)

        client_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
        self_assessment, self_rated_at = self._self_rating(client_uuid, ratings, shared, status)
        strengths = self._now_and_then_vague(client_uuid, strengths)
        session = CoachingSession(
            client_uuid=client_uuid,
            manager_id=manager.id,
            rep_id=rep.id,
            account_id=ctx.account.id,
            plan_id=ctx.plan.id,
            guide_version_id=self.guide_version_id,
            type=session_type,
            occurred_on=day,
            status=status,
            strengths=strengths,
            development_focus=development,
            private_notes=(rng.choice(PRIVATE_NOTES).format(**text) if rng.random() < 0.35 else ""),
            shared_at=shared,
            acknowledged_at=acknowledged,
            rep_seen_at=seen,
            ack_comment=ack_comment,
            self_assessment=self_assessment,
            self_rated_at=self_rated_at,
            # Acknowledged without rating themself: the self-rating was declined then.
            self_rating_skipped_at=acknowledged if self_rated_at is None else None,
            created_at=created,
            updated_at=updated,
        )
        self._add(session, kind="coaching_sessions")
        self._add_to_session(
            session,
            [
                SessionRating(
                    competency_id=self.competencies[key],
                    score=score,
                    evidence=evidence,
                )
                for key, score, evidence in ratings
            ],
            kind="session_ratings",
        )
        self._follow_ups(session, rep, manager, day, created, is_draft, text)

    def _now_and_then_vague(self, client_uuid: uuid.UUID, strengths: str) -> str:
        """About one note in five also says something that reads as general praise, as
        written notes do (coachapp.coaching.specificity flags it). A stream of its own."""
        rng = random.Random(f"vague-{client_uuid}")  # made-up demo data  # nosec B311
        if rng.random() >= 0.2:
            return strengths
        return f"{strengths}\n{rng.choice(VAGUE_PRAISE)}".strip()

    def _self_rating(
        self,
        client_uuid: uuid.UUID,
        ratings: Sequence[tuple[str, int | None, str]],
        shared: dt.datetime | None,
        status: SessionStatus,
    ) -> tuple[dict[str, object] | None, dt.datetime | None]:
        """Most reps rated themselves, blind, on their acknowledged notes: mostly as their
        manager did or a point higher, now and then two apart. A random stream of its own per
        note, so the rest of the demo stays as it was."""
        if status != SessionStatus.ACKNOWLEDGED or shared is None:
            return None, None
        rng = random.Random(f"self-rating-{client_uuid}")  # made-up demo data  # nosec B311
        if rng.random() < 0.35:
            return None, None
        own = []
        for key, score, _ in ratings:
            if score is None:
                continue
            offset = rng.choices((-2, -1, 0, 1, 2), weights=(4, 14, 44, 30, 8))[0]
            own.append(
                {"competency_id": self.competencies[key], "score": max(1, min(4, score + offset))}
            )
        at = shared + dt.timedelta(minutes=rng.randint(20, 110))  # before acknowledging
        return {"ratings": own, "at": at.isoformat()}, at

    def _ratings(
        self,
        spec: _Rep,
        session_type: SessionType,
        day: dt.date,
        level: float,
        offsets: dict[str, float],
        text: dict[str, str],
    ) -> list[tuple[str, int | None, str]]:
        rng = self.rng
        available = [key for key in TYPE_FOCUS[session_type] if key in self.competencies]
        focus = [key for key in spec.focus if key in self.competencies]
        wanted = rng.randint(3, 6)
        keys = [key for key in focus if rng.random() < 0.8][:wanted]
        rest = [key for key in available if key not in keys]
        keys += rng.sample(rest, min(wanted - len(keys), len(rest)))
        if len(keys) < 3:
            others = [key for key in self.competencies if key not in keys]
            keys += rng.sample(others, min(3 - len(keys), len(others)))

        progress = 1 - (self.today - day).days / HISTORY_DAYS
        ratings: list[tuple[str, int | None, str]] = []
        for key in keys:
            if rng.random() < 0.07:
                ratings.append((key, None, rng.choice(NOT_OBSERVED_EVIDENCE).format(**text)))
                continue
            mean = level + offsets[key]
            if key in focus:
                mean += -0.7 + 0.9 * progress
            score = max(1, min(4, round(mean + rng.gauss(0, 0.5))))
            low, high = EVIDENCE.get(key, ((), ()))
            options = low if score <= 2 else high
            evidence = rng.choice(options).format(**text) if options else ""
            ratings.append((key, score, evidence))
        return ratings

    def _summary(
        self, spec: _Rep, scored: Sequence[tuple[int, str]], text: dict[str, str]
    ) -> tuple[str, str]:
        rng = self.rng
        ranked = sorted(scored, key=lambda pair: (-pair[0], pair[1]))
        strengths = []
        if ranked and ranked[0][0] >= 3 and ranked[0][1] in STRENGTHS:
            strengths.append(STRENGTHS[ranked[0][1]].format(**text))
            if len(ranked) > 1 and ranked[1][0] >= 3 and ranked[1][1] in STRENGTHS:
                strengths.append(STRENGTHS[ranked[1][1]].format(**text))
        if not strengths or (len(strengths) < 2 and rng.random() < 0.5):
            strengths.append(rng.choice(GENERAL_STRENGTHS).format(**text))

        weakest = min(scored, default=None)
        key = weakest[1] if weakest else (spec.focus[0] if spec.focus else "questioning")
        development = DEVELOPMENT.get(key, "").format(**text)
        if key in spec.focus and development:
            development = f"Continuing focus. {development}"
        return " ".join(strengths), development

    def _follow_ups(
        self,
        session: CoachingSession,
        rep: User,
        manager: User,
        day: dt.date,
        created: dt.datetime,
        is_draft: bool,
        text: dict[str, str],
    ) -> None:
        rng = self.rng
        rep_items = [title for owner, title in FOLLOW_UPS if owner == "rep"]
        manager_items = [title for owner, title in FOLLOW_UPS if owner == "manager"]
        chosen = [(rep, rng.choice(rep_items))]
        if rng.random() < 0.45:
            if rng.random() < 0.6:
                chosen.append((manager, rng.choice(manager_items)))
            else:
                second = rng.choice([title for title in rep_items if title != chosen[0][1]])
                chosen.append((rep, second))
        rows = []
        for owner, title in chosen:
            due = day + _days(rng.randint(5, 21))
            status = FollowUpStatus.OPEN
            completed = None
            if not is_draft:
                if due < self.today - _days(45):
                    status = rng.choices(
                        (FollowUpStatus.DONE, FollowUpStatus.CANCELLED, FollowUpStatus.OPEN),
                        weights=(92, 5, 3),
                    )[0]
                elif due < self.today:
                    status = rng.choices(
                        (FollowUpStatus.DONE, FollowUpStatus.OPEN, FollowUpStatus.CANCELLED),
                        weights=(62, 33, 5),
                    )[0]
                elif (self.today - day).days >= 3 and rng.random() < 0.2:
                    status = FollowUpStatus.DONE
            if status == FollowUpStatus.DONE:
                latest = min((due - day).days + 3, (self.today - day).days)
                done_day = day + _days(rng.randint(1, max(1, latest)))
                completed = self._clamp(_at(done_day, rng.randint(13, 22), rng.randint(0, 59)))
                updated = completed
            elif status == FollowUpStatus.CANCELLED:
                updated = self._clamp(_at(min(due, self.today), 16))
            else:
                updated = created
            rows.append(
                FollowUp(
                    owner_id=owner.id,
                    created_by_id=manager.id,
                    title=title.format(**text),
                    due_date=due,
                    status=status,
                    completed_at=completed,
                    created_at=created,
                    updated_at=updated,
                )
            )
        self._add_to_session(session, rows, kind="follow_ups")

    def _focus(self, spec: _Rep, rep: User, manager: User, current: _PlanContext) -> None:
        if spec.manager != "manager" or not spec.focus:
            return
        rng = self.rng
        text = {
            "account": current.spec.short,
            "stakeholder": current.stakeholder_refs[0],
            "teammate": current.teammates[0][0].name if current.teammates else manager.name,
            "teammate_role": ROLE_NOUN[current.teammates[0][1]] if current.teammates else "sales",
            "rep_first": rep.name.split()[0],
        }
        joined = self.today - _days(spec.joined_days_ago)
        start = max(self.period_start, joined + _days(2))
        rows = [
            DevelopmentFocus(
                rep_id=rep.id,
                competency_key=key,
                period=self.period,
                checkin_days=rng.choice((14, 21)),
                goal=DEVELOPMENT[key].format(**text),
                created_by_id=manager.id,
                active=True,
                created_at=self._clamp(_at(start + _days(rng.randint(0, 10)), 16)),
            )
            for key in spec.focus
            if key in DEVELOPMENT
        ]
        self._add(*rows, kind="development_focuses")
