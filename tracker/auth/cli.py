"""``flask --app tracker create-user``: make accounts from the command line (the first admin)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from tracker.auth.models import Role
from tracker.auth.passwords import MIN_PASSWORD_LENGTH
from tracker.auth.services import create_user as create_user_service
from tracker.auth.services import find_by_email
from tracker.extensions import db
from tracker.institutions.models import Institution
from tracker.programmes.models import Regulator


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
@click.password_option(help="At least 12 characters.")
@with_appcontext
def create_user(
    email: str,
    name: str,
    role: str,
    regulator_code: str | None,
    institution_name: str | None,
    password: str,
) -> None:
    """Create a user account (by default an administrator)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"use at least {MIN_PASSWORD_LENGTH} characters", param_hint="password"
        )
    if find_by_email(email):
        raise click.ClickException(f"A user with email {email} already exists.")
    the_role = Role(role)
    regulator_id = institution_id = None
    if the_role in (Role.REGULATOR, Role.SUPERVISOR):
        regulator = db.session.scalar(sa.select(Regulator).where(Regulator.code == regulator_code))
        if regulator is None:
            raise click.ClickException("--regulator must name an existing regulator code.")
        regulator_id = regulator.id
    elif the_role is Role.INSTITUTION:
        institution = db.session.scalar(
            sa.select(Institution).where(Institution.name == institution_name)
        )
        if institution is None:
            raise click.ClickException("--institution must name an existing institution.")
        institution_id = institution.id
    user = create_user_service(
        email=email,
        name=name,
        password=password,
        role=the_role,
        regulator_id=regulator_id,
        institution_id=institution_id,
    )
    db.session.commit()
    click.echo(f"Created {user.role.label} {user.email} (id {user.id}).")
