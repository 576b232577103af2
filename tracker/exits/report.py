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
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.lessons.report import lessons_section
from tracker.reports.data import UseCaseView
from tracker.reports.pdf import parts
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, para, subheading
from tracker.reports.pdf.tables import facts, simple_table
from tracker.reports.pdf.text import day, moment
from tracker.usecases.models import MilestoneStatus


def cover_pairs(view: UseCaseView, decision: ExitDecision) -> list[tuple[str, str]]:
    return [
        (_("Use case"), f"{view.reference} · {view.title}"),
        (_("Institution"), view.institution),
        (_("Programme / cohort"), f"{view.programme} — {view.cohort}"),
        (_("Category"), view.category),
        (
            _("Outcome"),
            _("%(outcome)s on %(moment)s", outcome=decision.outcome, moment=moment(decision.at)),
        ),
    ]


def _plan_table(rows: Sequence[PlanVersionRow]) -> Flowable:
    if not rows:
        return label(_("No sandbox plan was agreed."), SMALL)
    return simple_table(
        [_("Version"), _("Agreed on"), _("Agreed by"), _("Note")],
        [
            [
                str(r.number),
                day(r.agreed_on),
                r.agreed_by,
                _("Carried over from the pilot's recorded terms") if r.carried_over else "",
            ]
            for r in rows
        ],
        [0.12, 0.2, 0.3, 0.38],
        right=(0,),
    )


def _decision(decision: ExitDecision) -> list[Flowable]:
    story: list[Flowable] = [
        Heading(_("Exit decision"), H1, room=40 * mm),
        facts(
            [
                (_("Outcome"), decision.outcome),
                (_("Decided"), moment(decision.at)),
                (_("By"), decision.by),
            ]
        ),
    ]
    if decision.production:
        story += [
            subheading(_("Outcome against the KPIs")),
            para(decision.exit_outcome or "—"),
            subheading(_("Lessons learned")),
            para(decision.exit_lessons or "—"),
            subheading(_("Conditions of production")),
            para(decision.conditions or "—"),
        ]
    else:
        story += [subheading(_("Reason for discontinuing")), para(decision.reason or "—")]
    return story


