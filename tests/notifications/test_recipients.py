"""The recipients table, row by row: each event made by the real command, and exactly who is
told of it under which kind. Everyone not listed must not be told (the actor included).

The bank's use case names the partner; SFC staff take part in the programme but do not
supervise the bank; IA staff have no part in it; ``sfc_reviewer`` scored the proposal where a
row needs a reviewer who is not the lead regulator's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests import factories as f
from tests.conftest import local_today
from tests.notifications.conftest import People, run, told, use_case_at
from tests.returns import recipient_rows as returns_rows
from tracker import events
from tracker.auth.models import Role
from tracker.clocks.jobs import check_clocks
from tracker.extensions import db
from tracker.institutions.models import InstitutionKind
from tracker.notifications.recipients import RULES, Audience, Trigger
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest, RequestStatus
from tracker.usecases import services
from tracker.usecases.models import (
    Audience as UseCaseAudience,
)
from tracker.usecases.models import (
    Incident,
    MilestoneStatus,
    ProgressReturn,
    Rag,
    Severity,
    Stage,
    Technique,
    UseCase,
)
from tracker.usecases.workflow import BY_NAME

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def move(name: str, actor: str, **kw: Any) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        run(
            lambda: services.apply_transition(
                uc, BY_NAME[name], p.everyone()[actor], uc.version, **kw
            )
        )

    return act


def _return_data(uc: UseCase, incidents: tuple[services.IncidentData, ...] = ()) -> Any:
    start = uc.next_return_start
    assert start is not None
    return services.ReturnData(
        period_start=start,
        period_end=local_today() - timedelta(days=1),
        rag=Rag.AMBER,
        narrative="On track.",
        attested_by_name="Grace Ho",
        attested_by_title="Chief Risk Officer",
        kpi_values=tuple((k, "12") for k in uc.kpi_list),
        incidents=incidents,
    )


def file_return(serious: bool) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        occurred = local_today() - timedelta(days=3)
        incident = services.IncidentData(
            "Model produced a wrong balance",
            Severity.CRITICAL if serious else Severity.LOW,
            "Two customers",
            "Rolled back",
            occurred,
        )
        run(lambda: services.file_return(uc, p.bank_user, _return_data(uc, (incident,))))

    return act


def breach(p: People, uc: UseCase) -> None:
    """A return reporting more customers than the plan caps (tests/plans/test_limits.py)."""
    plan = f.create_agreed_plan(uc, p.bank_user, p.w.reviewer, customer_cap=100)
    data = _return_data(uc)
    values = tuple((k.name, "12") for k in plan.kpis)
    run(
        lambda: services.file_return(
            uc,
            p.bank_user,
            dataclasses.replace(data, kpi_values=values, customers_reached=120),
        )
    )


def _filed(p: People, uc: UseCase) -> ProgressReturn:
    filed = ProgressReturn(
        use_case_id=uc.id,
        period_start=uc.pilot_started_on or date.today(),
        period_end=local_today() - timedelta(days=1),
        rag=Rag.GREEN,
        narrative="Fine.",
        attested_by_name="Grace Ho",
        attested_by_title="CRO",
    )
    db.session.add(filed)
    db.session.flush()
    return filed


def comment(p: People, uc: UseCase) -> None:
    filed = _filed(p, uc)
    db.session.commit()
    run(lambda: services.comment_on_return(filed, p.reviewer, "Please add the KPI baseline."))


def resolve(p: People, uc: UseCase) -> None:
    filed = _filed(p, uc)
    incident = Incident(
        use_case_id=uc.id,
        return_id=filed.id,
        description="Outage",
        severity=Severity.MEDIUM,
        occurred_on=filed.period_start,
    )
    db.session.add(incident)
    db.session.commit()
    run(lambda: services.resolve_incident(incident, p.reviewer, local_today(), "Restarted."))


def message(author: str, internal: bool = False) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        run(lambda: services.post_message(uc, p.everyone()[author], "A question.", internal))

    return act


def document(author: str) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        run(lambda: services.add_document(uc, p.everyone()[author], "plan.pdf", PDF))

    return act


def review(p: People, uc: UseCase) -> None:
    scores = {c.id: (4, "") for c in uc.cohort.criteria}
    run(lambda: services.save_review(uc, p.hkma_colleague, scores, "Strong."))


def milestone(p: People, uc: UseCase) -> None:
    run(
        lambda: services.save_milestone(
            uc,
            None,
            user=p.reviewer,
            title="Bias audit",
            planned_on=local_today() + timedelta(days=30),
            actual_on=None,
            status=MilestoneStatus.PLANNED,
        )
    )


def evidence(action: str) -> Callable[[People, UseCase], None]:
    def act(p: People, uc: UseCase) -> None:
        from tests.evidence.conftest import entry_data
        from tracker.evidence import services as evidence_services

        entry = run(lambda: evidence_services.add_entry(uc, p.bank_user, entry_data()))
        if action == "review":
            run(lambda: evidence_services.mark_reviewed(entry, uc, p.reviewer, entry.version))
        else:
            run(lambda: evidence_services.comment(entry, uc, p.reviewer, "Add bias figures."))

    return act


def draft(p: People, uc: UseCase) -> None:
    data = services.ProposalData(
        cohort_id=p.cohort.id,
        category_id=p.category.id,
        title="Deepfake voice detection",
        summary="Detect synthetic voices.",
        problem_statement="Voice cloning.",
        technique=Technique.FINE_TUNING,
        data_used="Calls.",
        personal_data=True,
        audience=UseCaseAudience.CUSTOMER,
        safeguards="Human review.",
        kpis="Detection rate",
        gpu_hours=100,
        partner_ids=(p.partner.id,),
    )
    run(lambda: services.create_draft(p.bank_user, data))


def report(p: People, uc: UseCase) -> None:
    """A use-case report the bank user asked for is issued (the subscriber is what is tested;
    the PDF is not)."""
    request = ReportRequest(
        kind=ReportKind.USE_CASE,
        subject_id=uc.id,
        as_at=local_today(),
        requested_by_id=p.bank_user.id,
        status=RequestStatus.DONE,
    )
    issued = IssuedReport(
        reference="TR-TEST-1",
        kind=ReportKind.USE_CASE,
        subject_id=uc.id,
        title="Use-case report",
        as_at=local_today(),
        generated_by_id=p.bank_user.id,
        issuer_institution_id=p.bank.id,
        sha256="0" * 64,
        size=3,
        data=b"pdf",
    )
    db.session.add(request)
    db.session.flush()
    issued.request_id = request.id
    db.session.add(issued)
    db.session.commit()
    events.dispatch(
        [
            events.ReportIssued(
                actor_id=p.bank_user.id,
                request_id=request.id,
                report_id=issued.id,
                reference=issued.reference,
            )
        ]
    )


def clock_due(days: int) -> Callable[[People, UseCase], None]:
    """The daily clock check, with the use case's running clock due ``days`` from today."""

    def act(p: People, uc: UseCase) -> None:
        uc.clock_due_on = local_today() + timedelta(days=days)
        db.session.commit()
        check_clocks(local_today())
        # A second run (the next morning) tells nobody twice of one due date.
        check_clocks(local_today() + timedelta(days=1))

    return act


