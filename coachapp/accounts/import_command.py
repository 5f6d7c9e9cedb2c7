"""`flask --app coachapp import-accounts FILE.csv [--apply]`: the CRM account import from the
command line, a preview unless --apply; exits 1 when the file has errors."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from coachapp.accounts import crm_import, territory_alignment
from coachapp.accounts.crm_import import AccountImportPlan, AccountImportRefused, ChangeKind
from coachapp.db import get_session


def _summary(plan: AccountImportPlan) -> str:
    counts = plan.counts
    return (
        f"{counts['create']} new, {counts['update']} updated, {counts['unchanged']} unchanged, "
        f"{counts['territories']} new territories"
    )


def _echo_problems(plan: AccountImportPlan) -> None:
    for line, messages in plan.problems_by_line:
        for message in messages:
            click.echo((f"line {line}: " if line is not None else "") + message, err=True)
    count = len(plan.problems)
    click.echo(f"{count} {'error' if count == 1 else 'errors'}; nothing was changed.", err=True)


@click.command("import-accounts")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Apply the changes (all or nothing).")
@click.option("--verbose", "-v", is_flag=True, help="List every change, not only the counts.")
def import_accounts_command(file: Path, apply_: bool, verbose: bool) -> None:
    """Import accounts and territories from a CRM export (CSV), matched by external_id:
    a preview of the changes unless --apply."""
    content = file.read_bytes()
    db = get_session()
    if apply_:
        try:
            plan = crm_import.apply_account_import(
                db, None, content, previewed=None, max_bytes=crm_import.MAX_FILE_BYTES
            )
        except AccountImportRefused as exc:
            _echo_problems(exc.plan)
            raise SystemExit(1) from None
    else:
        plan = crm_import.plan_account_import(db, content, max_bytes=crm_import.MAX_FILE_BYTES)
        db.rollback()
        if not plan.ok:
            _echo_problems(plan)
            raise SystemExit(1)
    if verbose:
        for change in plan.changes:
            fields = ", ".join(f"{f.title}: {f.before!r} → {f.after!r}" for f in change.fields)
            word = "new" if change.kind == ChangeKind.CREATE else "update"
            click.echo(f"line {change.line}: {word} {change.external_id} {change.name} ({fields})")
    if apply_:
        click.echo(f"Applied: {_summary(plan)}." if plan.changes else "Nothing to change.")
    else:
        click.echo(f"Preview (nothing changed; add --apply): {_summary(plan)}.")


@click.command("align-territories")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Apply the changes (all or nothing).")
def align_territories_command(file: Path, apply_: bool) -> None:
    """Align people to territories from a CSV file (columns email, territory): each person in
    the file gets exactly the territories it lists; a preview unless --apply."""
    content = file.read_bytes()
    db = get_session()
    try:
        if apply_:
            plan = territory_alignment.apply_alignment(db, None, content, previewed=None)
        else:
            plan = territory_alignment.plan_alignment(db, content)
            db.rollback()
            if not plan.ok:
                raise territory_alignment.AlignmentRefused(plan)
    except territory_alignment.AlignmentRefused as exc:
        for line, messages in exc.plan.problems_by_line:
            for message in messages:
                click.echo((f"line {line}: " if line is not None else "") + message, err=True)
        click.echo(exc.message, err=True)
        raise SystemExit(1) from None
    for change in plan.changes:
        before, after = ", ".join(change.before) or "none", ", ".join(change.after) or "none"
        click.echo(f"{change.email}: {before} → {after}")
    summary = f"{len(plan.changes)} people changed, {plan.unchanged} unchanged"
    if apply_:
        click.echo(f"Applied: {summary}." if plan.changes else "Nothing to change.")
    else:
        click.echo(f"Preview (nothing changed; add --apply): {summary}.")
