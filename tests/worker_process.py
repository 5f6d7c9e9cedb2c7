"""The background worker as deployed, for tests that kill or signal it: `flask worker` in a
process of its own, with the environment a deployment gives it (database, keys, settings from
a file)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask

REPO = Path(__file__).resolve().parents[1]
WORKER = [sys.executable, "-m", "flask", "--app", "coachapp", "worker"]
SUBJECT = "mailto:test@example.com"


def worker_environment(app: Flask, tmp_path: Path, **config: Any) -> dict[str, str]:
    """The environment a deployed worker gets: database and keys, settings from a file."""
    config_file = tmp_path / "worker.toml"
    config_file.write_text("".join(f"{key} = {value}\n" for key, value in config.items()))
    return {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"],
        "VAPID_PUBLIC_KEY": app.config["VAPID_PUBLIC_KEY"],
        "VAPID_SUBJECT": SUBJECT,
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": "1",
        "COACHAPP_CONFIG": str(config_file),
    }


@contextlib.contextmanager
def worker_process(
    environment: dict[str, str], log_path: Path, group: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """The worker running, its output in `log_path`; killed on the way out if still there.
    `group`: in a process group of its own (with its figures process), killed as a group."""
    with log_path.open("w") as log:
        # The command is fixed: this interpreter running the app's own worker.
        process = subprocess.Popen(  # noqa: S603
            WORKER, cwd=REPO, env=environment, stdout=log, stderr=log, start_new_session=group
        )
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(process.pid, signal.SIGKILL)
                elif process.poll() is None:
                    process.kill()
            process.wait()
