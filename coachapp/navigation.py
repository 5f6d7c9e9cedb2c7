"""The bottom navigation each role sees, and other values every template needs."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_decimal
from flask_login import current_user

from coachapp.coaching.service import unread_notes_count
from coachapp.db import get_session
from coachapp.forms import max_length
from coachapp.inbox.service import unread_count
from coachapp.languages import formatted
from coachapp.languages import lazy_gettext as _
from coachapp.links import script_links
from coachapp.models import FUNCTION_LABELS, NOT_OBSERVED_LABEL, RATING_SCALE, Role
from coachapp.timezones import local_time


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string, in the reader's language
    icon: str
    # Other endpoints under this tab, so it stays highlighted on their pages.
    also: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def current(self) -> bool:
        return request.endpoint == self.endpoint or request.endpoint in self.also


INBOX = NavItem("inbox.index", _("Inbox"), "inbox", also=("inbox.mark_all_read",))
PLANS = NavItem(
    "plans.index",
    _("Plans"),
    "plans",
    also=("plans.show", "plans.new", "plans.history", "plans.team_qbr", "plans.qbr"),
)
ME = NavItem("me.index", _("Me"), "person")

NAV_BY_ROLE = {
    Role.MANAGER: (
        NavItem(
            "team.today",
            _("Today"),
            "today",
            also=("coaching.follow_ups", "coach_notes.index", "coach_notes.show"),
        ),
        NavItem(
            "team.team",
            _("Team"),
            "team",
            also=(
                "team.person",
                "coaching.edit",
                "coaching.show",
                "coaching.index",
                "dashboard.team_summary",
                "dashboard.impact",
            ),
        ),
        PLANS,
        INBOX,
        ME,
    ),
    Role.REP: (
        NavItem(
            "team.my_page",
            _("Today"),
            "today",
            also=("coaching.follow_ups", "journeys.index", "journeys.step"),
        ),
        NavItem("coaching.index", _("Notes"), "notes", also=("coaching.show",)),
        PLANS,
        INBOX,
        ME,
    ),
    Role.DIRECTOR: (
        NavItem(
            "dashboard.index",
            _("Teams"),
            "team",
            also=(
                "team.person",
                "dashboard.region",
                "dashboard.find_person",
                "dashboard.team",
                "dashboard.team_summary",
                "dashboard.impact",
                "coaching.show",
                "coach_notes.index",
                "coach_notes.new",
                "coach_notes.create",
                "coach_notes.show",
                "coach_notes.update",
            ),
        ),
        PLANS,
        INBOX,
        ME,
    ),
    Role.ADMIN: (
        NavItem(
            "admin.users",
            _("People"),
            "team",
            also=(
                "admin.edit_user",
                "admin.new_user",
                "admin.org_import_page",
                "admin.preview_org_import",
                "admin.apply_org_import",
                "admin.account_import_page",
                "admin.preview_account_import",
                "admin.apply_account_import",
                "admin.preview_territory_alignment",
                "admin.apply_territory_alignment",
                "admin.cadence_targets_page",
                "admin.save_cadence_target",
                "admin.worker_page",
                "privacy.retention_page",
                "privacy.save_retention",
                "privacy.admin_export",
                "privacy.admin_export_download",
                "admin.approve_change",
                "admin.decline_change",
            ),
        ),
        NavItem(
            "admin.guides",
            _("Guides"),
            "notes",
            also=("admin.guide", "journeys.admin_index", "journeys.admin_journey"),
        ),
        NavItem("admin.profiling", _("Profiling"), "plans"),
        INBOX,
        ME,
    ),
}


def template_globals() -> dict[str, Any]:
    # Someone who must choose their own password first sees nothing else to go to.
    if not current_user.is_authenticated or current_user.must_change_password:
        return {
            "nav_items": (),
            "nav_unread": {},
            "function_labels": FUNCTION_LABELS,
            "new_client_uuid": lambda: str(uuid.uuid4()),
        }
    db = get_session()
    # What each tab shows as unread: its badge, and in the link's name ("Notes, 2 unread").
    unread = {"inbox.index": unread_count(db, current_user)}
    if current_user.role == Role.REP:
        unread["coaching.index"] = unread_notes_count(db, current_user)
    return {
        "nav_items": NAV_BY_ROLE[current_user.role],
        "nav_unread": unread,
        "function_labels": FUNCTION_LABELS,
        "new_client_uuid": lambda: str(uuid.uuid4()),
    }


def localtime(value: dt.datetime, fmt: str = "%-d %b %Y, %H:%M") -> str:
    """A UTC timestamp shown in the signed-in user's time zone."""
    name = current_user.timezone if current_user.is_authenticated else "UTC"
    return formatted(local_time(value, name), fmt)


def thousands(count: int) -> str:
    """A whole number with its thousands marked as the reader's language marks them: 2,521 in
    English, 25.000 in Spanish (Babel)."""
    return str(format_decimal(count))


def init_app(app: Flask) -> None:
    app.context_processor(template_globals)
    # The rating scale's words, for every template and the macros they import.
    app.jinja_env.globals.update(rating_scale=RATING_SCALE, not_observed_label=NOT_OBSERVED_LABEL)
    # A form field's maxlength, read from the schema that holds the limit (coachapp.forms).
    app.jinja_env.globals.update(max_length=max_length)
    # The pages the scripts link to (coachapp.links), on every page, error pages included.
    app.jinja_env.globals.update(script_links=script_links)
    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(thousands, "thousands")
