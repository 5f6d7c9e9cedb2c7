"""Commands: flask --app coachapp db upgrade | seed-demo | create-user | reset-password |
vapid-keys | worker | attainment-snapshots | refresh-figures | retention | dev-cert |
scim-token."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError
from sqlalchemy import func, select

from coachapp import migrate
from coachapp.accounts.import_command import align_territories_command, import_accounts_command
from coachapp.admin.service import create_user, reset_password, user_create_schema
from coachapp.collector import settle_for_serving
from coachapp.dashboard import summaries
from coachapp.db import get_session, utcnow
from coachapp.demo import RegionsExhausted, seed_demo
from coachapp.devserver import write_dev_certificate
from coachapp.email_addresses import normalise_email
from coachapp.errors import InvalidInput
from coachapp.models import User
from coachapp.nudges.vapid import ensure_vapid_keys, generate_vapid_keys
from coachapp.plans.quarters import Quarter
from coachapp.plans.snapshots import last_closed_quarter, take_missing_snapshots
from coachapp.privacy import retention
from coachapp.scim.commands import scim_token_command
from coachapp.worker import run_forever, run_once

db_cli = AppGroup("db", help="Database schema migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema (default: to the newest revision)."""
    migrate.upgrade(current_app, revision)
    click.echo(f"Database is at {revision}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the database schema to REVISION."""
    migrate.downgrade(current_app, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the models (review it before committing)."""
    migrate.new_revision(current_app, message)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision."""
    migrate.current(current_app)


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Regions under director@example.com: 1 is the demo, each more adds about 50 reps.",
)
@click.option("--if-empty", is_flag=True, help="Only seed a database that has no users.")
def seed_demo_command(scale: int, if_empty: bool) -> None:
    """Create the demo organisation (idempotent); --scale N grows it to N regions."""
    db = get_session()
    if if_empty and db.scalar(select(func.count()).select_from(User)):
        click.echo("Database already has users; demo data not added.")
        return
    try:
        counts = seed_demo(db, scale=scale)
    except RegionsExhausted as exc:
        raise click.BadParameter(str(exc), param_hint="--scale") from exc
    created = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing new"
    click.echo(f"Demo organisation ready ({created}). Password for every demo user: demo-password")


@click.command("create-user")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(["rep", "manager", "director", "admin"]), prompt=True)
@click.option("--function", "function_", default="other", show_default=True)
@click.option("--manager-email", default="", help="Email of the person they report to.")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--password", default=None, help="Prompted for when not given.")
def create_user_command(
    email: str,
    name: str,
    role: str,
    function_: str,
    manager_email: str,
    timezone: str,
    password: str | None,
) -> None:
    """Create a user who can sign in."""
    db = get_session()
    manager_id = None
    if manager_email:
        manager = db.scalars(select(User).where(User.email == manager_email.lower())).first()
        if manager is None:
            raise click.ClickException(f"No user with email {manager_email}.")
        manager_id = manager.id
    if password is None:
        password = getpass.getpass("Password: ")
    raw = {
        "email": email,
        "name": name,
        "role": role,
        "function": function_,
        "manager_id": manager_id,
        "timezone": timezone,
        "password": password,
    }
    try:
        data = user_create_schema.load(raw)
        user = create_user(db, None, data)
    except ValidationError as exc:
        raise click.ClickException(_describe(exc.messages)) from exc
    except InvalidInput as exc:
        raise click.ClickException(_describe(exc.fields or exc.message)) from exc
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


def _describe(messages: object) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in messages.items())
    return str(messages)


