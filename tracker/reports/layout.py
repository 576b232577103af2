"""One story per report kind on the shared page shell, registered in ``STORIES``.

As in pretix's exporters, each report is a class that only supplies its story (and its running
title and table columns); ``tracker.reports.pdf`` holds the page shell and the parts the stories
are made of. The stories render the frozen objects of ``tracker.reports.data`` and never query.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer

from tracker.clocks.performance import ClockPerformance
from tracker.compute.report import compute_section
from tracker.evidence.report import evidence_section
from tracker.exits import report as exit_parts
from tracker.exits.data import ExitReportData, ProofData
from tracker.i18n import N_, ngettext
from tracker.i18n import gettext as _
from tracker.lessons.report import lessons_section
from tracker.reports.data import (
    BreakdownRow,
    CohortReport,
    CohortSection,
    Imprint,
    InstitutionReport,
    ProgrammeReport,
    ReportData,
    UseCaseReport,
)
from tracker.reports.models import ReportKind
from tracker.reports.pdf import parts
from tracker.reports.pdf.fonts import FontNotFoundError, register_fonts
from tracker.reports.pdf.shell import Contents, Document, Heading, contents_entries
from tracker.reports.pdf.styles import H1, H2, SMALL, label, para, subheading
from tracker.reports.pdf.tables import counts_table, facts, simple_table
from tracker.reports.pdf.text import day, moment

__all__ = ["STORIES", "FontNotFoundError", "Story", "render"]

R = TypeVar(
    "R", CohortReport, ProgrammeReport, InstitutionReport, UseCaseReport, ExitReportData, ProofData
)
# Every report the stories render: the register's four, and the two exit PDFs.
AnyReport = ReportData | ExitReportData | ProofData
Progress = Callable[[str], None] | None


class Story(ABC, Generic[R]):
    """A report's story. Subclasses give the kind, the running title, the cover and the body;
    the contents page and the one-page summary of what needs attention follow every cover."""

    kind: ClassVar[ReportKind]
    # Columns of the use-case table whose header the page shell repeats (None: no such table).
    columns: ClassVar[Sequence[parts.UseCaseColumn] | None] = None

    def __init__(self, report: R, imprint: Imprint) -> None:
        self.report: R = report
        self.imprint = imprint

    @abstractmethod
    def running_title(self) -> str: ...

    @abstractmethod
    def cover(self) -> list[Flowable]: ...

    @abstractmethod
    def body(self, progress: Progress) -> list[Flowable]: ...

    def flowables(self, progress: Progress) -> list[Flowable]:
        contents: Contents = Contents([])
        story = [
            *self.cover(),
            *parts.contents(contents),
            *parts.needs_attention(self.report.attention, self.report.as_at),
            *self.body(progress),
        ]
        contents.entries = contents_entries(story)
        return story


class CohortStory(Story[CohortReport]):
    kind = ReportKind.COHORT
    columns = parts.COHORT_COLUMNS

    def running_title(self) -> str:
        return _(
            "Cohort progress report · %(programme)s — %(cohort)s",
            programme=self.report.programme,
            cohort=self.report.cohort.name,
        )

    def cover(self) -> list[Flowable]:
        r = self.report
        return parts.cover(
            _("Cohort progress report"),
            f"{r.programme} — {r.cohort.name}",
            [
                (_("Programme"), r.programme),
                (_("Lead regulator"), r.lead_regulator),
                (_("Cohort"), r.cohort.name),
                *parts.cohort_pairs(r.cohort),
            ],
            self.imprint,
            r.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        r = self.report
        return [
            *parts.executive_summary(r.summary, "cohort"),
            *_clock_lines(r.clocks),
            *parts.charts(r.summary),
            *parts.use_case_table(
                Heading(_("Use cases at a glance"), H1), r.use_cases, parts.COHORT_COLUMNS
            ),
            *parts.sections(r.use_cases, with_cohort=False, progress=progress),
        ]


def _clock_lines(clocks: ClockPerformance | None) -> list[Flowable]:
    """The regulator's stage clocks: decisions within time, reviews still open and late."""
    if clocks is None:
        return []
    return [
        subheading(_("Stage clocks")),
        label(escape(clocks.sentence)),
        label(
            _(
                "A decision is within time when every regulator clock (start of review, review "
                "decision) stayed within its allowance; the clocks stop while changes are "
                "requested."
            ),
            SMALL,
        ),
    ]


def _cohort_row(section: CohortSection) -> list[str]:
    funnel = section.summary.funnel
    return [
        section.facts.name,
        section.facts.status,
        str(section.summary.total),
        *(str(n) for n in (funnel.proposals, funnel.selected, funnel.pilot, funnel.production)),
    ]


