"""The kinds of notification: what a user can mute, and how urgently each is pushed."""

from __future__ import annotations

from dataclasses import dataclass

from coachapp.languages import N_

DAY = 24 * 3600


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # as shown on the preferences page
    urgency: str  # RFC 8030: very-low, low, normal, high
    ttl: int  # seconds the push service keeps it for an offline device
    # The push's title: generic, since a push may show on a lock screen. The inbox, after
    # sign-in, shows the notification's own title, which names the person and account.
    # Marked for the catalogues; written in the recipient's language when sent.
    push_title: str


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("note_shared", N_("A coaching note is shared with me"), "normal", 3 * DAY,
             N_("New coaching note from your manager")),
        Kind("note_unacknowledged", N_("A coaching note waits for acknowledgement"), "normal", DAY,
             N_("A coaching note waits for acknowledgement")),
        Kind("note_acknowledged", N_("A rep replies to my coaching note"), "normal", 3 * DAY,
             N_("A rep replied to your coaching note")),
        Kind("follow_up_due", N_("A follow-up is due tomorrow"), "normal", DAY,
             N_("A follow-up is due tomorrow")),
        Kind("follow_up_overdue", N_("A follow-up is overdue"), "normal", DAY,
             N_("A follow-up is overdue")),
        Kind("cadence_overdue", N_("A rep is not coached within the cadence target"), "low",
             2 * DAY, N_("A rep on your team is due for coaching")),
        Kind("ride_along_tomorrow", N_("A ride-along is planned for tomorrow"), "high", DAY,
             N_("Ride-along tomorrow")),
        Kind("draft_unfinished", N_("A coaching draft is left unfinished"), "low", DAY,
             N_("A coaching draft is not shared yet")),
        Kind("weekly_digest", N_("Weekly digest of teams below target"), "low", 3 * DAY,
             N_("Weekly coaching digest")),
        Kind("coach_note_shared", N_("My director shares a note on my coaching"), "normal", 3 * DAY,
             N_("A coaching note from your director")),
        Kind("coach_note_acknowledged", N_("A manager replies to my coaching note"), "normal",
             3 * DAY, N_("A manager replied to your coaching note")),
        Kind("review_to_acknowledge", N_("An account-team review waits for my acknowledgement"),
             "normal", 3 * DAY, N_("An account-team review to acknowledge")),
        Kind("observation_received", N_("An observation of someone on my team is sent to me"),
             "normal", 3 * DAY, N_("An observation from an account team")),
        Kind("account_security", N_("A change to my account by an admin"), "high", 3 * DAY,
             N_("A change to your Coachapp account")),
        Kind("approval_needed", N_("A change to someone's account waits for my approval"),
             "normal", 3 * DAY, N_("A change waits for your approval")),
        Kind("journey_pulse", N_("A step of my learning journey arrives"), "low", 2 * DAY,
             N_("A new step in your learning journey")),
        Kind("focus_checkin", N_("A rep's development focus is due a check-in"), "low", 2 * DAY,
             N_("A development focus is due a check-in")),
        Kind("test", N_("Test notifications"), "high", 3600, N_("Test notification from Coachapp")),
    )
}  # fmt: skip

FALLBACK = Kind(
    "other", N_("Other"), "normal", DAY, "Coachapp"
)  # a name: the same in every language


def kind_of(key: str) -> Kind:
    return KINDS.get(key, FALLBACK)


# Kinds nobody switches off: a test notification is sent when asked for, and what is done
# to one's account, or waits for one's approval as an admin, is security news.
ALWAYS_SENT_KINDS = frozenset({"test", "account_security", "approval_needed"})
MUTABLE_KINDS = tuple(key for key in KINDS if key not in ALWAYS_SENT_KINDS)
