"""Use cases and everything on record about them: transitions, edits, reviews, milestones,
progress returns, incidents, documents and messages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.enums import LabelledEnum
from tracker.extensions import Base, db, enum_column, utcnow
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, SelectionCriterion
from tracker.usecases import text_index


class Stage(LabelledEnum):
    DRAFT = ("draft", "Draft")
    SUBMITTED = ("submitted", "Submitted")
    UNDER_REVIEW = ("under_review", "Under review")
    CHANGES_REQUESTED = ("changes_requested", "Changes requested")
    SELECTED = ("selected", "Selected")
    REJECTED = ("rejected", "Rejected")
    PILOT = ("pilot", "Pilot")
    SUSPENDED = ("suspended", "Suspended")
    PRODUCTION = ("production", "Production")
    DISCONTINUED = ("discontinued", "Discontinued")
    WITHDRAWN = ("withdrawn", "Withdrawn")

    @property
    def is_closed(self) -> bool:
        from tracker.usecases.workflow import CLOSED_STAGES

        return self in CLOSED_STAGES


class Technique(LabelledEnum):
    RAG = ("rag", "Retrieval-augmented generation")
    FINE_TUNING = ("fine_tuning", "Fine-tuning / model adaptation")
    NEW_MODEL = ("new_model", "Training a new model")
    OTHER = ("other", "Other")


class Audience(LabelledEnum):
    CUSTOMER = ("customer", "Customer-facing")
    INTERNAL = ("internal", "Internal")


class Rag(LabelledEnum):
    RED = ("red", "Red")
    AMBER = ("amber", "Amber")
    GREEN = ("green", "Green")


class Severity(LabelledEnum):
    LOW = ("low", "Low")
    MEDIUM = ("medium", "Medium")
    HIGH = ("high", "High")
    CRITICAL = ("critical", "Critical")


class MilestoneStatus(LabelledEnum):
    PLANNED = ("planned", "Planned")
    IN_PROGRESS = ("in_progress", "In progress")
    DONE = ("done", "Done")
    DROPPED = ("dropped", "Dropped")


use_case_partner = sa.Table(
    "use_case_partner",
    db.metadata,
    sa.Column("use_case_id", sa.ForeignKey("use_case.id"), primary_key=True),
    sa.Column("institution_id", sa.ForeignKey("institution.id"), primary_key=True),
    # An institution's partnerships, covering: whether it partners on a visible use case (the
    # institution list's visibility test) reads this index and the use case's key only.
    sa.Index("ix_use_case_partner_institution_use_case", "institution_id", "use_case_id"),
)


class UseCase(Base):
    __tablename__ = "use_case"
    __table_args__ = (
        sa.CheckConstraint("gpu_hours IS NULL OR gpu_hours >= 0", "gpu_hours"),
        # A pilot cannot exist without its agreed start and boundaries.
        sa.CheckConstraint(
            "stage NOT IN ('pilot', 'suspended', 'production')"
            " OR (pilot_started_on IS NOT NULL AND pilot_duration_weeks IS NOT NULL)",
            "pilot_terms",
        ),
        sa.CheckConstraint("stage != 'production' OR exit_outcome IS NOT NULL", "exit_report"),
        sa.Index("ix_use_case_stage_cohort", "stage", "cohort_id"),
        # The list's default sort and its keyset cursor; "recent" on the institution dashboard.
        sa.Index("ix_use_case_updated_at_id", "updated_at", "id"),
        # "Days in stage" sort, and each board column's longest-waiting cards.
        sa.Index("ix_use_case_stage_changed_at_id", "stage_changed_at", "id"),
        sa.Index("ix_use_case_stage_stage_changed_at", "stage", "stage_changed_at", "id"),
        # Stage + category filter in the default order.
        sa.Index("ix_use_case_stage_category_updated", "stage", "category_id", "updated_at", "id"),
        # The review queue: oldest submission first; and, covering, the pilots whose returns
        # fall due (the last three columns are all that query reads).
        sa.Index(
            "ix_use_case_stage_submitted_at",
            "stage",
            "submitted_at",
            "cohort_id",
            "pilot_started_on",
            "last_return_end",
        ),
        # Figures (stage by category, funnel, counts per cohort) and returns due read this index
        # only.
        sa.Index(
            "ix_use_case_figures",
            "cohort_id",
            "stage",
            "category_id",
            "submitted_at",
            "selected_at",
            "pilot_started_on",
            "last_return_end",
        ),
        # Whether an institution leads a use case the user sees, and its figures by stage: the
        # institution list's and page's visibility test and counts read this index only.
        sa.Index(
            "ix_use_case_institution_visible",
            "institution_id",
            "cohort_id",
            "submitted_at",
            "stage",
            # The key too, for PostgreSQL: the visibility of partnerships is hashed from an
            # index-only scan of this index rather than a scan of the use cases.
            "id",
        ),
        # A cohort's use cases by title (the cohort page's list), read in order a page at a time.
        sa.Index(
            "ix_use_case_cohort_lower_title_id",
            "cohort_id",
            sa.func.lower(sa.column("title")),
            "id",
        ),
        # "Due soon" and "overdue" filters and the due-date sort (tracker.clocks).
        sa.Index("ix_use_case_clock_due_on_id", "clock_due_on", "id"),
        # The list's search of titles (``title ILIKE '%term%'``) on PostgreSQL: trigrams of the
        # title. SQLite keeps an FTS5 table instead (tracker.usecases.text_index).
        sa.Index(
            "ix_use_case_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # Returns due and overdue, soonest first, stopped after a page; covering, so that their
        # total counts the index range only (the rest is what the visibility test reads).
        sa.Index(
            "ix_use_case_next_return_due",
            "next_return_due_on",
            "id",
            "stage",
            "cohort_id",
            "submitted_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # ``active_history`` on the columns ``tracker.usecases.figures`` counts by: a change loads the
    # old value first, so the counts can move the use case from its old row to its new one.
    cohort_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cohort.id"), index=True, active_history=True
    )
    # Indexed by ``ix_use_case_institution_visible``, which starts with it.
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institution.id"))
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("category.id"), index=True, active_history=True
    )
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    problem_statement: Mapped[str] = mapped_column(sa.Text, default="")
    technique: Mapped[Technique] = mapped_column(enum_column(Technique, "technique"))
    data_used: Mapped[str] = mapped_column(sa.Text, default="")
    personal_data: Mapped[bool] = mapped_column(default=False)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "audience"))
    safeguards: Mapped[str] = mapped_column(sa.Text, default="")
    # One KPI per line; progress returns report a value against each line.
    kpis: Mapped[str] = mapped_column(sa.Text, default="")
    gpu_hours: Mapped[int | None]
    stage: Mapped[Stage] = mapped_column(
        enum_column(Stage, "stage"), default=Stage.DRAFT, active_history=True
    )
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(active_history=True)
    # Kept by the workflow commands so that figures need not read the history: when the case was
    # first selected, and the end of the last period its progress returns cover.
    selected_at: Mapped[datetime | None] = mapped_column(active_history=True)
    last_return_end: Mapped[date | None]
    # The due date of the stage clock running now (none while no clock runs or it is paused),
    # kept by the workflow commands through ``tracker.clocks.services.refresh``.
    clock_due_on: Mapped[date | None]
    # When the next progress return falls due (none outside a pilot stage, or when nothing is
    # due), kept by a flush hook in ``tracker.returns.due``.
    next_return_due_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    # Pilot terms agreed when the pilot starts.
    pilot_started_on: Mapped[date | None] = mapped_column(active_history=True)
    pilot_duration_weeks: Mapped[int | None]
    pilot_limits: Mapped[str | None] = mapped_column(sa.Text)
    pilot_data_scope: Mapped[str | None] = mapped_column(sa.Text)
    # Exit report recorded with the production approval.
    exit_outcome: Mapped[str | None] = mapped_column(sa.Text)
    exit_lessons: Mapped[str | None] = mapped_column(sa.Text)
    exit_conditions: Mapped[str | None] = mapped_column(sa.Text)

    # Optimistic locking: every UPDATE checks the version the writer read.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    cohort: Mapped[Cohort] = relationship(back_populates="use_cases")
    institution: Mapped[Institution] = relationship()
    category: Mapped[Category] = relationship()
    partners: Mapped[list[Institution]] = relationship(
        secondary=use_case_partner, order_by="Institution.name"
    )
    created_by: Mapped[User | None] = relationship()
    transitions: Mapped[list[StageTransition]] = relationship(
        back_populates="use_case", order_by="StageTransition.at, StageTransition.id"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="use_case", order_by="Milestone.planned_on, Milestone.id"
    )
    returns: Mapped[list[ProgressReturn]] = relationship(
        back_populates="use_case", order_by="ProgressReturn.period_end, ProgressReturn.id"
    )
    reviews: Mapped[list[Review]] = relationship(order_by="Review.at")
    # Every incident, reported in a return or on its own (``Incident.use_case`` is the other side).
    incidents: Mapped[list[Incident]] = relationship(
        back_populates="use_case", order_by="Incident.id"
    )

    @property
    def is_proposal(self) -> bool:
        """Submitted at least once. Until then a use case is a draft that only its institution
        sees; every list, figure and report outside the institution counts proposals only."""
        return self.submitted_at is not None

    @classmethod
    def proposals(cls) -> sa.ColumnElement[bool]:
        """``is_proposal`` as a WHERE clause."""
        return cls.submitted_at.is_not(None)

    @property
    def next_return_start(self) -> date | None:
        """The first day the next progress return covers: the day after the last return's
        period, or the pilot start. ``returns`` must be loaded (they are, on the use-case page)."""
        if self.returns:
            return max(r.period_end for r in self.returns) + timedelta(days=1)
        return self.pilot_started_on

    @property
    def kpi_list(self) -> list[str]:
        return [line.strip() for line in (self.kpis or "").splitlines() if line.strip()]

    @property
    def reference(self) -> str:
        return f"UC-{self.id:05d}"

    def __str__(self) -> str:
        return self.title


# On SQLite the search's FTS5 table of titles and its triggers come and go with the table.
text_index.attach(UseCase.__table__)  # type: ignore[arg-type]


class StageTransition(Base):
    """One change of stage. Append-only: the application never updates or deletes these."""

    __tablename__ = "stage_transition"
    # Recent activity reads the newest rows of this index and stops.
    __table_args__ = (sa.Index("ix_stage_transition_at_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, "from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "to_stage"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    use_case: Mapped[UseCase] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class FieldChange(Base):
    """One edit to a proposal after it was first submitted. Append-only."""

    __tablename__ = "field_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(sa.String(60))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)

    actor: Mapped[User | None] = relationship()


class Review(Base):
    """One reviewer's scoring of one proposal against the cohort's criteria."""

    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("use_case_id", "reviewer_id", name="uq_review_use_case_reviewer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")

    reviewer: Mapped[User] = relationship()
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> int:
        return sum(s.score for s in self.scores)


class ReviewScore(Base):
    __tablename__ = "review_score"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 1 AND 5", "score_range"),
        sa.UniqueConstraint("review_id", "criterion_id", name="uq_review_score_criterion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("selection_criterion.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[SelectionCriterion] = relationship()


class Milestone(Base):
    __tablename__ = "milestone"
    # Overdue milestones on an unscoped dashboard: each open status in date order; and their
    # number, a range of the second index per cohort in the remit.
    __table_args__ = (
        sa.Index("ix_milestone_status_planned_on", "status", "planned_on", "use_case_id"),
        sa.Index("ix_milestone_open_cohort_planned_on", "open_cohort_id", "planned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    planned_on: Mapped[date]
    actual_on: Mapped[date | None]
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus, "status"), default=MilestoneStatus.PLANNED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Two people updating one milestone: the second is told, as for use cases.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    # The use case's cohort while the milestone is open and the use case, submitted, is in a
    # stage with milestones (none otherwise): kept by ``tracker.usecases.open_milestones``. No
    # foreign key: derived data, as ``use_case_count`` is.
    open_cohort_id: Mapped[int | None]

    use_case: Mapped[UseCase] = relationship(back_populates="milestones")

    def is_overdue(self, today: date) -> bool:
        return self.status in (MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS) and (
            self.planned_on < today
        )


class ProgressReturn(Base):
    """A periodic return filed by the institution during a pilot, attested by a senior manager."""

    __tablename__ = "progress_return"
    __table_args__ = (sa.CheckConstraint("period_end >= period_start", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    rag: Mapped[Rag] = mapped_column(enum_column(Rag, "rag"))
    narrative: Mapped[str] = mapped_column(sa.Text)
    attested_by_name: Mapped[str] = mapped_column(sa.String(200))
    attested_by_title: Mapped[str] = mapped_column(sa.String(200))
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Reported against the sandbox plan's customer cap and exposure limit (``tracker.plans``).
    customers_reached: Mapped[int | None]
    exposure_used: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))

    use_case: Mapped[UseCase] = relationship(back_populates="returns")
    submitted_by: Mapped[User | None] = relationship()
    kpi_values: Mapped[list[KpiValue]] = relationship(
        back_populates="progress_return", order_by="KpiValue.position"
    )
    incidents: Mapped[list[Incident]] = relationship(back_populates="progress_return")
    comments: Mapped[list[ReturnComment]] = relationship(
        back_populates="progress_return", order_by="ReturnComment.at"
    )


class KpiValue(Base):
    __tablename__ = "kpi_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_return.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kpi: Mapped[str] = mapped_column(sa.Text)
    # The note beside the number (before KPIs were data, the value as typed).
    value: Mapped[str] = mapped_column(sa.String(500))
    # The plan's KPI this value reports against (``tracker.plans``) and the number reported;
    # migration 0015 links the values returned before plans were kept to their carried-over
    # KPIs, with no number (their text is the note).
    plan_kpi_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan_kpi.id"), index=True)
    number: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))

    progress_return: Mapped[ProgressReturn] = relationship(back_populates="kpi_values")


class Incident(Base):
    """An incident of a pilot: reported in a progress return, or on its own the moment it
    happens (``return_id`` empty). A high or critical one reported on its own runs a response
    clock until the regulator acknowledges it (``tracker.returns.incidents``)."""

    __tablename__ = "incident"
    # Acknowledgements overdue on the dashboard: the open clocks in due order.
    __table_args__ = (sa.Index("ix_incident_ack_due", "acknowledged_at", "acknowledge_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(sa.ForeignKey("progress_return.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, "severity"))
    customer_impact: Mapped[str] = mapped_column(sa.Text, default="")
    remediation: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_on: Mapped[date | None]
    # Set once, when the incident is closed; an incident without it is open.
    resolved_on: Mapped[date | None]
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # When it happened, to the minute, for incidents reported on their own (naive UTC).
    occurred_at: Mapped[datetime | None]
    customers_affected: Mapped[int | None]
    reported_at: Mapped[datetime | None]
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The response clock: the regulator acknowledges by then; stopped by the acknowledgement.
    acknowledge_by: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    acknowledgement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The suspension of the pilot decided from this incident.
    suspension_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stage_transition.id"))

    use_case: Mapped[UseCase] = relationship(back_populates="incidents")
    progress_return: Mapped[ProgressReturn | None] = relationship(back_populates="incidents")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    suspension: Mapped[StageTransition | None] = relationship()

    @property
    def in_return(self) -> bool:
        return self.return_id is not None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def acknowledgement_overdue(self, now: datetime) -> bool:
        return (
            self.acknowledge_by is not None
            and self.acknowledged_at is None
            and self.acknowledge_by < now
        )

    @property
    def resolved(self) -> bool:
        return self.resolved_on is not None

    def resolved_by_day(self, day: date) -> bool:
        """Whether the incident had been resolved by the end of ``day``."""
        return self.resolved_on is not None and self.resolved_on <= day


class ReturnComment(Base):
    __tablename__ = "return_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_return.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)

    progress_return: Mapped[ProgressReturn] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class Document(Base):
    """A file attached to a use case, kept in the database so every app server can serve it."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    # A PDF that asks its viewer to run JavaScript or launch a program: kept (documents are
    # only ever downloaded), and shown with a warning.
    has_scripts: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class Message(Base):
    """A message on a use case; ``internal`` messages are never shown to institution users."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(sa.ForeignKey("use_case.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship()


class HistoryIsAppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a history row."""


def _refuse_change(_mapper: object, _connection: object, target: object) -> None:
    raise HistoryIsAppendOnlyError(f"{type(target).__name__} rows are never updated or deleted")


for _history_model in (StageTransition, FieldChange):
    sa.event.listen(_history_model, "before_update", _refuse_change)
    sa.event.listen(_history_model, "before_delete", _refuse_change)