@click.command("reset-password")
@with_appcontext
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Give someone a temporary password (printed once), e.g. an admin, whose password no
    other admin may reset. It works only to choose their own, within TEMPORARY_PASSWORD_HOURS;
    they are signed out everywhere and told."""
    db = get_session()
    user = db.scalars(select(User).where(User.email == normalise_email(email))).first()
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    reset = reset_password(db, None, user.id)
    click.echo(f"Temporary password for {user.email}: {reset.password}")


@click.command("vapid-keys")
@with_appcontext
@click.option("--force", is_flag=True, help="Replace keys that already exist.")
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print a new pair as VAPID_PRIVATE_KEY=/VAPID_PUBLIC_KEY= lines; store nothing.",
)
def vapid_keys_command(force: bool, as_env: bool) -> None:
    """Generate the VAPID key pair for Web Push, store it, print the public key."""
    if as_env:
        private, public = generate_vapid_keys()
        click.echo(f"VAPID_PRIVATE_KEY={private}")
        click.echo(f"VAPID_PUBLIC_KEY={public}")
        return

    public_key, created, where = ensure_vapid_keys(current_app, force=force)
    if created:
        click.echo(f"Stored a new VAPID key pair in {where}.", err=True)
    else:
        click.echo(f"Using the VAPID key pair from {where}.", err=True)
    click.echo(public_key)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one round, then exit.")
def worker_command(once: bool) -> None:
    """Evaluate nudge rules and send what is due; runs until stopped."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if once:
        report = run_once(current_app)
        click.echo(report.summary())
        sys.exit(0 if report.ok else 1)
    settle_for_serving()
    run_forever(current_app)


# Without --since: the closed quarters of the last two years.
SNAPSHOT_QUARTERS = 8


class QuarterParam(click.ParamType):
    name = "YYYY-Qn"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Quarter:
        if isinstance(value, Quarter):
            return value
        try:
            return Quarter.parse(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a quarter such as 2026-Q1.", param, ctx)


@click.command("attainment-snapshots")
@with_appcontext
@click.option("--since", type=QuarterParam(), help="The first quarter to snapshot.")
def attainment_snapshots_command(since: Quarter | None) -> None:
    """Snapshot goal attainment for closed quarters that lack it (the worker does so as each
    quarter closes): each goal's figures at the quarter's last day, from today's goals and
    actuals. Goals already snapshotted keep theirs."""
    now = utcnow()
    if since is None:
        since = last_closed_quarter(now)
        for _ in range(SNAPSHOT_QUARTERS - 1):
            since = since.previous
    taken = take_missing_snapshots(get_session(), since, now)
    for quarter, count in taken.items():
        click.echo(f"{quarter.label}: {count} goal(s) snapshotted")
    if not taken:
        click.echo(f"No closed quarter from {since.label} on.")


@click.command("refresh-figures")
@with_appcontext
def refresh_figures_command() -> None:
    """Compute the dashboard's stored figures again now, every team and region (the worker
    does so within a minute of any change, and when a day turns)."""
    done = summaries.refresh(get_session())
    click.echo(
        f"Figures computed in {done.seconds:.2f} s of CPU: {done.written} row(s) written, "
        f"{done.kept} unchanged, {done.deleted} deleted; impact: {done.impact_written} "
        f"row(s) written, {done.impact_deleted} deleted."
    )


@click.command("retention")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Print what the next run removes; remove nothing.")
def retention_command(dry_run: bool) -> None:
    """Apply the organisation's retention now (the worker does it daily): drafts never shared
    and leavers past the time an admin set; with --dry-run, only print what it would remove."""
    db = get_session()
    removal = retention.planned(db) if dry_run else retention.apply(db)
    if removal.setting.off:
        click.echo("No retention is set: nothing is removed (an admin sets it: /admin/retention).")
        return
    for line in removal.lines():
        click.echo(line)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb}: {len(removal.drafts)} draft(s) never shared, {len(removal.leavers)} leaver(s) "
        "erased."
    )


@click.command("dev-cert")
@with_appcontext
@click.option(
    "--host",
    "hosts",
    multiple=True,
    help="A name or address the phone will use (repeatable); localhost is always included.",
)
def dev_cert_command(hosts: tuple[str, ...]) -> None:
    """Make a self-signed certificate for trying the app on a phone over the local network
    (`make run HOST=0.0.0.0 TLS=1`); prints the certificate and key paths."""
    cert, key = write_dev_certificate(Path(current_app.instance_path), ["localhost", *hosts])
    click.echo(f"{cert} {key}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    for command in (
        seed_demo_command,
        create_user_command,
        reset_password_command,
        vapid_keys_command,
        worker_command,
        attainment_snapshots_command,
        refresh_figures_command,
        retention_command,
        dev_cert_command,
        scim_token_command,
        import_accounts_command,
        align_territories_command,
    ):
        app.cli.add_command(command)
