"""``flask --app tracker create-user``: make accounts from the command line (the first admin)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from tracker.auth.models import Role
from tracker.auth.services import create_user as create_user_command
from tracker.extensions import db
from tracker.organisations.models import Institution, Regulator
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="admin", show_default=True
)
@click.option(
    "--regulator", "regulator_code", help="Regulator code, for regulator staff and supervisors."
)
@click.option("--institution", "institution_name", help="Institution name, for institution users.")
@click.password_option(
    help="At least 12 characters; not a common or guessable password, nor the name or email."
)
@with_appcontext
def create_user(
    email: str,
    name: str,
    role: str,
    regulator_code: str | None,
    institution_name: str | None,
    password: str,
) -> None:
    """Create a user account (by default an administrator), through the same rules as the
    administration pages: a unique email, the organisation the role needs, the password
    policy."""
    regulator = institution = None
    if regulator_code:
        regulator = db.session.scalar(sa.select(Regulator).where(Regulator.code == regulator_code))
        if regulator is None:
            raise click.ClickException("--regulator must name an existing regulator code.")
    if institution_name:
        institution = db.session.scalar(
            sa.select(Institution).where(Institution.name == institution_name)
        )
        if institution is None:
            raise click.ClickException("--institution must name an existing institution.")
    try:
        with unit_of_work("user.create"):
            user = create_user_command(
                email=email,
                name=name,
                password=password,
                role=Role(role),
                regulator_id=regulator.id if regulator else None,
                institution_id=institution.id if institution else None,
            )
    except RuleError as exc:
        problems = "; ".join(f"{field}: {' '.join(ms)}" for field, ms in exc.errors.items())
        raise click.ClickException(problems) from exc
    click.echo(f"Created {user.role.label} {user.email} (id {user.id}).")
