"""The programme report's "Lessons and good practice": the lessons recorded by the report's
date, grouped by theme (a lesson with several themes appears under each), each with its use
case, category and technique, so that a good-practice publication can be drafted from it."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from tracker.i18n import gettext as _
from tracker.lessons.models import Theme
from tracker.lessons.queries import LessonView
from tracker.reports.pdf.shell import Heading
from tracker.reports.pdf.styles import H1, SMALL, label, para, subheading
from tracker.reports.pdf.tables import simple_table


def lessons_section(lessons: Sequence[LessonView]) -> list[Flowable]:
    story: list[Flowable] = [Heading(_("Lessons and good practice"), H1, room=50 * mm)]
    if not lessons:
        story.append(label(_("No lessons recorded by this date.")))
        return story
    counts = [(t, sum(1 for lesson in lessons if t in lesson.themes)) for t in Theme]
    story += [
        label(
            _(
                "Lessons recorded by the regulator from pilots, progress returns and exits, by "
                "theme. Proposals not yet recorded are left out."
            ),
            SMALL,
        ),
        simple_table(
            [_("Theme"), _("Lessons")],
            [[t.label, str(n)] for t, n in counts if n],
            [0.7, 0.3],
            right=(1,),
        ),
    ]
    for theme, count in counts:
        if not count:
            continue
        story.append(subheading(escape(theme.label)))
        for lesson in lessons:
            if theme not in lesson.themes:
                continue
            story += [
                label(f"<b>{escape(lesson.title)}</b>"),
                para(lesson.text),
                para(
                    f"{lesson.use_case_reference} {lesson.use_case_title} · "
                    f"{lesson.institution} · {lesson.cohort} · {lesson.category} · "
                    f"{lesson.technique} · {lesson.source}",
                    SMALL,
                ),
            ]
    return story
