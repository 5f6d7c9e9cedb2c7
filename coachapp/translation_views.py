"""The page where enablement writes a published version's text in another language, for a
coaching guide and a learning journey alike (coachapp.content_translations holds the rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template, request

from coachapp.errors import InvalidInput
from coachapp.forms import form_values
from coachapp.languages import gettext, language_name


def translation_form(
    version: Any,
    language: str,
    *,
    template: str,
    stored: Callable[[], dict[str, str]],
    save: Callable[[], object],
    back: Callable[[], Any],
    **context: Any,
) -> Any:
    """GET: the form filled with what is stored. POST: saved, then back to the version's
    page; refused (InvalidInput), the form again (422) with what was typed and each field's
    error."""

    def page(
        status: int = 200,
        typed: dict[str, str] | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> tuple[str, int]:
        return render_template(
            template,
            version=version,
            language=language,
            language_name=language_name(language),
            typed=typed if typed is not None else stored(),
            errors=errors or {},
            **context,
        ), status

    if request.method == "GET":
        return page()
    try:
        save()
    except InvalidInput as exc:
        return page(422, form_values(request.form), exc.fields)
    flash(
        gettext(
            "Saved the %(language)s text of version %(number)s.",
            language=language_name(language),
            number=version.number,
        ),
        "success",
    )
    return back()
