"""Configuration: TOML defaults in config/, a COACHAPP_CONFIG file, then the environment."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from coachapp.mail.smtp import SmtpUrlInvalid, parse_smtp_url

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
DEVELOPMENT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production  # nosec B105

# Environment variables read as they are (strings) or as booleans.
ENV_STRINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "VAPID_PRIVATE_KEY",
    "VAPID_PUBLIC_KEY",
    "VAPID_SUBJECT",
    "SMTP_URL",
    "MAIL_FROM",
    "BASE_URL",
    "FORWARDED_ALLOW_IPS",
    "TRUSTED_HOSTS",
)
# Single sign-on (coachapp.auth.sso), checked by check_single_sign_on.
SSO_ENV_STRINGS = (
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_CREATE_USERS",
    "PASSWORD_SIGN_IN",
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
    for name in ENV_STRINGS + SSO_ENV_STRINGS:
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
    check_single_sign_on(settings)
    _check_mail(settings)
    if not settings.get("DATABASE_URL"):
        settings["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "coachapp.sqlite3")
    return settings


def _check_mail(settings: dict[str, Any]) -> None:
    """SMTP_URL and BASE_URL are refused at start-up rather than at the first email."""
    if settings.get("SMTP_URL"):
        try:
            parse_smtp_url(str(settings["SMTP_URL"]))
        except SmtpUrlInvalid as exc:
            raise ConfigError(str(exc)) from exc
    base = str(settings.get("BASE_URL") or "")
    parts = urlsplit(base)
    if base and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query):
        raise ConfigError(
            "BASE_URL must be http(s)://host[/path], e.g. https://coaching.example.com"
        )


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
    sender = str(settings.get("MAIL_FROM") or "").lower()
    if settings.get("SMTP_URL") and (not sender or sender.rstrip(">").endswith("@localhost")):
        raise ConfigError(
            "with SMTP_URL, set MAIL_FROM to an address of your domain, e.g. "
            "'Coachapp <coaching@yourcompany.com>': mail servers refuse a sender @localhost"
        )


# Roles a person created at their first single sign-on may get: an admin never comes from the
# identity provider alone (a second admin approves every new one, coachapp.admin.approvals).
SSO_CREATED_ROLES = ("rep", "manager", "director")


def check_single_sign_on(settings: dict[str, Any]) -> None:
    """Refuse single sign-on settings that cannot work or are unsafe, saying which."""
    issuer = str(settings.get("OIDC_ISSUER") or "").strip().rstrip("/")
    settings["OIDC_ISSUER"] = issuer
    passwords = settings.get("PASSWORD_SIGN_IN", "on")
    if isinstance(passwords, bool):  # PASSWORD_SIGN_IN = false in a TOML file
        passwords = "on" if passwords else "off"
    passwords = str(passwords).strip().lower()
    if passwords not in {"on", "off"}:
        raise ConfigError(f"PASSWORD_SIGN_IN must be on or off, not {passwords!r}")
    settings["PASSWORD_SIGN_IN"] = passwords
    create_users = str(settings.get("OIDC_CREATE_USERS") or "").strip().lower()
    if create_users in {"off", "no", "0", "false"}:
        create_users = ""
    if create_users and create_users not in SSO_CREATED_ROLES:
        raise ConfigError(
            "OIDC_CREATE_USERS is the role of people created at their first single sign-on: "
            f"one of {', '.join(SSO_CREATED_ROLES)}, or empty to create nobody "
            f"(not {create_users!r})"
        )
    settings["OIDC_CREATE_USERS"] = create_users
    if not issuer:
        if passwords == "off":
            raise ConfigError(
                "PASSWORD_SIGN_IN=off needs single sign-on: set OIDC_ISSUER, OIDC_CLIENT_ID "
                "and OIDC_CLIENT_SECRET, or nobody could sign in"
            )
        return
    parts = urlsplit(issuer)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ConfigError(f"OIDC_ISSUER must be an https URL, not {issuer!r}")
    if parts.query or parts.fragment:
        raise ConfigError("OIDC_ISSUER has no query or fragment (OpenID Connect Discovery)")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"OIDC_ISSUER {issuer} uses http: sign-in codes and tokens would cross the "
            "network unencrypted. Use the provider's https URL (http is accepted only on a "
            "loopback address such as 127.0.0.1, for tests)"
        )
    if not settings.get("OIDC_CLIENT_ID"):
        raise ConfigError("OIDC_ISSUER is set: set OIDC_CLIENT_ID (and OIDC_CLIENT_SECRET) too")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
