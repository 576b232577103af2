"""The "AI evidence" section of the use-case report: the register as it stood at the report's
date, rendered from the frozen views of ``tracker.evidence.queries`` (no queries here)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from tracker.evidence.queries import EvidenceView
from tracker.i18n import gettext as _
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, para, subheading
from tracker.reports.pdf.tables import facts, simple_table
from tracker.reports.pdf.text import moment


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def evidence_section(entries: Sequence[EvidenceView]) -> list[Flowable]:
    """Every model iteration recorded by the report's date, each as it stood then."""
    story: list[Flowable] = [Heading(_("AI evidence"), H1, room=40 * mm)]
    if not entries:
        story.append(label(_("No model iteration recorded by this date.")))
        return story
    story.append(
        label(
            _(
                "Each model iteration as last saved by the report's date, with the regulator's "
                "review mark as it stood then."
            ),
            SMALL,
        )
    )
    for entry in entries:
        reviewed = (
            _(
                "Reviewed by %(name)s, %(time)s",
                name=entry.reviewed_by,
                time=moment(entry.reviewed_at),
            )
            if entry.reviewed_at is not None
            else _("Not reviewed")
        )
        story += [
            subheading(escape(entry.title)),
            facts(
                [
                    (_("Provider"), entry.provider),
                    (_("Technique"), entry.technique),
                    (_("Where it runs"), entry.hosting),
                    (
                        _("Revision"),
                        _(
                            "%(num)d, saved by %(name)s, %(time)s",
                            num=entry.revision,
                            name=entry.revised_by,
                            time=moment(entry.revised_at),
                        ),
                    ),
                    (_("Review"), reviewed),
                    (
                        _("Documents"),
                        ", ".join(d.filename for d in entry.documents) or _("None linked"),
                    ),
                ]
            ),
        ]
        if entry.evaluations:
            story.append(
                simple_table(
                    [_("Metric"), _("Dataset"), _("Result"), _("Threshold"), _("Pass or fail")],
                    [
                        [
                            e.metric,
                            e.dataset or "—",
                            _number(e.result),
                            _number(e.threshold)
                            + (f" ({e.direction.lower()})" if e.threshold is not None else ""),
                            e.outcome_label,
                        ]
                        for e in entry.evaluations
                    ],
                    [0.26, 0.26, 0.1, 0.22, 0.16],
                    right=(2,),
                )
            )
        for title, text in entry.narratives:
            story += [label(f"<b>{escape(_(title))}</b>"), para(text or _("None recorded."))]
        for comment in entry.comments:
            story.append(
                para(
                    _(
                        "Comment by %(name)s, %(time)s: %(text)s",
                        name=comment.by,
                        time=moment(comment.at),
                        text=comment.body,
                    ),
                    SMALL,
                )
            )
    return story