PILOT = {"fields": {"pilot_started_on": None}}  # today, filled in by the row
EXIT = {
    "fields": {
        "exit_outcome": "KPIs met.",
        "exit_lessons": "Guardrails matter.",
        "exit_conditions": "Quarterly review.",
    }
}


def start_pilot(p: People, uc: UseCase) -> None:
    f.create_agreed_plan(uc, p.w.bank_user, p.w.reviewer)
    fields = dict(PILOT["fields"], pilot_started_on=local_today())
    move("start_pilot", "reviewer", fields=fields)(p, uc)


BANK = {"bank_user": "", "bank_colleague": ""}


def bank(kind: str, *without: str) -> dict[str, str]:
    return {name: kind for name in BANK if name not in without}


# (row, the stage the use case starts at, whether sfc_reviewer scored it, the action, who is
# told and under which kind; nobody else is)
# fmt: off
TABLE: list[tuple[str, Stage | None, bool, Callable[[People, UseCase], None], dict[str, str]]] = [
    ("draft created: only the institution", None, False, draft,
     {"bank_colleague": "draft_created"}),
    ("submit: the lead regulator's staff", Stage.DRAFT, False, move("submit", "bank_user"),
     {"reviewer": "proposal_received", "hkma_colleague": "proposal_received"}),
    ("resubmit: the lead's staff and reviewers who scored", Stage.CHANGES_REQUESTED, True,
     move("resubmit", "bank_user", reason="Added the bias audit."),
     {"reviewer": "proposal_received", "hkma_colleague": "proposal_received",
      "sfc_reviewer": "proposal_received"}),
    ("start review: the institution", Stage.SUBMITTED, False, move("start_review", "reviewer"),
     bank("review_started")),
    ("request changes: the institution, with no way out", Stage.UNDER_REVIEW, False,
     move("request_changes", "reviewer", reason="Describe the fallback."),
     bank("changes_requested")),
    ("select: institution, partner, reviewers who scored, supervisor", Stage.UNDER_REVIEW, True,
     move("select", "reviewer"),
     {**bank("proposal_decided"), "partner_user": "partner_update",
      "sfc_reviewer": "decision_recorded", "supervisor": "decision_recorded"}),
    ("reject: as select", Stage.UNDER_REVIEW, True,
     move("reject", "reviewer", reason="Out of scope."),
     {**bank("proposal_decided"), "partner_user": "partner_update",
      "sfc_reviewer": "decision_recorded", "supervisor": "decision_recorded"}),
    ("withdraw: the regulator side and the partner", Stage.UNDER_REVIEW, True,
     move("withdraw", "bank_user", reason="Budget."),
     {"reviewer": "withdrawn", "hkma_colleague": "withdrawn", "sfc_reviewer": "withdrawn",
      "supervisor": "withdrawn", "partner_user": "partner_update"}),
    ("start pilot: institution, partner, supervisor", Stage.SELECTED, False, start_pilot,
     {**bank("pilot_decided"), "partner_user": "partner_update",
      "supervisor": "decision_recorded"}),
    ("suspend: institution, partner, the lead's other staff, supervisor", Stage.PILOT, False,
     move("suspend", "reviewer", reason="Incident review."),
     {**bank("pilot_decided"), "partner_user": "partner_update",
      "hkma_colleague": "decision_recorded", "supervisor": "decision_recorded"}),
    ("resume: as suspend", Stage.SUSPENDED, False, move("resume", "reviewer", reason="Fixed."),
     {**bank("pilot_decided"), "partner_user": "partner_update",
      "hkma_colleague": "decision_recorded", "supervisor": "decision_recorded"}),
    ("approve production: institution, partner, reviewers who scored, supervisor", Stage.PILOT,
     True, move("approve_production", "reviewer", **EXIT),
     {**bank("pilot_decided"), "partner_user": "partner_update",
      "sfc_reviewer": "decision_recorded", "supervisor": "decision_recorded"}),
    ("discontinue: as suspend", Stage.PILOT, False,
     move("discontinue", "reviewer", reason="No longer viable."),
     {**bank("pilot_decided"), "partner_user": "partner_update",
      "hkma_colleague": "decision_recorded", "supervisor": "decision_recorded"}),
    ("review saved: the other reviewers who scored", Stage.UNDER_REVIEW, True, review,
     {"sfc_reviewer": "review_saved"}),
    ("return filed: the lead's staff", Stage.PILOT, False, file_return(serious=False),
     {"reviewer": "return_filed", "hkma_colleague": "return_filed"}),
    ("critical incident: also the supervisor and admins", Stage.PILOT, False,
     file_return(serious=True),
     {"reviewer": "incident_reported+return_filed",
      "hkma_colleague": "incident_reported+return_filed",
      "supervisor": "incident_reported", "admin": "incident_reported"}),
    ("boundary breached: the lead's staff and the supervisor", Stage.PILOT, False, breach,
     {"reviewer": "boundary_breached+return_filed",
      "hkma_colleague": "boundary_breached+return_filed",
      "supervisor": "boundary_breached"}),
    ("return commented: the institution", Stage.PILOT, False, comment,
     bank("return_comment")),
    ("incident resolved: the institution and the lead's staff", Stage.PILOT, False, resolve,
     {**bank("incident_resolved"), "hkma_colleague": "incident_resolved"}),
    ("message from the institution: the regulator side, not the partner", Stage.UNDER_REVIEW,
     True, message("bank_user"),
     {"reviewer": "message", "hkma_colleague": "message", "sfc_reviewer": "message"}),
    ("message from the regulator: the institution and the lead's staff", Stage.UNDER_REVIEW,
     False, message("reviewer"),
     {**bank("message"), "hkma_colleague": "message"}),
    ("internal note: the regulator side only, never the institution or partner",
     Stage.UNDER_REVIEW, True, message("reviewer", internal=True),
     {"hkma_colleague": "internal_note", "sfc_reviewer": "internal_note",
      "supervisor": "internal_note"}),
    ("document from the institution: the regulator side", Stage.UNDER_REVIEW, False,
     document("bank_user"),
     {"reviewer": "document", "hkma_colleague": "document"}),
    ("document from the regulator: the institution", Stage.UNDER_REVIEW, False,
     document("reviewer"), bank("document")),
    ("milestone saved: the institution", Stage.SELECTED, False, milestone, bank("milestone")),
    ("evidence reviewed: the institution", Stage.PILOT, False, evidence("review"),
     bank("evidence_review")),
    ("evidence commented: the institution, not the partner", Stage.PILOT, False,
     evidence("comment"), bank("evidence_review")),
    ("report issued: whoever asked for it", Stage.UNDER_REVIEW, False, report,
     {"bank_user": "report_ready"}),
    ("regulator's clock overdue: the lead's staff, never the institution", Stage.UNDER_REVIEW,
     False, clock_due(-1), {"reviewer": "clock_overdue", "hkma_colleague": "clock_overdue"}),
    ("applicant's clock due soon: the institution and the lead's staff",
     Stage.CHANGES_REQUESTED, False, clock_due(2),
     {**bank("clock_due_soon"), "reviewer": "clock_due_soon",
      "hkma_colleague": "clock_due_soon"}),
]
# fmt: on
TABLE += returns_rows.ROWS  # schedules, expected returns, incidents on their own


