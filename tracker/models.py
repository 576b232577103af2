"""Import every model module so that metadata, Alembic and ``db.create_all`` see all tables."""

from tracker.auth.models import Role, User
from tracker.organisations.models import Category, Institution, InstitutionKind, Regulator
from tracker.programmes.models import Cohort, CohortStatus, Programme, SelectionCriterion
from tracker.usecases.models import (
    Document,
    FieldChange,
    Incident,
    KpiValue,
    Message,
    Milestone,
    ProgressReturn,
    ReturnComment,
    Review,
    ReviewScore,
    Stage,
    StageTransition,
    UseCase,
)

__all__ = [
    "Category",
    "Cohort",
    "CohortStatus",
    "Document",
    "FieldChange",
    "Incident",
    "Institution",
    "InstitutionKind",
    "KpiValue",
    "Message",
    "Milestone",
    "ProgressReturn",
    "Programme",
    "Regulator",
    "ReturnComment",
    "Review",
    "ReviewScore",
    "Role",
    "SelectionCriterion",
    "Stage",
    "StageTransition",
    "UseCase",
    "User",
]

from tracker.reports.models import IssuedReport, ReportKind  # noqa: E402
from tracker.usecases.saved_filters import SavedFilter  # noqa: E402

__all__ += ["IssuedReport", "ReportKind", "SavedFilter"]

from tracker.notifications.models import (  # noqa: E402
    Notification,
    NotificationPreference,
    OutboundMail,
)

__all__ += ["Notification", "NotificationPreference", "OutboundMail"]

from tracker.api.models import ApiToken, IdempotentResponse, Webhook  # noqa: E402

__all__ += ["ApiToken", "IdempotentResponse", "Webhook"]

from tracker.returns.models import ExpectedReturn, ReturnReminder, ReturnSchedule  # noqa: E402

__all__ += ["ExpectedReturn", "ReturnReminder", "ReturnSchedule"]
from tracker.clocks.models import ClockSettings, RegulatorClosure  # noqa: E402

__all__ += ["ClockSettings", "RegulatorClosure"]
from tracker.evidence.models import (  # noqa: E402
    EvidenceActivity,
    EvidenceEntry,
    EvidenceEvaluation,
    EvidenceRevision,
)

__all__ += ["EvidenceActivity", "EvidenceEntry", "EvidenceEvaluation", "EvidenceRevision"]

from tracker.compute.models import ComputeAllocation, ComputeUsage  # noqa: E402

__all__ += ["ComputeAllocation", "ComputeUsage"]

from tracker.lessons.models import Lesson, LessonTheme  # noqa: E402

__all__ += ["Lesson", "LessonTheme"]
from tracker.committee.models import (  # noqa: E402
    Assignment,
    Committee,
    CommitteeMember,
    Determination,
    SlateEntry,
)

__all__ += ["Assignment", "Committee", "CommitteeMember", "Determination", "SlateEntry"]
from tracker.plans.models import (  # noqa: E402
    BoundaryBreach,
    PlanKpi,
    PlanMilestone,
    SandboxPlan,
    SandboxPlanVersion,
)

__all__ += ["BoundaryBreach", "PlanKpi", "PlanMilestone", "SandboxPlan", "SandboxPlanVersion"]

from tracker.exits.models import ExitPublication  # noqa: E402

__all__ += ["ExitPublication"]

from tracker.returns import due as _next_return_due  # noqa: E402, F401  (its flush hook)
from tracker.usecases import open_milestones as _open_milestones  # noqa: E402, F401  (the same)
from tracker.usecases.figures import UseCaseCount  # noqa: E402
from tracker.usecases.institution_figures import InstitutionCount  # noqa: E402

__all__ += ["InstitutionCount", "UseCaseCount"]

from tracker.plans.figures import KpiMovingAway  # noqa: E402

__all__ += ["KpiMovingAway"]
