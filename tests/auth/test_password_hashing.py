"""What production stores: argon2id at argon2-cffi's recommended parameters (RFC 9106's
low-memory choice: 64 MiB, 3 passes, 4 lanes). The rest of the suite hashes at the cheapest
parameters (tests/conftest.py), so this runs in a process of its own, as the app would."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters, profiles


def test_production_hashes_passwords_with_argon2id_at_the_recommended_cost() -> None:
    made = subprocess.run(
        [
            sys.executable,
            "-c",
            "from coachapp.auth.passwords import hash_password, verify_password\n"
            "h = hash_password('correct horse battery')\n"
            "assert verify_password(h, 'correct horse battery')\n"
            "assert not verify_password(h, 'correct horse')\n"
            "print(h)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    stored = made.stdout.strip()
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
