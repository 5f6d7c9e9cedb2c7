"""`make audit`: pip-audit on the installed packages, failing unless every one was audited.

pip-audit asks PyPI's JSON API for each installed version's advisories. It reports "No known
vulnerabilities found" and exits 0 even when it could audit nothing (offline, or a package
mirror without the per-version JSON API, as on the machines this project is built on), so
this script fails on packages it could not audit as well as on known vulnerabilities.
"""

from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--format",
            "json",
            "--skip-editable",  # coachapp itself is not on PyPI
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit gave no report (exit {result.returncode}):\n{result.stderr[-2000:]}")
        return 2
    vulnerable = {
        f"{dep['name']} {dep['version']}": [v["id"] for v in dep["vulns"]]
        for dep in report["dependencies"]
        if dep.get("vulns")
    }
    unaudited = [dep["name"] for dep in report["dependencies"] if "skip_reason" in dep]
    for package, advisories in vulnerable.items():
        print(f"VULNERABLE {package}: {', '.join(advisories)}")
    if unaudited:
        print(
            f"NOT AUDITED: {len(unaudited)} of {len(report['dependencies'])} packages "
            f"(no advisory data reachable), e.g. {', '.join(unaudited[:5])}"
        )
    if not vulnerable and not unaudited:
        print(f"{len(report['dependencies'])} packages audited, no known vulnerabilities.")
    return 1 if vulnerable or unaudited else 0


if __name__ == "__main__":
    sys.exit(main())
