"""The cycle collector set for serving (coachapp.collector): in gunicorn's workers and the
background worker, never in the process that imports the app for tests or commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from coachapp import collector

REPO = Path(__file__).resolve().parents[1]

SHOW = "import gc; print(gc.get_threshold(), gc.get_freeze_count() > 0)"


def run(code: str) -> str:
    # A fixed interpreter and code of this file's own.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_gunicorn_worker_sets_the_collector_for_serving_once_the_app_is_loaded() -> None:
    loaded = run(
        "import runpy; conf = runpy.run_path('config/gunicorn.conf.py'); "
        f"conf['post_worker_init'](None); {SHOW}"
    )
    expected = (collector.YOUNG_EVERY, collector.MIDDLE_EVERY, collector.OLD_EVERY)
    assert loaded == f"{expected} True"


def test_importing_and_making_the_app_leaves_pythons_defaults() -> None:
    made = run(f"from coachapp import create_app; create_app; {SHOW}")
    assert made == "(700, 10, 10) False"
