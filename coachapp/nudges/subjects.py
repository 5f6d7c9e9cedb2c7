"""What a notification is about, as one string per thing ("follow_up:5"): opening that thing,
or acting on it, marks every notification about it read (coachapp.inbox.service)."""

from __future__ import annotations


def note(note_id: int) -> str:
    return f"coaching_session:{note_id}"


def follow_up(follow_up_id: int) -> str:
    return f"follow_up:{follow_up_id}"


def ride_along(ride_id: int) -> str:
    return f"ride_along:{ride_id}"


def coach_note(note_id: int) -> str:
    return f"coach_note:{note_id}"


def review(review_id: int) -> str:
    """An account-team review (coachapp.reviews)."""
    return f"account_review:{review_id}"


def observation(observation_id: int) -> str:
    return f"observation:{observation_id}"


def org_dashboard() -> str:
    """The director's dashboard (the weekly digest)."""
    return "org_dashboard"


def notification_settings() -> str:
    """One's notification settings (a test notification)."""
    return "notification_settings"


def own_account() -> str:
    """One's own account (what an admin did to it), listed under Me."""
    return "own_account"


def pending_approvals() -> str:
    """The account changes waiting for an admin's approval, listed under People."""
    return "pending_approvals"


def person(user_id: int) -> str:
    """A rep a manager is nudged about (coaching due)."""
    return f"user:{user_id}"


def journey_step(progress_id: int) -> str:
    """A learning-journey step that reached a rep (coachapp.journeys)."""
    return f"journey_step:{progress_id}"


def focus(focus_id: int) -> str:
    """A rep's development focus, due a check-in."""
    return f"development_focus:{focus_id}"
