"""Password hashing (argon2id), the password policy, and the form fields of a password change
(under Me, and from a link sent by email)."""

from __future__ import annotations

import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from marshmallow import Schema, fields

from coachapp.languages import N_

MIN_LENGTH = 8
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("coachapp-timing-equaliser")


# Marks a stored hash that no password matches: people created by an org import sign in
# only once an admin has set a password for them.
UNUSABLE_PREFIX = "!"


# Temporary passwords an admin passes on: letters and digits nobody misreads (no i, l, o, 0,
# 1), in groups of four; 16 of 31 symbols are about 79 random bits.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """A random password to read out or type on a phone, e.g. "k7dp-29mx-qa4t-8hvz"."""
    groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def unusable_password_hash() -> str:
    """A stored value that no password verifies against (random, so no two are alike)."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def has_usable_password(password_hash: str | None) -> bool:
    return bool(password_hash) and not (password_hash or "").startswith(UNUSABLE_PREFIX)


def verify_password(password_hash: str | None, password: str) -> bool:
    usable = has_usable_password(password_hash)
    try:
        # Without a usable hash, verify against the dummy so the answer takes as long.
        stored = password_hash if password_hash and usable else _DUMMY_HASH
        return _hasher.verify(stored, password) and usable
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("coachapp.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is refused, or None. No composition rules (ASVS V6.2)."""
    if len(password) < MIN_LENGTH:
        return N_("Use at least %(min)s characters; a short phrase works well.") % {
            "min": MIN_LENGTH
        }
    if len(password) > MAX_LENGTH:
        return N_("Use at most %(max)s characters.") % {"max": MAX_LENGTH}
    lowered = password.lower()
    if lowered in _common_passwords():
        return N_("This password is too common; choose another.")
    if email and lowered == email.lower():
        return N_("Do not use your email address as your password.")
    return None


class PasswordSchema(Schema):
    """Changing one's password: the current one and the new one (password_problem's rules
    are the service's to apply). A link sent by email stands for the current one."""

    current_password = fields.String(
        required=True, error_messages={"required": N_("Enter your current password.")}
    )
    new_password = fields.String(
        required=True, error_messages={"required": N_("Enter a new password.")}
    )
