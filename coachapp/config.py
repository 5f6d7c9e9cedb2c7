"""Configuration: TOML defaults in config/, a COACHAPP_CONFIG file, then the environment."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production  # nosec B105

# Environment variables read as they are (strings) or as booleans.
ENV_STRINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "VAPID_PRIVATE_KEY",
    "VAPID_PUBLIC_KEY",
    "VAPID_SUBJECT",
    "FORWARDED_ALLOW_IPS",
    "TRUSTED_HOSTS",
)
ENV_BOOLEANS = ("PUSH_ALLOW_PRIVATE_ENDPOINTS",)
# Whole numbers at least as large as given here.
ENV_INTEGERS = {"WRITE_RATE_PER_MINUTE": 0, "WRITE_BURST": 1}


class ConfigError(RuntimeError):
    """The configuration cannot be used to start the app."""


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _integer(name: str, value: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if DEFAULTS_FILE.exists():
        settings.update(_read_toml(DEFAULTS_FILE))
    extra = os.environ.get("COACHAPP_CONFIG")
    if extra:
        settings.update(_read_toml(Path(extra)))
    for name in ENV_STRINGS:
        if os.environ.get(name):
            settings[name] = os.environ[name]
    for name in ENV_BOOLEANS:
        if name in os.environ:
            settings[name] = _truthy(os.environ[name])
    for name in ENV_INTEGERS:
        if os.environ.get(name):
            settings[name] = _integer(name, os.environ[name])
    if os.environ.get("COACHAPP_ENV"):
        settings["ENV"] = os.environ["COACHAPP_ENV"]
    if overrides:
        settings.update(overrides)
    settings.setdefault("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    for name, least in ENV_INTEGERS.items():
        value = settings.get(name, least)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"{name} must be a whole number, at least {least}")
    for name, default in (("ACK_DEADLINE_DAYS", 3), ("DRAFT_ABANDON_DAYS", 14)):
        days = settings.get(name, default)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ConfigError(f"{name} must be a whole number of days from 1 to 365")
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "coachapp.sqlite3")
    return settings


def check_production(settings: dict[str, Any]) -> None:
    """Refuse settings that are only safe on a developer's machine."""
    if settings.get("ENV") != "production":
        return
    secret = settings.get("SECRET_KEY") or ""
    if secret == DEVELOPMENT_SECRET_KEY or len(secret) < 32:
        raise ConfigError(
            "production refuses to start with the development SECRET_KEY or one shorter "
            "than 32 characters; set SECRET_KEY in the environment"
        )
    subject = settings.get("VAPID_SUBJECT") or ""
    if not (subject.startswith("mailto:") or subject.startswith("https:")):
        raise ConfigError("VAPID_SUBJECT must be a mailto: address or an https: URL")
    if not settings.get("SESSION_COOKIE_SECURE") or not settings.get("REMEMBER_COOKIE_SECURE"):
        raise ConfigError("production requires secure session and remember cookies")
