"""Organisations: regulators, the financial institutions and technology partners taking part,
the sectors they work in and the categories use cases are filed under. Nothing here imports
another area, so auth, programmes and use cases all build on it without a cycle."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.enums import LabelledEnum
from tracker.extensions import Base, enum_column
from tracker.i18n import local_name


class Sector(LabelledEnum):
    BANKING = ("banking", "Banking")
    SECURITIES = ("securities", "Securities and asset management")
    INSURANCE = ("insurance", "Insurance")
    MPF = ("mpf", "MPF schemes")
    SVF = ("svf", "Stored-value facilities")


class Regulator(Base):
    __tablename__ = "regulator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.code


class InstitutionKind(LabelledEnum):
    BANK = ("bank", "Bank")
    SECURITIES = ("securities", "Securities firm")
    INSURER = ("insurer", "Insurer")
    MPF_TRUSTEE = ("mpf_trustee", "MPF trustee")
    SVF = ("svf", "Stored-value facility licensee")
    TECH_PARTNER = ("tech_partner", "Technology partner")


# The sector each kind of financial institution belongs to (technology partners have none).
SECTOR_OF_KIND: dict[InstitutionKind, Sector] = {
    InstitutionKind.BANK: Sector.BANKING,
    InstitutionKind.SECURITIES: Sector.SECURITIES,
    InstitutionKind.INSURER: Sector.INSURANCE,
    InstitutionKind.MPF_TRUSTEE: Sector.MPF,
    InstitutionKind.SVF: Sector.SVF,
}


class Institution(Base):
    __tablename__ = "institution"
    __table_args__ = (
        # The institution list's orders and their seek cursors (tracker.usecases.workspace):
        # by name, and by kind then name; a page is read in index order and stops.
        sa.Index("ix_institution_lower_name_id", sa.func.lower(sa.column("name")), "id"),
        sa.Index(
            "ix_institution_kind_lower_name_id", "kind", sa.func.lower(sa.column("name")), "id"
        ),
        # The use-case search's read of the institutions a term names (``name ILIKE '%term%'``)
        # on PostgreSQL: trigrams of both names (the extension is made with the table, below).
        sa.Index(
            "ix_institution_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_institution_name_zh_trgm",
            "name_zh",
            postgresql_using="gin",
            postgresql_ops={"name_zh": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[InstitutionKind] = mapped_column(enum_column(InstitutionKind, "kind"))
    # Technology partners are not supervised, so the regulator is optional for them.
    regulator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regulator.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    regulator: Mapped[Regulator | None] = relationship()

    @property
    def sector(self) -> Sector | None:
        return SECTOR_OF_KIND.get(self.kind)

    @property
    def is_partner(self) -> bool:
        return self.kind is InstitutionKind.TECH_PARTNER

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.name_zh})" if self.name_zh else self.name

    def __str__(self) -> str:
        return local_name(self) if self.name else ""


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_zh: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return local_name(self) if self.name else ""


DEFAULT_CATEGORIES = (
    ("Risk management", "風險管理"),
    ("Anti-fraud", "反詐騙"),
    ("Customer experience", "客戶體驗"),
)


# The trigram indexes above need pg_trgm, made before the table when the schema is built from
# the models (``create_all``); migrations 0022 and 0025 make it in a migrated database.
sa.event.listen(
    Institution.__table__,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
