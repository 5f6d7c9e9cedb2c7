"""Static files named by their content (coachapp.static_files): every page links to hashed
names, which answer with a year's immutable caching; plain names and other hashes still work,
briefly cached; a module's imports carry hashes too, so a changed file changes every name
that depends on it."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from flask import Flask, url_for

from coachapp.static_files import (
    HASHED_NAME,
    IMMUTABLE,
    SHORT_CACHE,
    STALE,
    StaticFiles,
    hashed_name,
)
from tests.builders import Org
from tests.conftest import HttpsClient, signed_in

APP = Path(__file__).resolve().parent.parent / "coachapp"
STATIC = APP / "static"
# src= and href= values that point under /static/.
STATIC_LINK = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:12]


def test_every_static_link_of_a_page_is_hashed_and_cached_for_a_year(
    app: Flask, org: Org, client: HttpsClient
) -> None:
    pages = [client.get("/login"), signed_in(app, org, "manager").get("/team")]
    links = {link for page in pages for link in STATIC_LINK.findall(page.get_data(as_text=True))}
    assert len(links) >= 7, links  # styles, htmx, the modules, icons
    for link in links:
        assert re.match(HASHED_NAME, link), link
        answer = client.get(link)
        assert answer.status_code == 200, link
        assert answer.headers["Cache-Control"] == IMMUTABLE
        assert IMMUTABLE == "public, max-age=31536000, immutable"
        assert link.split(".")[-2] == digest(answer.get_data()), link
        assert answer.headers["ETag"] == f'"{digest(answer.get_data())}"'


def test_no_template_or_script_writes_a_static_path() -> None:
    """Every static URL comes from url_for, so every one carries its hash."""
    for path in [*APP.glob("templates/**/*.html"), *APP.glob("templates/**/*.js")]:
        assert "/static/" not in path.read_text(), path


def test_a_plain_name_and_another_hash_answer_the_current_file_briefly_cached(
    app: Flask, client: HttpsClient
) -> None:
    with app.test_request_context():
        hashed = url_for("static", filename="css/app.css")
    current = client.get(hashed).get_data()
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and plain.get_data() == current
    assert plain.headers["Cache-Control"] == SHORT_CACHE
    other = client.get("/static/css/app.0123456789ab.css")
    assert other.status_code == 200 and other.get_data() == current
    assert other.headers["Cache-Control"] == STALE == "no-cache"
    for missing in ("/static/css/nothing.css", "/static/css/nothing.0123456789ab.css",
                    "/static/../config/defaults.toml", "/static/css"):  # fmt: skip
        assert client.get(missing).status_code == 404, missing


def test_a_revalidation_with_the_etag_answers_304(app: Flask, client: HttpsClient) -> None:
    for link in ("/static/js/app.js", "/static/vendor/htmx-4.0.1.min.js"):
        first = client.get(link)
        again = client.get(link, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and not again.get_data(), link
        packed = client.get(link, headers={"Accept-Encoding": "br"})
        assert packed.headers["Content-Encoding"] == "br"
        again = client.get(
            link, headers={"Accept-Encoding": "br", "If-None-Match": packed.headers["ETag"]}
        )
        assert again.status_code == 304, link


def test_modules_import_each_other_by_hashed_names(app: Flask, client: HttpsClient) -> None:
    source = (STATIC / "js" / "app.js").read_text()
    imported = re.findall(r'from "\./([\w-]+\.js)"', source)
    assert "links.js" in imported
    with app.test_request_context():
        app_js = url_for("static", filename="js/app.js")
        urls = {name: url_for("static", filename=f"js/{name}") for name in imported}
    hashed = {name: url.rsplit("/", 1)[1] for name, url in urls.items()}
    served = client.get(app_js).get_data(as_text=True)
    expected = source
    for name, with_hash in hashed.items():
        assert name != with_hash
        expected = expected.replace(f'"./{name}"', f'"./{with_hash}"')
    assert served == expected


def test_the_vendored_htmx_is_served_as_recorded(app: Flask, client: HttpsClient) -> None:
    """The sha256 in vendor/README.md is of the bytes browsers get (tests/test_security_headers
    checks the file), and its first 12 digits are the hash in the URL."""
    readme = (STATIC / "vendor" / "README.md").read_text()
    recorded = re.search(r"`htmx-4\.0\.1\.min\.js`.*`([0-9a-f]{64})`", readme)
    assert recorded is not None
    with app.test_request_context():
        url = url_for("static", filename="vendor/htmx-4.0.1.min.js")
    served = client.get(url).get_data()
    assert hashlib.sha256(served).hexdigest() == recorded[1]
    assert url == f"/static/vendor/htmx-4.0.1.min.{recorded[1][:12]}.js"


def test_stylesheets_name_no_file_by_url() -> None:
    """url() in a stylesheet is not rewritten to a hashed name: a file named there would be
    cached under its plain name. Icons go in as data: URLs or through the templates."""
    for path in STATIC.glob("**/*.css"):
        found = re.findall(r"url\(\s*['\"]?(?!data:)([^)'\"]+)", path.read_text())
        assert found == [], (path, found)


def test_a_changed_file_gets_a_new_name_and_so_does_every_module_importing_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    files = StaticFiles(folder, check_every=0)
    before = {found.name: found.hashed_name for found in files.every()}
    assert before["js/app.js"] == hashed_name("js/app.js", before["js/app.js"].split(".")[-2])

    links = folder / "js" / "links.js"
    links.write_text(links.read_text() + "\n// a change\n")
    after = {found.name: found.hashed_name for found in files.every()}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"js/links.js", "js/app.js", "js/offline.js", "js/push.js"}
    assert after["js/links.js"].split("/")[-1] in files.get("js/app.js").body.decode()  # type: ignore[union-attr]


def test_a_cycle_of_imports_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import "./b.js";\n')
    (tmp_path / "b.js").write_text('import "./a.js";\n')
    with pytest.raises(RuntimeError, match="cycle"):
        StaticFiles(tmp_path, check_every=0).get("a.js")


def test_hashed_names() -> None:
    assert hashed_name("js/app.js", "0123456789ab") == "js/app.0123456789ab.js"
    assert hashed_name("vendor/htmx-4.0.1.min.js", "0123456789ab") == (
        "vendor/htmx-4.0.1.min.0123456789ab.js"
    )
    assert hashed_name("README", "0123456789ab") == "README"
    match = re.match(HASHED_NAME, "/static/vendor/htmx-4.0.1.min.0123456789ab.js")
    assert match is not None and match[1] + match[3] == "/static/vendor/htmx-4.0.1.min.js"
    assert re.match(HASHED_NAME, "/static/vendor/htmx-4.0.1.min.js") is None
