"""Answers compressed by the app (coachapp.compression): pages, JSON, CSS, JavaScript and CSV
go out with brotli or gzip to a client that asks, unchanged to one that does not, and the
API's ETags keep working for conditional reads and for If-Match on changes."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

import brotli
import pytest
from flask import Flask, Response, stream_with_context, url_for
from sqlalchemy.orm import Session

from coachapp import create_app
from coachapp.compression import uncompressed_tag
from tests.api.helpers import Call, api_caller, assert_error_shape
from tests.builders import Org
from tests.conftest import HttpsClient, settings_for, signed_in

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}
BROWSER = "gzip, deflate, br, zstd"  # what Chromium sends


def decoded(response: Response) -> bytes:
    coding = response.headers.get("Content-Encoding")
    body = response.get_data()
    return DECODE[coding](body) if coding else body


def varies_on_accept_encoding(response: Response) -> bool:
    vary = [part.strip().lower() for part in response.headers.get("Vary", "").split(",")]
    return "accept-encoding" in vary


def static_url(app: Flask, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


@pytest.fixture
def call(app: Flask, client: HttpsClient, db: Session, org: Org) -> Call:
    return api_caller(app, client, db, org)


Fetch = Callable[[dict[str, str]], Response]


def fetcher(app: Flask, org: Org, call: Call, kind: str) -> Fetch:
    """One of each kind the brief names: a page, a JSON answer, a stylesheet, a script."""
    if kind == "html":
        director = signed_in(app, org, "director")
        return lambda headers: director.get("/org", headers=headers)
    if kind == "json":
        url = f"/api/v1/coaching-sessions/{org.notes['shared'].id}"
        return lambda headers: call("manager", "GET", url, headers=headers)
    url = static_url(app, {"css": "css/app.css", "js": "js/offline.js"}[kind])
    anyone = app.test_client()
    return lambda headers: anyone.get(url, headers=headers)


@pytest.mark.parametrize("kind", ["html", "json", "css", "js"])
def test_each_kind_is_compressed_for_a_client_that_asks_and_only_then(
    app: Flask, org: Org, call: Call, kind: str
) -> None:
    get = fetcher(app, org, call, kind)
    plain = get({})
    assert plain.status_code == 200, plain.get_data(as_text=True)[:300]
    assert "Content-Encoding" not in plain.headers
    assert varies_on_accept_encoding(plain)
    for sent, coding in (("gzip", "gzip"), (BROWSER, "br"), ("br;q=0.5, gzip", "gzip")):
        packed = get({"Accept-Encoding": sent})
        assert packed.status_code == 200
        assert packed.headers["Content-Encoding"] == coding, sent
        assert varies_on_accept_encoding(packed)
        assert int(packed.headers["Content-Length"]) == len(packed.get_data())
        assert len(packed.get_data()) < len(plain.get_data()), (kind, coding)
        if kind in ("css", "js", "json"):
            assert decoded(packed) == plain.get_data()
        else:  # the page carries a fresh CSRF token each time: the same page otherwise
            assert decoded(packed).decode().count("<tr") == plain.get_data(as_text=True).count(
                "<tr"
            )
            assert packed.mimetype == "text/html"
    assert "Content-Encoding" not in get({"Accept-Encoding": "identity"}).headers


def test_small_answers_images_and_errors_go_out_as_they_are(
    app: Flask, client: HttpsClient
) -> None:
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and len(small.get_data()) < 500
    assert "Content-Encoding" not in small.headers and varies_on_accept_encoding(small)
    image = client.get(static_url(app, "icons/icon-512.png"), headers={"Accept-Encoding": "br"})
    assert image.status_code == 200 and "Content-Encoding" not in image.headers
    missing = client.get("/no-such-page", headers={"Accept-Encoding": "br"})
    assert missing.status_code == 404 and "Content-Encoding" not in missing.headers
    redirect = client.get("/today", headers={"Accept-Encoding": "br"})  # not signed in
    assert redirect.status_code == 302 and "Content-Encoding" not in redirect.headers


def test_a_csv_download_is_compressed_and_stays_an_attachment(app: Flask, org: Org) -> None:
    director = signed_in(app, org, "director")
    plain = director.get("/org/sessions.csv")
    packed = director.get("/org/sessions.csv", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
    assert packed.mimetype == "text/csv"
    assert len(plain.get_data()) >= 500
    assert packed.headers["Content-Encoding"] == "gzip"
    assert decoded(packed) == plain.get_data()


def test_a_streamed_answer_is_passed_on_as_it_is_written(database_url: str) -> None:
    """None of the app's answers is streamed today; one that is (server-sent events) must reach
    the client chunk by chunk, which a compressor holding back a block would prevent."""
    app = create_app(settings_for(database_url))

    @app.get("/stream-probe")
    def stream_probe() -> Response:
        def lines() -> Iterator[str]:
            for number in range(3):
                yield f"data: {number} {'x' * 400}\n\n"

        return Response(stream_with_context(lines()), mimetype="text/plain")

    answer = app.test_client().get(
        "/stream-probe", headers={"Accept-Encoding": BROWSER}, buffered=False
    )
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    chunks = list(answer.response)
    assert len(chunks) == 3 and chunks[0].startswith(b"data: 0")
    answer.close()


def test_the_etag_of_a_compressed_answer_works_for_reads_and_changes(call: Call, org: Org) -> None:
    """A compressed answer's ETag names its coding ("2:gzip"): a conditional GET with it
    answers 304, and If-Match with it on a PATCH names the version the client read."""
    url = f"/api/v1/coaching-sessions/{org.notes['draft'].id}"
    plain = call("manager", "GET", url)
    version = plain.headers["ETag"]
    assert version == f'"{org.notes["draft"].version}"'
    for coding in ("gzip", "br"):
        read = call("manager", "GET", url, headers={"Accept-Encoding": coding})
        assert read.headers["Content-Encoding"] == coding
        assert read.headers["ETag"] == f'{version[:-1]}:{coding}"'
        unchanged = call(
            "manager",
            "GET",
            url,
            headers={"Accept-Encoding": coding, "If-None-Match": read.headers["ETag"]},
        )
        assert unchanged.status_code == 304 and not unchanged.get_data()

    read = call("manager", "GET", url, headers={"Accept-Encoding": "br"})
    changed = call(
        "manager",
        "PATCH",
        url,
        json={"strengths": "Read compressed, written with its ETag"},
        headers={"If-Match": read.headers["ETag"], "Accept-Encoding": "br"},
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert decoded(changed)  # the answer itself may be compressed
    new_version = uncompressed_tag(changed.headers["ETag"].strip('"'))
    assert int(new_version) == int(version.strip('"')) + 1

    # The tag read before the change is stale now, compressed or not: 412 with the current one.
    stale = call(
        "manager",
        "PATCH",
        url,
        json={"strengths": "Lost"},
        headers={"If-Match": read.headers["ETag"]},
    )
    error = assert_error_shape(stale, 412)
    assert error["code"] == "precondition_failed"
    assert stale.headers["ETag"] == f'"{new_version}"'


def test_a_tag_with_a_coding_is_read_as_its_version() -> None:
    assert uncompressed_tag("3:br") == "3"
    assert uncompressed_tag("3:gzip") == "3"
    assert uncompressed_tag("3:zstd") == "3"
    assert uncompressed_tag("3") == "3"
    assert uncompressed_tag("3:other") == "3:other"  # not a coding: matches nothing
    assert uncompressed_tag("a:b:gzip") == "a:b"


def test_a_site_may_leave_pages_uncompressed(database_url: str) -> None:
    """README, Production: COMPRESS_MIMETYPES without text/html (BREACH) in a config file."""
    app = create_app(
        settings_for(database_url, COMPRESS_MIMETYPES=["text/css", "application/json"])
    )
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost", headers={"Accept-Encoding": "br"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    css = client.get(
        static_url(app, "css/app.css"),
        base_url="https://localhost",
        headers={"Accept-Encoding": "br"},
    )
    assert css.headers["Content-Encoding"] == "br"
