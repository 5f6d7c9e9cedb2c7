"""The export's sections as a person reads them on the printable page."""

from __future__ import annotations

from coachapp.languages import N_

# Marked for the catalogues; translated where shown (privacy/print.html).
SECTION_TITLES: dict[str, str] = {
    "profile": N_("Profile"),
    "rep": N_("Rep"),
    "reporting_lines": N_("Reporting lines"),
    "territories": N_("Territories"),
    "directory": N_("What the company directory says"),
    "notes": N_("Coaching notes"),
    "self_assessment_waiting": N_("Self-assessment waiting for the next note"),
    "follow_ups": N_("Follow-ups"),
    "development_focuses": N_("Development focuses"),
    "learning_journeys": N_("Learning journeys"),
    "observations": N_("Observations"),
    "coach_the_coach_notes": N_("Coach-the-coach notes"),
    "plans": N_("Account plans"),
    "plan_actions_owned": N_("Plan actions owned"),
    "plan_comments_written": N_("Plan comments written"),
    "plan_insights_written": N_("Plan insights written"),
    "goal_actuals_recorded": N_("Goal actuals recorded"),
    "account_reviews": N_("Account-team reviews"),
    "acknowledgements": N_("Acknowledgements"),
    "ride_alongs": N_("Ride-along days"),
    "push_devices": N_("Devices receiving pushes"),
    "notification_preferences": N_("Notification preferences"),
    "notifications": N_("Notifications"),
    "emails": N_("Emails"),
    "calendar_feeds": N_("Calendar feeds"),
    "sign_in_sessions": N_("Sign-in sessions"),
    "sign_in_attempts": N_("Sign-in attempts"),
    "api_tokens": N_("API tokens"),
    "password_links": N_("Password links"),  # nosec B105 - a section's title, not a secret
    "account_change_requests": N_("Account change requests"),
    "audit_entries": N_("Audit entries"),
    "competencies": N_("Competencies named by id above"),
}
