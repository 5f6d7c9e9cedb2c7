"""What a form field says when it refuses what was typed, in the reader's language on the
HTML forms. The schemas and services write their messages in English, which the JSON API
returns as they are (programs read it); a page turns each one into the reader's language
where it shows it: a message of the catalogue as it is, and a message with a value in it
("Use at most 2,000 characters.") by the template it was written from, translated first and
then filled in with the value (the number written the reader's way). A service that names
someone or something in a message writes it with `filled_in`, which keeps the template and the
values beside the English, so that a page translates it exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Flask
from flask_babel import format_decimal

from coachapp.languages import DEFAULT_LANGUAGE, N_, current_language, gettext

# Messages with a value that schemas give their validators (which fill in the English).
DAYS_FROM_1_TO = N_("A whole number of days from 1 to %(max)s.")
NEED_STEP_TITLE = N_("Give the step a title: 1 to %(max)s characters.")
NEED_JOURNEY_NAME = N_("Name the journey: 1 to %(max)s characters.")
AT_MOST_CALLS = N_("Plan at most %(max)s calls for the day.")
# The messages with a value, as the schemas, the services and marshmallow write them (their
# English filled in), marked for the catalogues; placeholders in %(name)s form.
TEMPLATES = (
    N_("Use at most %(max)s characters."),
    N_("Use at least %(min)s characters; a short phrase works well."),
    N_("An email address has at most %(max)s characters."),
    DAYS_FROM_1_TO,
    NEED_STEP_TITLE,
    NEED_JOURNEY_NAME,
    AT_MOST_CALLS,
    # marshmallow's own, for the fields and validators without a message of ours.
    N_("Must be one of: %(choices)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
)
# marshmallow's messages without a value (ours are marked where they are written).
MARSHMALLOW = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid list."),
    N_("Number too large."),
    N_("Invalid value."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("String does not match expected pattern."),
)


class FilledIn(str):
    """A message written from a marked template and its values: the English, filled in, is
    the string itself (what the API returns); a page translates the template and fills it in
    with the values, each written the reader's way."""

    template: str
    values: Mapping[str, Any]


def filled_in(template: str, **values: Any) -> FilledIn:
    """`template` (marked with N_) filled in with `values`: a whole number written as English
    writes it (2,000), a message of its own (a FilledIn) as it is; any other value (a name,
    an email, a file's cell) as it is, in every language."""
    message = FilledIn(template % {name: _english(value) for name, value in values.items()})
    message.template = template
    message.values = values
    return message


def said(message: str) -> FilledIn:
    """A marked message without values, as a value of another message: translated with it."""
    return filled_in(message)


def _english(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def _in_readers_words(value: Any) -> Any:
    if isinstance(value, FilledIn):
        return in_readers_language(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(format_decimal(value))
    return value


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A whole number as English writes it (2,000): the reader's way instead.
ENGLISH_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The template as a pattern that matches its English filled in, naming each value."""
    parts, at = [], 0
    for placeholder in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at : placeholder.start()]))
        parts.append(f"(?P<{placeholder.group(1)}>.+?)")
        at = placeholder.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.DOTALL)


def _value(text: str) -> str:
    if ENGLISH_NUMBER.fullmatch(text):
        return str(format_decimal(int(text.replace(",", ""))))
    return text


def in_readers_language(message: str) -> str:
    """The message in the reader's language (English: as it is)."""
    if current_language() == DEFAULT_LANGUAGE or not isinstance(message, str):
        return message
    if isinstance(message, FilledIn) and message.values:
        values = {name: _in_readers_words(value) for name, value in message.values.items()}
        return str(gettext(message.template, **values))
    translated = gettext(message)
    if translated != message:
        return translated
    for template in TEMPLATES:
        found = _pattern(template).fullmatch(message)
        if found:
            values = {name: _value(value) for name, value in found.groupdict().items()}
            return str(gettext(template, **values))
    return message


def errors_in_readers_language(errors: Mapping[str, Any]) -> dict[str, Any]:
    """A form's messages by field, each in the reader's language."""
    return {
        name: [in_readers_language(m) for m in messages]
        if isinstance(messages, list | tuple)
        else in_readers_language(messages)
        for name, messages in errors.items()
    }


def json_in_readers_language(errors: Any) -> Any:
    """A JSON error's messages, however nested, each in the reader's language."""
    if isinstance(errors, Mapping):
        return {name: json_in_readers_language(value) for name, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [json_in_readers_language(value) for value in errors]
    return in_readers_language(errors)


def init_app(app: Flask) -> None:
    # {{ message | in_readers_language }}: a message a template shows at a field.
    app.add_template_filter(in_readers_language, "in_readers_language")
