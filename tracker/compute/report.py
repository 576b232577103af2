"""The "Compute" section of the use-case report: GPU hours requested, allocated and used as
recorded by the report's date (from ``tracker.compute.queries.ledger``; no queries here)."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from tracker.compute.queries import Ledger
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, subheading
from tracker.reports.pdf.tables import facts, simple_table
from tracker.reports.pdf.text import day


def compute_section(ledger: Ledger | None) -> list[Flowable]:
    """Requested, allocated and used, the tranches and the periods reported."""
    if ledger is None:
        return []
    share = f" ({ledger.share_used:.0%} of allocated)" if ledger.share_used is not None else ""
    story: list[Flowable] = [
        Heading("Compute", H1, room=40 * mm),
        facts(
            [
                (
                    "GPU hours requested",
                    "—" if ledger.requested is None else f"{ledger.requested:,}",
                ),
                ("Allocated", f"{ledger.allocated:,}"),
                ("Used", f"{ledger.used:,}{share}"),
                (
                    "Remaining",
                    f"{ledger.remaining:,}"
                    if ledger.remaining >= 0
                    else f"{-ledger.remaining:,} beyond the allocation",
                ),
            ]
        ),
    ]
    if ledger.allocations:
        story += [
            subheading("Tranches allocated"),
            simple_table(
                ["Date", "GPU hours", "Note"],
                [[day(a.granted_on), f"{a.hours:,}", a.note or "—"] for a in ledger.allocations],
                [0.2, 0.15, 0.65],
                right=(1,),
            ),
        ]
    if ledger.usage:
        story += [
            subheading("Hours used per period"),
            simple_table(
                ["Period", "Used", "Used to date", "Reason for use beyond allocation"],
                [
                    [
                        f"{day(u.period_start)} to {day(u.period_end)}",
                        f"{u.hours_used:,}",
                        f"{u.used_to_date:,}",
                        u.over_use_reason or "—",
                    ]
                    for u in ledger.usage
                ],
                [0.3, 0.12, 0.15, 0.43],
                right=(1, 2),
            ),
        ]
    if not ledger.allocations and not ledger.usage:
        story.append(label("No GPU hours allocated or used by this date.", SMALL))
    return story
