"""The use-case report carries the committee's record for the regulator side: declarations
and recusals, determinations and the decision, as at its date; never for the institution."""

from __future__ import annotations

from datetime import timedelta

from tests import factories as f
from tests.committee.conftest import Panel, run
from tracker.committee import services
from tracker.committee.models import ConflictWith, Decision
from tracker.committee.reports import committee_record
from tracker.extensions import db
from tracker.reports import data
from tracker.reports.models import ReportKind
from tracker.reports.services import build
from tracker.usecases.models import Stage


def _as_at(day=None):  # type: ignore[no-untyped-def]
    return data.AsAt.for_day(day, "Asia/Hong_Kong")


def test_declarations_and_determinations_are_in_the_use_case_report(panel: Panel):
    w = panel.world
    run(
        lambda: services.declare(
            panel.colleague,
            panel.colleague_on_uc,
            services.DeclarationData(True, ConflictWith.PARTNER, w.partner.id, "Advisory board."),
        )
    )
    broker = f.create_institution(w.sfc, f.InstitutionKind.SECURITIES, name="Peak Securities")
    routed = f.create_use_case(w.cohort, broker, w.category, stage=Stage.UNDER_REVIEW)
    db.session.commit()
    run(
        lambda: services.record_determination(
            w.sfc_reviewer, routed, Decision.SUPPORT_WITH_CONDITIONS, "Fits.", "Cap at 500 clients."
        )
    )
    report, _ = build(ReportKind.USE_CASE, panel.uc, _as_at(), w.reviewer)
    record = report.committee  # type: ignore[union-attr]
    assert record is not None
    rows = {d.reviewer: d for d in record.declarations}
    assert rows["Prof. Ada Wong"].declaration == "No conflict"
    assert rows["Cara Lam"].declaration == "Conflict declared: recused"
    assert (
        "Kowloon AI Labs" in rows["Cara Lam"].detail
        and "Advisory board." in rows["Cara Lam"].detail
    )
    routed_report, _ = build(ReportKind.USE_CASE, routed, _as_at(), w.supervisor)
    determinations = routed_report.committee.determinations  # type: ignore[union-attr]
    assert [(d.regulator, d.decision, d.conditions) for d in determinations] == [
        ("SFC", "Support with conditions", "Cap at 500 clients.")
    ]
    # The institution's own report of its proposal says nothing of the committee.
    own, _ = build(ReportKind.USE_CASE, panel.uc, _as_at(), w.bank_user)
    assert own.committee is None  # type: ignore[union-attr]


def test_the_record_is_as_at_the_reports_cutoff(panel: Panel):
    before = panel.cleared.assigned_at - timedelta(seconds=1)
    assert committee_record(panel.uc.id, before, lambda t: t) is None
    between = panel.cleared.declared_at - timedelta(microseconds=1)  # type: ignore[operator]
    record = committee_record(panel.uc.id, between, lambda t: t)
    assert record is not None
    assert {d.declaration for d in record.declarations} == {"Not yet declared"}
