"""User accounts and roles."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column, utcnow
from tracker.organisations.models import Institution, Regulator


class Role(LabelledEnum):
    ADMIN = ("admin", "Administrator")
    REGULATOR = ("regulator", "Regulator staff")
    SUPERVISOR = ("supervisor", "Supervisor")
    INSTITUTION = ("institution", "Institution user")
    # Sits on selection committees; sees only the proposals assigned to them.
    EXPERT = ("expert", "External expert")


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # A user belongs to exactly the organisation their role calls for.
        sa.CheckConstraint(
            "(role = 'admin' AND regulator_id IS NULL AND institution_id IS NULL)"
            " OR (role IN ('regulator', 'supervisor') AND regulator_id IS NOT NULL"
            " AND institution_id IS NULL)"
            " OR (role = 'institution' AND institution_id IS NOT NULL AND regulator_id IS NULL)"
            # An external expert: independent, or of an institution (an academic or a
            # technology partner's employee), never of a regulator.
            " OR (role = 'expert' AND regulator_id IS NULL)",
            "organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    regulator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regulator.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institution.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the session identifier: bumping it revokes every session of this user.
    session_version: Mapped[int] = mapped_column(default=1)

    regulator: Mapped[Regulator | None] = relationship()
    institution: Mapped[Institution | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def organisation(self) -> Regulator | Institution | None:
        return self.regulator or self.institution

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_regulator_staff(self) -> bool:
        return self.role is Role.REGULATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def is_institution_user(self) -> bool:
        return self.role is Role.INSTITUTION

    @property
    def is_expert(self) -> bool:
        return self.role is Role.EXPERT

    @property
    def is_regulator_side(self) -> bool:
        """Regulator staff or supervisors: people who work inside a regulator's remit."""
        return self.role in (Role.REGULATOR, Role.SUPERVISOR)

    def __str__(self) -> str:
        return self.name
