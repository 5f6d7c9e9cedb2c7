"""What the page's scripts say to people (coachapp/static/js), in the page's language.

The scripts write their messages in English, each with its values as %(name)s; base.html
puts the page's translations of them in a meta tag (a JSON object, English to the reader's
language: no inline script under the CSP), and static/js/messages.js reads it, falling back
to the English. The messages are listed here for the catalogues; a message a script says
must be here, word for word (tests/test_script_messages.py).
"""

# ruff: noqa: E501 - each message is written as the scripts say it, word for word

from __future__ import annotations

from flask import Flask

from coachapp.languages import DEFAULT_LANGUAGE, N_, current_language, gettext

MESSAGES = (
    # offline.js: what waits on the phone, what was sent, what was refused.
    N_("Changed on another device meanwhile."),
    N_("Refused (%(status)s)."),
    N_("Synced: %(count)s item sent."),
    N_("Synced: %(count)s items sent."),
    N_("Synced: %(count)s item sent (%(labels)s)."),
    N_("Synced: %(count)s items sent (%(labels)s)."),
    N_("%(count)s kept on this phone for someone else: sent when they sign in here again."),
    N_("Sign in again to send %(count)s kept on this phone."),
    N_("Sign in"),
    N_("Saved on this phone — will sync (%(count)s item waiting)."),
    N_("Saved on this phone — will sync (%(count)s items waiting)."),
    N_("Open"),
    N_("Fix it"),
    N_("A change"),
    N_("%(what)s was not sent: %(error)s"),
    N_("Saved copy, offline."),
    N_("Saved copy from %(when)s, offline."),
    N_("Filters, downloads and changes that need a connection are off until it returns."),
    N_("Back online. This page is a copy."),
    N_("Back online. This page is a copy from %(when)s."),
    N_("Reload"),
    N_("Your offline version"),
    N_("Use my offline version"),
    N_("Keep the version below"),
    N_("You changed this note offline, and it was saved from another device meanwhile."),
    N_("Below is the saved version; here is yours:"),
    N_("Draft changes"),
    N_("Saved on this phone — will sync."),
    N_("Many changes at once — saved on this phone, will sync shortly."),
    N_("Note for %(name)s"),
    N_("Note for %(name)s saved on this phone — will sync."),
    N_("Note for %(name)s saved on this phone — will sync and share."),
    N_("Kept on this phone — will sync"),
    N_("Not sent: %(error)s"),
    N_("The call at %(account)s"),
    N_("%(count)s item"),
    N_("%(count)s items"),
    N_(
        "%(items)s on this phone not sent yet. It is sent when there is a connection, while you stay signed in; signing out deletes it."
    ),
    N_(
        "%(items)s on this phone not sent yet. They are sent when there is a connection, while you stay signed in; signing out deletes them."
    ),
    N_(
        "%(items)s on this phone not sent yet (%(labels)s). It is sent when there is a connection, while you stay signed in; signing out deletes it."
    ),
    N_(
        "%(items)s on this phone not sent yet (%(labels)s). They are sent when there is a connection, while you stay signed in; signing out deletes them."
    ),
    N_("%(items)s kept here for someone else is deleted too."),
    N_("%(items)s kept here for someone else are deleted too."),
    N_("Stay signed in"),
    N_("Sign out and delete them"),
    N_("You are no longer signed in on this phone, so this page is not shown."),
    N_("Someone else is signed in on this phone now, so this page is not shown."),
    N_("Open it again"),
    # app.js
    N_("Not saved (%(status)s)."),
    N_("A new version of Coachapp is ready."),
    N_("Update"),
    N_("Copied"),
    N_("Selected: copy it with your keyboard or menu"),
    # push.js
    N_("The server answered %(status)s."),
    N_("Notifications are on for this device."),
    N_("Notifications are off for this device. Your Inbox still gets everything."),
    N_("This browser can show notifications only from the Home Screen app."),
    N_("This browser cannot show notifications. Your Inbox still gets everything."),
    N_("Notifications are not set up on this server yet."),
    N_("Notifications are blocked for this site. Allow them in the browser's site settings."),
    N_("Notifications could not be set up in this browser."),
    N_("Notifications were not allowed. You can allow them later in the browser's site settings."),
    N_("Notifications could not be turned on: %(error)s"),
    N_("Notifications could not be turned off: %(error)s"),
    # timezone-picker.js
    N_("No time zone matches"),
    N_("%(count)s time zone matches; choose one in the list."),
    N_("%(count)s time zones match; choose one in the list."),
)


def script_messages() -> dict[str, str]:
    """The scripts' messages in the page's language, by their English (none in English:
    the scripts say their own)."""
    if current_language() == DEFAULT_LANGUAGE:
        return {}
    return {message: gettext(message) for message in MESSAGES}


def init_app(app: Flask) -> None:
    # base.html writes them into its meta tag.
    app.jinja_env.globals.update(script_messages=script_messages)