@pytest.mark.parametrize(
    ("stage", "scored", "action", "expected"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_who_is_told(
    people: People,
    stage: Stage | None,
    scored: bool,
    action: Callable[[People, UseCase], None],
    expected: dict[str, str],
) -> None:
    uc = use_case_at(people, stage or Stage.DRAFT)
    if stage is Stage.SELECTED:
        uc.stage_changed_at = uc.stage_changed_at - timedelta(days=1)
    if scored:
        f.create_review(uc, people.sfc_reviewer)
    db.session.commit()
    action(people, uc)
    assert told(people) == expected


def test_every_trigger_has_a_row_and_a_test() -> None:
    assert {rule.trigger for rule in RULES} == set(Trigger)
    assert len(TABLE) >= len(Trigger) - 1  # the two message triggers share their helper


def test_participating_regulator_staff_are_told_where_they_supervise_the_institution(
    people: People,
) -> None:
    """SFC takes part in the programme: its staff hear of the proposals of the firms it
    supervises, not of the HKMA's banks."""
    firm = f.create_institution(people.sfc, InstitutionKind.SECURITIES, name="Peak Securities")
    firm_user = f.create_user(Role.INSTITUTION, institution=firm, email="desk@peak.example.com")
    uc = f.create_use_case(people.cohort, firm, people.category)
    db.session.commit()
    run(lambda: services.apply_transition(uc, BY_NAME["submit"], firm_user, uc.version))
    assert told(people) == {
        "reviewer": "proposal_received",
        "hkma_colleague": "proposal_received",
        "sfc_reviewer": "proposal_received",
    }


def test_a_draft_is_never_told_outside_its_institution_whatever_the_table_says(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Visibility has the last word: a rule that named the regulator and the partner for a
    draft would still tell only the institution."""
    from tracker.notifications import recipients

    widened = [
        recipients.Rule(
            Trigger.DRAFT_CREATED,
            "draft_created",
            (Audience.INSTITUTION, Audience.LEAD_STAFF, Audience.PARTNERS, Audience.SUPERVISORS),
        )
    ] + [r for r in RULES if r.trigger is not Trigger.DRAFT_CREATED]
    monkeypatch.setattr(recipients, "RULES", tuple(widened))
    draft(people, use_case_at(people, Stage.DRAFT))
    assert told(people) == {"bank_colleague": "draft_created"}


def test_internal_notes_never_reach_institutions_whatever_the_table_says(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.notifications import recipients

    widened = [
        recipients.Rule(
            Trigger.INTERNAL_NOTE,
            "internal_note",
            (Audience.INSTITUTION, Audience.PARTNERS, Audience.LEAD_STAFF),
        )
    ] + [r for r in RULES if r.trigger is not Trigger.INTERNAL_NOTE]
    monkeypatch.setattr(recipients, "RULES", tuple(widened))
    message("reviewer", internal=True)(people, use_case_at(people, Stage.UNDER_REVIEW))
    assert told(people) == {"hkma_colleague": "internal_note"}


def test_partners_hear_only_of_use_cases_naming_them(people: People) -> None:
    other_partner = f.create_institution(None, InstitutionKind.TECH_PARTNER, name="Elsewhere Cloud")
    f.create_user(Role.INSTITUTION, institution=other_partner, email="ops@elsewhere.example.com")
    uc = use_case_at(people, Stage.PILOT)
    db.session.commit()
    move("suspend", "reviewer", reason="Check.")(people, uc)
    assert told(people)["partner_user"] == "partner_update"
    assert not [name for name in told(people) if name.startswith("user ")]


def test_deactivated_users_are_not_told(people: People) -> None:
    people.bank_colleague.active = False
    db.session.commit()
    move("request_changes", "reviewer", reason="More detail.")(
        people, use_case_at(people, Stage.UNDER_REVIEW)
    )
    assert told(people) == {"bank_user": "changes_requested"}
