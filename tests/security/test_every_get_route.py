"""No GET changes anything, on any route, as any role: the only writes a GET may make are an
API token's or a browser session's "last used" time (written at most every 5 minutes, so a
test that runs longer than that meets it) and, for the person opening a page (never for a
prefetch), the read marks of what the page shows (coachapp.inbox.reading). A GET can be sent
by a prefetch, a link preview, a crawler or another site's link, without the person meaning
to act.

The access matrix (tests/test_access_matrix.py) checks the writes of every GET it sends with
`get_writes_not_allowed`, on every backend; here, every GET again as a prefetch, which may
write nothing at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, event

from tests.access_matrix import GET_ROWS, SIGNED_IN, Row, World, open_world

WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# What a GET may write: an API token's "last used" (shown in the token list) and a browser
# session's "last seen", and, for the person opening a page (never for a prefetch), the read
# marks of what it shows.
TOKEN_LAST_USED = re.compile(r"UPDATE api_tokens SET last_used_at=.+? WHERE api_tokens.id = ")
SESSION_LAST_SEEN = re.compile(
    r"UPDATE browser_sessions SET last_seen_at=.+? WHERE browser_sessions.id = "
)
LAST_USED = (TOKEN_LAST_USED, SESSION_LAST_SEEN)
READ_MARKS = (
    re.compile(r"UPDATE notifications SET read_at=.+? WHERE notifications.subject = "),
    re.compile(r"UPDATE coaching_sessions SET rep_seen_at=.+?, updated_at=.+? WHERE "),
    # An observation opened by the line manager it was sent to: no longer new.
    re.compile(r"UPDATE observations SET read_at=.+? WHERE observations.id = "),
)


@pytest.fixture(scope="class")
def world(app: Flask) -> Iterator[World]:
    with open_world(app) as opened:
        yield opened


@contextmanager
def recorded_writes(engine: Any) -> Iterator[list[str]]:
    """The statements other than SELECT sent on the engine inside the block, one line each."""
    sent: list[str] = []

    def record(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        if WRITE.match(statement):
            sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def get_writes_not_allowed(statements: list[str]) -> list[str]:
    """What a GET wrote beyond a token's "last used" and the read marks of the page opened."""
    allowed = (*LAST_USED, *READ_MARKS)
    return [s for s in statements if not any(p.match(s) for p in allowed)]


def writes_of(world: World, item: Row, headers: dict[str, str]) -> dict[str, set[str]]:
    """The statements other than SELECT the GET row sent as each signed-in actor it lets
    through. A refusal (403, 404) shows nothing, so it has no read marks to leave out, and
    the access matrix already allows it no write but "last used"."""
    engine = world.app.extensions["coachapp.db"].engine
    found: dict[str, set[str]] = {}
    for actor in (a for a in SIGNED_IN if item.lets_through(a)):
        with recorded_writes(engine) as sent, world.savepoint():
            world.call(item, actor, headers=headers)
        if sent:
            found.setdefault(f"{item.label} as {actor}", set()).update(sent)
    return found


# Which statements a GET sends is decided by the app before the database sees any: the crawl
# runs on the first backend, one test per row so that the workers share it; the access matrix
# checks every GET's writes (read marks allowed) on every backend.
@pytest.mark.first_backend
class TestEveryGet:
    @pytest.mark.parametrize("item", [pytest.param(r, id=r.label) for r in GET_ROWS])
    def test_a_prefetched_get_changes_nothing_at_all(self, world: World, item: Row) -> None:
        found = writes_of(world, item, {"Sec-Purpose": "prefetch"})
        unexpected = {
            where: [s for s in statements if not any(p.match(s) for p in LAST_USED)]
            for where, statements in found.items()
        }
        assert not {k: v for k, v in unexpected.items() if v}
