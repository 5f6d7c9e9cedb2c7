"""Security audits in the suite: bandit on the app's code. The installed packages' advisories
are checked by `make audit` (tools/audit_dependencies.py), which needs PyPI's JSON API: see
README, "What is audited"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_bandit_finds_nothing_in_the_app() -> None:
    # Exclusions live in pyproject.toml ([tool.bandit]) and as `# nosec <id>` with a reason.
    result = run("bandit", "-c", "pyproject.toml", "-r", "coachapp", "-q", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
