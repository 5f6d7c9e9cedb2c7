"""Security audits in the suite: bandit on the app's code, pip-audit on the installed packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_no_installed_package_has_a_known_vulnerability() -> None:
    # pip-audit asks PyPI for each installed version's advisories. It reports "No known
    # vulnerabilities found" and exits 0 even when it could audit nothing (offline, or a
    # mirror without the per-version JSON API), so unaudited packages are checked here.
    result = run(
        "pip_audit",
        "--format",
        "json",
        "--skip-editable",  # coachapp itself is not on PyPI
        "--progress-spinner",
        "off",
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        unavailable(f"pip-audit gave no report (exit {result.returncode}): {result.stderr[-500:]}")
        return
    vulnerable = {
        f"{dep['name']} {dep['version']}": [v["id"] for v in dep["vulns"]]
        for dep in report["dependencies"]
        if dep.get("vulns")
    }
    assert not vulnerable, f"known vulnerabilities: {vulnerable}"
    unaudited = [dep["skip_reason"] for dep in report["dependencies"] if "skip_reason" in dep]
    if unaudited:
        unavailable(f"pip-audit could not audit {len(unaudited)} packages, e.g. {unaudited[0]}")


def unavailable(reason: str) -> None:
    """Skipped where the advisory data cannot be reached (the package mirror of these
    machines, CI included, serves no per-version JSON); a failure where
    COACHAPP_REQUIRE_PIP_AUDIT is set, as on a machine with PyPI itself."""
    if os.environ.get("COACHAPP_REQUIRE_PIP_AUDIT"):
        pytest.fail(f"pip-audit must audit every package here: {reason}")
    pytest.skip(reason)
