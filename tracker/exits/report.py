"""The two exit PDFs' parts: the exit report's body and the written proof of activities.
The stories in ``tracker.reports.layout`` put them on the shared page shell; nothing here
queries."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from tracker.compute.report import compute_section
from tracker.exits.data import ExitDecision, ExitReportData, PlanVersionRow, ProofData
from tracker.lessons.report import lessons_section
from tracker.reports.data import UseCaseView
from tracker.reports.pdf import parts
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, para, subheading
from tracker.reports.pdf.tables import facts, simple_table
from tracker.reports.pdf.text import day, moment, plural
from tracker.usecases.models import MilestoneStatus


def cover_pairs(view: UseCaseView, decision: ExitDecision) -> list[tuple[str, str]]:
    return [
        ("Use case", f"{view.reference} · {view.title}"),
        ("Institution", view.institution),
        ("Programme / cohort", f"{view.programme} — {view.cohort}"),
        ("Category", view.category),
        ("Outcome", f"{decision.outcome} on {moment(decision.at)}"),
    ]


def _plan_table(rows: Sequence[PlanVersionRow]) -> Flowable:
    if not rows:
        return label("No sandbox plan was agreed.", SMALL)
    return simple_table(
        ["Version", "Agreed on", "Agreed by", "Note"],
        [
            [
                str(r.number),
                day(r.agreed_on),
                r.agreed_by,
                "Carried over from the pilot's recorded terms" if r.carried_over else "",
            ]
            for r in rows
        ],
        [0.12, 0.2, 0.3, 0.38],
        right=(0,),
    )


def _decision(decision: ExitDecision) -> list[Flowable]:
    story: list[Flowable] = [
        Heading("Exit decision", H1, room=40 * mm),
        facts(
            [
                ("Outcome", decision.outcome),
                ("Decided", moment(decision.at)),
                ("By", decision.by),
            ]
        ),
    ]
    if decision.production:
        story += [
            subheading("Outcome against the KPIs"),
            para(decision.exit_outcome or "—"),
            subheading("Lessons learned"),
            para(decision.exit_lessons or "—"),
            subheading("Conditions of production"),
            para(decision.conditions or "—"),
        ]
    else:
        story += [subheading("Reason for discontinuing"), para(decision.reason or "—")]
    return story


def exit_body(report: ExitReportData) -> list[Flowable]:
    view = report.record.use_case
    details = view.details
    assert details is not None, "exit reports are built with details"
    returns = details.returns
    done = [m for m in view.milestones if m.status == MilestoneStatus.DONE.label]
    started = day(details.pilot_terms.started_on if details.pilot_terms else None)
    story: list[Flowable] = [
        Heading("Summary", H1),
        parts.view_facts(view, with_cohort=True),
        Spacer(1, 4),
        para(view.summary or "No summary given."),
        *_decision(report.decision),
        Heading("Activities", H1, room=40 * mm),
        label(
            escape(
                f"Pilot started {started}"
                f"; {plural(len(report.plan_versions), 'plan version')} agreed; "
                f"{plural(len(returns), 'progress return')} filed; "
                f"{len(done)} of {plural(len(view.milestones), 'milestone')} reached."
            )
        ),
        subheading("Sandbox plan versions agreed"),
        _plan_table(report.plan_versions),
        subheading("Stage history"),
        *parts.history(view),
        subheading("Milestones"),
        parts.milestones(view.milestones),
        subheading("Progress returns filed"),
    ]
    if returns:
        story.append(
            simple_table(
                ["Period", "RAG", "Submitted", "Attested by"],
                [
                    [
                        f"{day(r.period_start)} to {day(r.period_end)}",
                        r.rag,
                        moment(r.submitted_at),
                        r.attested_by,
                    ]
                    for r in returns
                ],
                [0.32, 0.12, 0.2, 0.36],
            )
        )
    else:
        story.append(label("No progress return filed.", SMALL))
    story.append(Heading("Results against each KPI target", H1, room=60 * mm))
    if report.kpi_results:
        story += [
            label(
                "Each KPI of the sandbox plan in force at the report's date: the last value "
                "returned against its target.",
                SMALL,
            ),
            simple_table(
                ["KPI", "Baseline", "Target", "Final", "Returns", "Result"],
                [
                    [
                        f"{k.name} ({k.unit})" if k.unit else k.name,
                        k.baseline,
                        k.target,
                        k.final,
                        str(k.returns),
                        k.met,
                    ]
                    for k in report.kpi_results
                ],
                [0.34, 0.12, 0.12, 0.12, 0.1, 0.2],
                right=(1, 2, 3, 4),
            ),
        ]
        for series in details.kpi_series:
            story += parts.kpi_series(series)
    else:
        story.append(label("The plan in force set no KPI as data.", SMALL))
    story.append(Heading("Evidence reviewed", H1, room=40 * mm))
    reviewed = report.reviewed_evidence
    if reviewed:
        story.append(
            simple_table(
                ["Model iteration", "Reviewed by", "Reviewed", "Evaluations"],
                [
                    [
                        e.title,
                        e.reviewed_by or "—",
                        moment(e.reviewed_at) if e.reviewed_at else "—",
                        f"{e.passed} passed, {e.failed} failed of {len(e.evaluations)}",
                    ]
                    for e in reviewed
                ],
                [0.4, 0.2, 0.18, 0.22],
            )
        )
    else:
        story.append(label("No evidence entry stood reviewed at the report's date.", SMALL))
    unreviewed = len(report.record.evidence) - len(reviewed)
    if unreviewed:
        story.append(
            label(escape(f"{plural(unreviewed, 'further iteration')} recorded, not reviewed."))
        )
    story += compute_section(report.record.compute)
    story += [
        Heading("Incidents", H1, room=40 * mm),
        label(
            "Incidents reported in progress returns and those reported on their own as they "
            "happened.",
            SMALL,
        ),
        *parts.incidents(details.incidents, "No incidents reported."),
    ]
    story += lessons_section(report.lessons)
    return story


def proof_body(proof: ProofData) -> list[Flowable]:
    view = proof.record.use_case
    details = view.details
    assert details is not None
    terms = details.pilot_terms
    decision = proof.decision
    done = [m for m in view.milestones if m.status == MilestoneStatus.DONE.label]
    story: list[Flowable] = [
        Heading("Written proof of activities", H1),
        para(
            f"{proof.regulator} confirms that {view.institution} took part in {proof.programme}, "
            f"{view.cohort}, with the use case {view.reference} “{view.title}”, and carried out "
            "in the sandbox the activities set out below, as recorded in the sandbox tracker "
            f"at the end of {day(proof.as_at)}."
        ),
        Spacer(1, 4),
        facts(
            [
                ("Participant", view.institution),
                ("Use case", f"{view.reference} · {view.title}"),
                ("Category", view.category),
                ("Selected for a pilot", day(proof.selected_on)),
                ("Pilot started", day(terms.started_on if terms else None)),
                ("Exit", f"{decision.outcome}, {moment(decision.at)}"),
            ]
        ),
        subheading("Sandbox plan versions agreed"),
        _plan_table(proof.plan_versions),
        subheading("Progress returns filed"),
    ]
    if details.returns:
        story.append(
            simple_table(
                ["Period", "Submitted"],
                [
                    [f"{day(r.period_start)} to {day(r.period_end)}", moment(r.submitted_at)]
                    for r in details.returns
                ],
                [0.6, 0.4],
            )
        )
    else:
        story.append(label("No progress return filed.", SMALL))
    story.append(subheading("Milestones reached"))
    if done:
        story.append(
            simple_table(
                ["Milestone", "Planned", "Reached"],
                [[m.title, day(m.planned_on), day(m.actual_on)] for m in done],
                [0.6, 0.2, 0.2],
            )
        )
    else:
        story.append(label("No milestone recorded as reached.", SMALL))
    story += [
        subheading("Outcome"),
        para(
            f"{decision.outcome} on {moment(decision.at)}."
            + (f" Conditions: {decision.conditions}" if decision.conditions else "")
            + (f" Reason: {decision.reason}" if not decision.production and decision.reason else "")
        ),
        Spacer(1, 6),
        label(
            "This written proof of the activities carried out in the sandbox (compare Article "
            "57(7) of the EU AI Act) is kept in the tracker's report register under the "
            "reference in the footer; its SHA-256 fingerprint confirms a copy is unchanged.",
            SMALL,
        ),
    ]
    return story
