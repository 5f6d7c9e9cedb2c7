"""The export's sections as a person reads them on the printable page."""

from __future__ import annotations

SECTION_TITLES: dict[str, str] = {
    "profile": "Profile",
    "rep": "Rep",
    "reporting_lines": "Reporting lines",
    "territories": "Territories",
    "directory": "What the company directory says",
    "notes": "Coaching notes",
    "self_assessment_waiting": "Self-assessment waiting for the next note",
    "follow_ups": "Follow-ups",
    "development_focuses": "Development focuses",
    "learning_journeys": "Learning journeys",
    "observations": "Observations",
    "coach_the_coach_notes": "Coach-the-coach notes",
    "plans": "Account plans",
    "plan_actions_owned": "Plan actions owned",
    "plan_comments_written": "Plan comments written",
    "plan_insights_written": "Plan insights written",
    "goal_actuals_recorded": "Goal actuals recorded",
    "account_reviews": "Account-team reviews",
    "acknowledgements": "Acknowledgements",
    "ride_alongs": "Ride-along days",
    "push_devices": "Devices receiving pushes",
    "notification_preferences": "Notification preferences",
    "notifications": "Notifications",
    "emails": "Emails",
    "calendar_feeds": "Calendar feeds",
    "sign_in_sessions": "Sign-in sessions",
    "sign_in_attempts": "Sign-in attempts",
    "api_tokens": "API tokens",
    "password_links": "Password links",  # nosec B105 - a section's title, not a secret
    "account_change_requests": "Account change requests",
    "audit_entries": "Audit entries",
    "competencies": "Competencies named by id above",
}
