"""Configuration: defaults, COACHAPP_CONFIG, the environment, and the production guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from coachapp import create_app
from coachapp.config import DEVELOPMENT_SECRET_KEY, ConfigError, load_config


def test_defaults_use_sqlite_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "COACHAPP_CONFIG", "SECRET_KEY", "COACHAPP_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_config(str(tmp_path))
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/coachapp.sqlite3"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


def test_file_then_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "site.toml"
    extra.write_text('WORKER_INTERVAL_SECONDS = 5\nDATABASE_URL = "sqlite:///from-file"\n')
    monkeypatch.setenv("COACHAPP_CONFIG", str(extra))
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-env")
    monkeypatch.setenv("PUSH_ALLOW_PRIVATE_ENDPOINTS", "1")
    settings = load_config(str(tmp_path))
    assert settings["WORKER_INTERVAL_SECONDS"] == 5
    assert settings["DATABASE_URL"] == "sqlite:///from-env"
    assert settings["PUSH_ALLOW_PRIVATE_ENDPOINTS"] is True


def test_a_broken_config_file_is_reported_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    monkeypatch.setenv("COACHAPP_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(tmp_path))
    monkeypatch.setenv("COACHAPP_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path))


def test_production_refuses_the_development_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHAPP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "short"})


def test_production_starts_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["ENV"] == "production"


def test_production_requires_a_usable_vapid_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("VAPID_SUBJECT", "admin@example.com")
    with pytest.raises(ConfigError, match="VAPID_SUBJECT"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_mail_settings_that_cannot_work_stop_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for bad, why in (
        ({"SMTP_URL": "http://mail.internal"}, "smtp:// or smtps://"),
        ({"SMTP_URL": "smtp://mail.internal:99999"}, "port"),
        ({"SMTP_URL": "smtp://:25"}, "names no host"),
        ({"BASE_URL": "coaching.example.com"}, "BASE_URL"),
    ):
        with pytest.raises(ConfigError, match=why):
            create_app({"DATABASE_URL": "sqlite://", **bad})
    app = create_app({"DATABASE_URL": "sqlite://", "SMTP_URL": "smtps://u:p@mail.internal"})
    assert app.config["SMTP_URL"] == "smtps://u:p@mail.internal"
    monkeypatch.setenv("COACHAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("SMTP_URL", "smtp://mail.internal:587")
    with pytest.raises(ConfigError, match="MAIL_FROM"):
        create_app({"DATABASE_URL": "sqlite://"})
    monkeypatch.setenv("MAIL_FROM", "Coachapp <coaching@example.com>")
    assert create_app({"DATABASE_URL": "sqlite://"}).config["ENV"] == "production"
