"""``flask --app tracker api-token create``: a personal access token for a system, printed once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tracker.api import tokens
from tracker.api.models import TokenScope
from tracker.auth.services import find_by_email
from tracker.rules import NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work

api_token_cli = AppGroup("api-token", help="Personal access tokens for the API.")


@api_token_cli.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option(
    "--scope",
    type=click.Choice([s.value for s in TokenScope]),
    default=TokenScope.READ.value,
    show_default=True,
)
@click.option(
    "--expires",
    "days",
    type=click.IntRange(1, tokens.MAX_DAYS),
    default=90,
    show_default=True,
    help="Days until the token expires.",
)
@click.option("--name", default="Command line", show_default=True, help="What the token is for.")
def create_command(email: str, scope: str, days: int, name: str) -> None:
    """Create a token and print it. It is not stored and cannot be shown again."""
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email}.")
    try:
        with unit_of_work("api_token.create"):
            token, secret = tokens.create_token(user, name, TokenScope(scope), days)
            expires = token.expires_at
    except NotAllowedError as exc:
        raise click.ClickException(f"{email} is deactivated.") from exc
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret)
    click.echo(
        f"{scope} token for {email}, expires {expires:%Y-%m-%d %H:%M} UTC. It is shown only now.",
        err=True,
    )
