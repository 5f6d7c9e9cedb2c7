"""The rating scale's words (1 Developing … 4 Role model) come from RATING_SCALE alone: every
page that explains the scale renders it from there, and no template or script spells a level."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from coachapp.models import NOT_OBSERVED_LABEL, RATING_SCALE
from tests.builders import Org
from tests.conftest import signed_in

APP = Path(__file__).resolve().parents[2] / "coachapp"
IN_WORDS = " · ".join(f"{value} {label}" for value, label in RATING_SCALE)


def spelled_levels(path: Path) -> list[str]:
    """Lines of the file that name a level of the scale in words."""
    levels = re.compile(r"\b(" + "|".join(re.escape(label) for _, label in RATING_SCALE) + r")\b")
    return [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if levels.search(line)
    ]


def test_no_template_or_script_spells_out_a_level_of_the_scale() -> None:
    files = [*APP.glob("templates/**/*.html"), *APP.glob("static/js/**/*.js")]
    assert len(files) > 50
    found = [line for path in files for line in spelled_levels(path)]
    assert not found, "use scale_words() or rating_scale from RATING_SCALE:\n" + "\n".join(found)


def test_templates_read_the_scale_from_the_constant(app: Flask) -> None:
    assert app.jinja_env.globals["rating_scale"] is RATING_SCALE
    assert app.jinja_env.globals["not_observed_label"] == NOT_OBSERVED_LABEL
    words = app.jinja_env.from_string(
        '{% from "_macros.html" import scale_words %}{{ scale_words(with_not_observed=true) }}'
    ).render()
    assert words == f"{IN_WORDS} · N/O {NOT_OBSERVED_LABEL.lower()}"


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("manager", "/notes/{draft}/edit"),
        ("manager", "/notes/offline"),
        ("rep", "/self-assessment"),
        ("director", "/org"),
    ],
)
def test_pages_explain_the_scale_in_the_constants_words(
    app: Flask, org: Org, who: str, path: str
) -> None:
    client = signed_in(app, org, who)
    page = client.get(path.format(draft=org.notes["draft"].id))
    assert page.status_code == 200
    assert IN_WORDS in page.get_data(as_text=True)