class ProgrammeStory(Story[ProgrammeReport]):
    kind = ReportKind.PROGRAMME
    columns = parts.COHORT_COLUMNS

    def running_title(self) -> str:
        return _("Programme report · %(programme)s", programme=self.report.programme)

    def cover(self) -> list[Flowable]:
        r = self.report
        return parts.cover(
            _("Programme report"),
            r.programme,
            [
                (_("Programme"), r.programme),
                (_("Lead regulator"), r.lead_regulator),
                (_("Regulators"), _(", ").join(r.regulators)),
                (_("Sectors"), _(", ").join(r.sectors) or "—"),
                (_("Cohorts"), str(len(r.cohorts))),
            ],
            self.imprint,
            r.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        r = self.report
        story = parts.executive_summary(r.summary, "programme")
        story += _clock_lines(r.clocks)
        if r.description:
            story += [subheading(_("About the programme")), para(r.description)]
        story += [
            subheading(_("Cohorts")),
            simple_table(
                [
                    _("Cohort"),
                    _("Status"),
                    _("Use cases"),
                    _("Proposals"),
                    _("Selected"),
                    _("Pilot"),
                    _("Production"),
                ],
                [_cohort_row(s) for s in r.cohorts],
                [0.3, 0.16, 0.1, 0.11, 0.11, 0.1, 0.12],
                right=(2, 3, 4, 5, 6),
            ),
        ]
        if r.by_regulator is not None and r.by_sector is not None:
            story += [
                Heading(_("By regulator and sector"), H1, room=60 * mm),
                label(
                    _(
                        "The programme is run by several regulators. Use cases are counted under "
                        "the regulator that supervises the lead institution, and under its sector."
                    ),
                    SMALL,
                ),
                *self._breakdown(_("Use cases by regulator"), _("Regulator"), r.by_regulator),
                *self._breakdown(_("Use cases by sector"), _("Sector"), r.by_sector),
            ]
        story += parts.charts(r.summary)
        for index, section in enumerate(r.cohorts, start=1):
            heading = Heading(_("Cohort: %(cohort)s", cohort=section.facts.name), H1)
            story += [
                CondPageBreak(60 * mm),
                heading,
                facts(parts.cohort_pairs(section.facts)),
                Spacer(1, 4),
                counts_table(
                    _("Stage"),
                    [(c.label, c.count) for c in section.summary.by_stage],
                    section.summary.total,
                ),
            ]
            if section.clocks is not None:
                story.append(label(escape(section.clocks.sentence)))
            # The cohort's heading is above; the table continues under it.
            story += parts.use_case_table(
                Heading(
                    _("Use cases"),
                    H2,
                    _("Use cases of %(cohort)s", cohort=section.facts.name),
                    level=1,
                ),
                section.use_cases,
                parts.COHORT_COLUMNS,
            )
            if progress is not None:
                progress(f"cohort {index} of {len(r.cohorts)} prepared")
        story += lessons_section(r.lessons)
        return story

    @staticmethod
    def _breakdown(title: str, first: str, rows: Sequence[BreakdownRow]) -> list[Flowable]:
        return [
            subheading(escape(title)),
            simple_table(
                [first, _("Use cases"), _("Proposals"), _("Selected"), _("Pilot"), _("Production")],
                [
                    [r.label, str(r.total), str(r.proposals), str(r.selected), str(r.pilot)]
                    + [str(r.production)]
                    for r in rows
                ],
                [0.4, 0.12, 0.12, 0.12, 0.12, 0.12],
                right=(1, 2, 3, 4, 5),
            ),
        ]


class InstitutionStory(Story[InstitutionReport]):
    kind = ReportKind.INSTITUTION
    columns = parts.INSTITUTION_COLUMNS

    def running_title(self) -> str:
        return _("Institution report · %(institution)s", institution=self.report.institution)

    def cover(self) -> list[Flowable]:
        r = self.report
        return parts.cover(
            _("Institution report"),
            r.institution,
            [
                (_("Institution"), r.institution),
                (_("Kind"), r.institution_kind),
                (_("Supervised by"), r.regulator or "—"),
                (_("Scope"), r.scope),
            ],
            self.imprint,
            r.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        r = self.report
        return [
            *parts.executive_summary(r.summary, "report"),
            *parts.charts(r.summary),
            *parts.use_case_table(
                Heading(_("Use cases at a glance"), H1), r.use_cases, parts.INSTITUTION_COLUMNS
            ),
            *parts.sections(r.use_cases, with_cohort=True, progress=progress),
        ]


class UseCaseStory(Story[UseCaseReport]):
    kind = ReportKind.USE_CASE

    def _committee(self) -> list[Flowable]:
        """Assignments with their declarations (recusals), determinations, the decision."""
        record = self.report.committee
        if record is None:
            return []
        story: list[Flowable] = [Heading(_("Selection committee"), H1, room=40 * mm)]
        if record.declarations:
            story.append(
                simple_table(
                    [
                        _("Reviewer"),
                        _("Assigned"),
                        _("Declaration"),
                        _("Declared"),
                        _("Conflict or note"),
                    ],
                    [
                        [
                            f"{d.reviewer} ({d.role})",
                            moment(d.assigned_at),
                            d.declaration,
                            moment(d.declared_at) if d.declared_at else "—",
                            d.detail or "—",
                        ]
                        for d in record.declarations
                    ],
                    [0.22, 0.15, 0.17, 0.15, 0.31],
                )
            )
        else:
            story.append(label(_("No reviewer assigned by this date."), SMALL))
        story.append(subheading(escape(_("Participating regulators' determinations"))))
        if record.determinations:
            story.append(
                simple_table(
                    [
                        _("When"),
                        _("Regulator"),
                        _("Determination"),
                        _("By"),
                        _("Reasons and conditions"),
                    ],
                    [
                        [
                            moment(d.at),
                            d.regulator,
                            d.decision,
                            d.by or "—",
                            (
                                _(
                                    "%(reasons)s Conditions: %(conditions)s",
                                    reasons=d.reasons,
                                    conditions=d.conditions,
                                )
                                if d.conditions
                                else d.reasons
                            ),
                        ]
                        for d in record.determinations
                    ],
                    [0.15, 0.1, 0.17, 0.16, 0.42],
                )
            )
        else:
            story.append(label(_("None recorded by this date."), SMALL))
        if record.decision:
            story += [subheading(escape(_("The committee's decision"))), para(record.decision)]
        return story

    def running_title(self) -> str:
        view = self.report.use_case
        return _(
            "Use-case report · %(reference)s %(title)s", reference=view.reference, title=view.title
        )

    def cover(self) -> list[Flowable]:
        view = self.report.use_case
        return parts.cover(
            _("Use-case report"),
            f"{view.reference} · {view.title}",
            [
                (_("Use case"), f"{view.reference} · {view.title}"),
                (_("Institution"), view.institution),
                (_("Programme / cohort"), f"{view.programme} — {view.cohort}"),
                (_("Stage"), view.stage),
            ],
            self.imprint,
            self.report.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        view = self.report.use_case
        details = view.details
        assert details is not None, "use-case reports are built with details"
        story: list[Flowable] = [
            Heading(_("Summary"), H1),
            parts.view_facts(view, with_cohort=True),
            Spacer(1, 4),
            para(view.summary or _("No summary given.")),
            Heading(_("Proposal"), H1, room=50 * mm),
            facts(
                [
                    (_("Technique"), details.technique),
                    (_("Audience"), details.audience),
                    (_("Personal data"), _("Yes") if details.personal_data else _("No")),
                    (
                        _("GPU hours requested"),
                        "—" if details.gpu_hours is None else str(details.gpu_hours),
                    ),
                ]
            ),
            subheading(_("Problem statement")),
            para(details.problem_statement or "—"),
            subheading(_("Data used")),
            para(details.data_used or "—"),
            subheading(_("Safeguards")),
            para(details.safeguards or "—"),
            subheading(_("KPIs")),
            para("\n".join(details.kpis) or _("None set.")),
            Heading(_("Stage history"), H1, room=40 * mm),
            *parts.history(view),
            *self._committee(),
            Heading(_("Milestones"), H1, room=40 * mm),
            parts.milestones(view.milestones),
        ]
        if details.pilot_terms is not None:
            terms = details.pilot_terms
            story += [
                Heading(_("Pilot terms"), H1, room=40 * mm),
                facts(
                    [
                        (_("Pilot started"), day(terms.started_on)),
                        (
                            _("Duration"),
                            ngettext("%(num)d week", "%(num)d weeks", terms.duration_weeks)
                            if terms.duration_weeks
                            else "—",
                        ),
                    ]
                ),
                subheading(_("Limits")),
                para(terms.limits or "—"),
                subheading(_("Data scope")),
                para(terms.data_scope or "—"),
            ]
            if terms.plan_version is not None:
                story += [
                    Heading(_("Sandbox plan in force"), H1, room=40 * mm),
                    facts(
                        [
                            (_("Version"), str(terms.plan_version)),
                            (_("Agreed on"), day(terms.plan_agreed_on)),
                        ]
                    ),
                ]
                for heading, text in terms.plan_sections:
                    story += [subheading(escape(heading)), para(text or "—")]
        if details.kpi_series:
            story.append(Heading(_("KPIs against target"), H1, room=60 * mm))
            for series in details.kpi_series:
                story += parts.kpi_series(series)
        story += evidence_section(self.report.evidence)
        story += compute_section(self.report.compute)
        story += [Heading(_("Progress returns"), H1, room=40 * mm)]
        if not details.returns:
            story.append(label(_("No progress return filed by this date.")))
        for r in reversed(details.returns):
            story += parts.progress_return(
                r,
                _(
                    "Return for %(start)s to %(end)s",
                    start=day(r.period_start),
                    end=day(r.period_end),
                ),
            )
        story += [
            Heading(_("Incidents"), H1, room=40 * mm),
            *parts.incidents(details.incidents, _("No incidents reported by this date.")),
            Heading(_("Edits after submission"), H1, room=40 * mm),
        ]
        if not details.edits:
            story.append(label(_("No edits recorded."), SMALL))
        for e in details.edits:
            story += [
                label(parts.edits_heading_markup(e.field, moment(e.at), e.actor)),
                para(_("Before: %(value)s", value=e.old_value or "—"), SMALL),
                para(_("After: %(value)s", value=e.new_value or "—"), SMALL),
            ]
        if details.exit_report is not None:
            exit_report = details.exit_report
            story += [
                Heading(_("Exit report"), H1, room=40 * mm),
                subheading(_("Outcome")),
                para(exit_report.outcome or "—"),
                subheading(_("Lessons learned")),
                para(exit_report.lessons or "—"),
                subheading(_("Conditions of production")),
                para(exit_report.conditions or "—"),
            ]
        return story


class ExitStory(Story[ExitReportData]):
    kind = ReportKind.EXIT

    def running_title(self) -> str:
        view = self.report.record.use_case
        return _(
            "Exit report · %(reference)s %(title)s", reference=view.reference, title=view.title
        )

    def cover(self) -> list[Flowable]:
        view = self.report.record.use_case
        return parts.cover(
            _("Exit report"),
            f"{view.reference} · {view.title}",
            exit_parts.cover_pairs(view, self.report.decision),
            self.imprint,
            self.report.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        return exit_parts.exit_body(self.report)


class ProofStory(Story[ProofData]):
    """A short attestation: the cover, then the proof; no contents or attention page."""

    kind = ReportKind.EXIT_PROOF

    def running_title(self) -> str:
        view = self.report.record.use_case
        return _(
            "Written proof of activities · %(reference)s %(title)s",
            reference=view.reference,
            title=view.title,
        )

    def cover(self) -> list[Flowable]:
        view = self.report.record.use_case
        return parts.cover(
            _("Written proof of activities"),
            f"{view.reference} · {view.title}",
            exit_parts.cover_pairs(view, self.report.decision),
            self.imprint,
            self.report.as_at,
        )

    def body(self, progress: Progress) -> list[Flowable]:
        return exit_parts.proof_body(self.report)

    def flowables(self, progress: Progress) -> list[Flowable]:
        return [*self.cover(), *self.body(progress)]


# The one table of report kinds and their stories.
STORIES: dict[ReportKind, type[Story[Any]]] = {
    story.kind: story
    for story in (
        CohortStory,
        ProgrammeStory,
        InstitutionStory,
        UseCaseStory,
        ExitStory,
        ProofStory,
    )
}


def render(
    report: AnyReport,
    imprint: Imprint,
    *,
    cjk_font: str,
    progress: Progress = None,
    language: str = "en",
) -> bytes:
    """The PDF of ``report`` with ``imprint`` on every page."""
    register_fonts(cjk_font)
    story = STORIES[report.kind](report, imprint)
    buffer = io.BytesIO()
    document = Document(
        buffer,
        title=report.title,
        running_title=story.running_title(),
        as_at=report.as_at,
        imprint=imprint,
        subject=_(
            "%(report)s as at %(day)s · %(reference)s · %(classification)s",
            report=report.kind.label,
            day=day(report.as_at),
            reference=imprint.reference,
            classification=imprint.classification,
        ),
        table_header=parts.table_header(story.columns) if story.columns else None,
        progress=progress,
        language=language,
    )
    flowables = story.flowables(progress)
    if progress is not None:
        progress(N_("laying out pages"))
    document.build_story(flowables)
    return buffer.getvalue()
