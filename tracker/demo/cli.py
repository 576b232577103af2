"""``flask --app tracker seed-demo`` and ``flask --app tracker demo-logins``: demo mode only,
since the demo accounts share a published password."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from tracker.auth.models import User
from tracker.demo.content.reference import DEMO_PASSWORD, demo_accounts
from tracker.demo.seed import seed_demo
from tracker.extensions import db

DEMO_MODE_REFUSAL = (
    "Demo data creates accounts with a published password. Set TRACKER_DEMO_MODE=1 "
    "(or pass --force) to load it."
)


def demo_mode_on() -> bool:
    return bool(current_app.config.get("TRACKER_DEMO_MODE"))


def require_demo_mode(force: bool) -> None:
    """Stop a command that would create known-password accounts outside demo mode."""
    if not force and not demo_mode_on():
        raise click.ClickException(DEMO_MODE_REFUSAL)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any user account exists.")
@click.option("--force", is_flag=True, help="Load the demo data even outside demo mode.")
@with_appcontext
def seed_demo_command(if_empty: bool, force: bool) -> None:
    """Load the demo dataset (fictional institutions; password sandbox-demo)."""
    require_demo_mode(force)
    if if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        click.echo("User accounts already exist: demo data not loaded.")
        return
    click.echo(seed_demo().summary())


@click.command("demo-logins")
@with_appcontext
def demo_logins_command() -> None:
    """List the demo accounts and their password."""
    if not demo_mode_on():
        raise click.ClickException("Demo logins are only shown in demo mode (TRACKER_DEMO_MODE=1).")
    accounts = demo_accounts()
    users = {
        u.email: u
        for u in db.session.scalars(
            sa.select(User).where(User.email.in_([a.email for a in accounts]))
        )
    }
    present = [users[a.email] for a in accounts if a.email in users]
    if not present:
        click.echo("No demo accounts yet: run `flask --app tracker seed-demo`.")
        return
    width = max(len(u.email) for u in present)
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD})")
    seen: set[str] = set()
    for user in present:
        label = account_label(user)
        # A second account of the same kind and organisation is told apart by its name.
        if label in seen:
            label = f"{label} ({user.name})"
        seen.add(label)
        click.echo(f"  {user.email:<{width}}  {label}")


def account_label(user: User) -> str:
    """Who an account stands for: "Bank user, Harbour Bank", "Regulator staff, HKMA"."""
    if user.institution is not None:
        return f"{user.institution.kind.label} user, {user.institution.name}"
    if user.regulator is not None:
        return f"{user.role.label}, {user.regulator}"
    return user.role.label