def exit_body(report: ExitReportData) -> list[Flowable]:
    view = report.record.use_case
    details = view.details
    assert details is not None, "exit reports are built with details"
    returns = details.returns
    done = [m for m in view.milestones if m.status == MilestoneStatus.DONE.label]
    started = day(details.pilot_terms.started_on if details.pilot_terms else None)
    story: list[Flowable] = [
        Heading(_("Summary"), H1),
        parts.view_facts(view, with_cohort=True),
        Spacer(1, 4),
        para(view.summary or _("No summary given.")),
        *_decision(report.decision),
        Heading(_("Activities"), H1, room=40 * mm),
        label(
            escape(
                _(
                    "Pilot started %(day)s; %(plans)s agreed; %(returns)s filed; %(done)d of "
                    "%(milestones)s reached.",
                    day=started,
                    plans=ngettext(
                        "%(num)d plan version", "%(num)d plan versions", len(report.plan_versions)
                    ),
                    returns=ngettext(
                        "%(num)d progress return", "%(num)d progress returns", len(returns)
                    ),
                    done=len(done),
                    milestones=ngettext(
                        "%(num)d milestone", "%(num)d milestones", len(view.milestones)
                    ),
                )
            )
        ),
        subheading(_("Sandbox plan versions agreed")),
        _plan_table(report.plan_versions),
        subheading(_("Stage history")),
        *parts.history(view),
        subheading(_("Milestones")),
        parts.milestones(view.milestones),
        subheading(_("Progress returns filed")),
    ]
    if returns:
        story.append(
            simple_table(
                [_("Period"), "RAG", _("Submitted"), _("Attested by")],
                [
                    [
                        _("%(start)s to %(end)s", start=day(r.period_start), end=day(r.period_end)),
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
        story.append(label(_("No progress return filed."), SMALL))
    story.append(Heading(_("Results against each KPI target"), H1, room=60 * mm))
    if report.kpi_results:
        story += [
            label(
                escape(
                    _(
                        "Each KPI of the sandbox plan in force at the report's date: the last "
                        "value returned against its target."
                    )
                ),
                SMALL,
            ),
            simple_table(
                [_("KPI"), _("Baseline"), _("Target"), _("Final"), _("Returns"), _("Result")],
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
        story.append(label(_("The plan in force set no KPI as data."), SMALL))
    story.append(Heading(_("Evidence reviewed"), H1, room=40 * mm))
    reviewed = report.reviewed_evidence
    if reviewed:
        story.append(
            simple_table(
                [_("Model iteration"), _("Reviewed by"), _("Reviewed"), _("Evaluations")],
                [
                    [
                        e.title,
                        e.reviewed_by or "—",
                        moment(e.reviewed_at) if e.reviewed_at else "—",
                        _(
                            "%(passed)d passed, %(failed)d failed of %(total)d",
                            passed=e.passed,
                            failed=e.failed,
                            total=len(e.evaluations),
                        ),
                    ]
                    for e in reviewed
                ],
                [0.4, 0.2, 0.18, 0.22],
            )
        )
    else:
        story.append(
            label(escape(_("No evidence entry stood reviewed at the report's date.")), SMALL)
        )
    unreviewed = len(report.record.evidence) - len(reviewed)
    if unreviewed:
        story.append(
            label(
                escape(
                    ngettext(
                        "%(num)d further iteration recorded, not reviewed.",
                        "%(num)d further iterations recorded, not reviewed.",
                        unreviewed,
                    )
                )
            )
        )
    story += compute_section(report.record.compute)
    story += [
        Heading(_("Incidents"), H1, room=40 * mm),
        label(
            _(
                "Incidents reported in progress returns and those reported on their own as they "
                "happened."
            ),
            SMALL,
        ),
        *parts.incidents(details.incidents, _("No incidents reported.")),
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
        Heading(_("Written proof of activities"), H1),
        para(
            _(
                "%(regulator)s confirms that %(institution)s took part in %(programme)s, "
                "%(cohort)s, with the use case %(reference)s “%(title)s”, and carried out in the "
                "sandbox the activities set out below, as recorded in the sandbox tracker at the "
                "end of %(day)s.",
                regulator=proof.regulator,
                institution=view.institution,
                programme=proof.programme,
                cohort=view.cohort,
                reference=view.reference,
                title=view.title,
                day=day(proof.as_at),
            )
        ),
        Spacer(1, 4),
        facts(
            [
                (_("Participant"), view.institution),
                (_("Use case"), f"{view.reference} · {view.title}"),
                (_("Category"), view.category),
                (_("Selected for a pilot"), day(proof.selected_on)),
                (_("Pilot started"), day(terms.started_on if terms else None)),
                (
                    _("Exit"),
                    _(
                        "%(outcome)s, %(moment)s",
                        outcome=decision.outcome,
                        moment=moment(decision.at),
                    ),
                ),
            ]
        ),
        subheading(_("Sandbox plan versions agreed")),
        _plan_table(proof.plan_versions),
        subheading(_("Progress returns filed")),
    ]
    if details.returns:
        story.append(
            simple_table(
                [_("Period"), _("Submitted")],
                [
                    [
                        _("%(start)s to %(end)s", start=day(r.period_start), end=day(r.period_end)),
                        moment(r.submitted_at),
                    ]
                    for r in details.returns
                ],
                [0.6, 0.4],
            )
        )
    else:
        story.append(label(_("No progress return filed."), SMALL))
    story.append(subheading(_("Milestones reached")))
    if done:
        story.append(
            simple_table(
                [_("Milestone"), _("Planned"), _("Reached")],
                [[m.title, day(m.planned_on), day(m.actual_on)] for m in done],
                [0.6, 0.2, 0.2],
            )
        )
    else:
        story.append(label(_("No milestone recorded as reached."), SMALL))
    outcome = _("%(outcome)s on %(moment)s.", outcome=decision.outcome, moment=moment(decision.at))
    if decision.conditions:
        outcome += " " + _("Conditions: %(conditions)s", conditions=decision.conditions)
    if not decision.production and decision.reason:
        outcome += " " + _("Reason: %(reason)s", reason=decision.reason)
    story += [
        subheading(_("Outcome")),
        para(outcome),
        Spacer(1, 6),
        label(
            escape(
                _(
                    "This written proof of the activities carried out in the sandbox (compare "
                    "Article 57(7) of the EU AI Act) is kept in the tracker's report register "
                    "under the reference in the footer; its SHA-256 fingerprint confirms a copy "
                    "is unchanged."
                )
            ),
            SMALL,
        ),
    ]
    return story
