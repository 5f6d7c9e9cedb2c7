"""The words of each email: templates/mail/<name>.txt and, beside it, <name>.html.

Rendered with the app's Jinja environment but none of the page context (no request, no
signed-in person): the worker renders them as well as requests do, from the values given.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def render_mail(name: str, **context: Any) -> tuple[str, str]:
    """The plain-text and the HTML body of the named email."""
    environment = current_app.jinja_env
    text = environment.get_template(f"mail/{name}.txt").render(**context)
    html = environment.get_template(f"mail/{name}.html").render(**context)
    return text.strip() + "\n", html
