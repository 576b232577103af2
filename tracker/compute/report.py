"""The "Compute" section of the use-case report: GPU hours requested, allocated and used as
recorded by the report's date (from ``tracker.compute.queries.ledger``; no queries here)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from tracker.compute.queries import Ledger
from tracker.i18n import gettext as _
from tracker.i18n import number, percent
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, subheading
from tracker.reports.pdf.tables import facts, simple_table
from tracker.reports.pdf.text import day


def compute_section(ledger: Ledger | None) -> list[Flowable]:
    """Requested, allocated and used, the tranches and the periods reported."""
    if ledger is None:
        return []
    used = number(ledger.used)
    if ledger.share_used is not None:
        used = _("%(hours)s (%(share)s of allocated)", hours=used, share=percent(ledger.share_used))
    story: list[Flowable] = [
        Heading(_("Compute"), H1, room=40 * mm),
        facts(
            [
                (
                    _("GPU hours requested"),
                    "—" if ledger.requested is None else number(ledger.requested),
                ),
                (_("Allocated"), number(ledger.allocated)),
                (_("Used"), used),
                (
                    _("Remaining"),
                    number(ledger.remaining)
                    if ledger.remaining >= 0
                    else _("%(hours)s beyond the allocation", hours=number(-ledger.remaining)),
                ),
            ]
        ),
    ]
    if ledger.allocations:
        story += [
            subheading(_("Tranches allocated")),
            simple_table(
                [_("Date"), _("GPU hours"), _("Note")],
                [[day(a.granted_on), number(a.hours), a.note or "—"] for a in ledger.allocations],
                [0.2, 0.15, 0.65],
                right=(1,),
            ),
        ]
    if ledger.usage:
        story += [
            subheading(_("Hours used per period")),
            simple_table(
                [_("Period"), _("Used"), _("Used to date"), _("Reason for use beyond allocation")],
                [
                    [
                        _("%(start)s to %(end)s", start=day(u.period_start), end=day(u.period_end)),
                        number(u.hours_used),
                        number(u.used_to_date),
                        u.over_use_reason or "—",
                    ]
                    for u in ledger.usage
                ],
                [0.3, 0.12, 0.15, 0.43],
                right=(1, 2),
            ),
        ]
    if not ledger.allocations and not ledger.usage:
        story.append(label(_("No GPU hours allocated or used by this date."), SMALL))
    return story
