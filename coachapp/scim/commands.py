"""flask --app coachapp scim-token: makes, lists and revokes the directory's bearer tokens."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from coachapp.db import get_session
from coachapp.errors import NotFound
from coachapp.scim.tokens import issue_scim_token, revoke_scim_token, scim_tokens


@click.command("scim-token")
@with_appcontext
@click.option("--name", default="directory", show_default=True, help="Whose token it is.")
@click.option("--list", "listing", is_flag=True, help="List the tokens (never the secrets).")
@click.option("--revoke", "revoke_id", type=int, help="Revoke the token with this id.")
def scim_token_command(name: str, listing: bool, revoke_id: int | None) -> None:
    """Print a new SCIM bearer token for the company's directory (shown once, stored hashed);
    --list lists them, --revoke ID ends one at once."""
    db = get_session()
    if listing:
        for row in scim_tokens(db):
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "live"
            used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
            created = f"{row.created_at:%Y-%m-%d}"
            click.echo(f"{row.id}\t{row.name}\tcreated {created}\tlast used {used}\t{state}")
        return
    if revoke_id is not None:
        try:
            row = revoke_scim_token(db, revoke_id)
        except NotFound as error:
            raise click.ClickException(error.message) from None
        click.echo(f"SCIM token {row.id} ({row.name}) is revoked.")
        return
    token, row = issue_scim_token(db, name)
    click.echo(
        f"SCIM token {row.id} ({row.name}); shown only now, keep it in the directory:", err=True
    )
    click.echo(token)
