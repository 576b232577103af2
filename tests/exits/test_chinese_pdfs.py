"""The exit report and the written proof of activities in Traditional Chinese: the product's own
text is Chinese (what other areas write into them, and the records, aside), and both verify."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.conftest import World
from tests.exits.conftest import Exited
from tests.reports.conftest import pdf_text, qpdf_check
from tests.reports.test_chinese import _test_data, _untranslated_labels, english_of_the_product
from tracker.enums import LabelledEnum
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import ReportKind
from tracker.usecases.models import UseCase

# Sections other areas write into the exit report (compute, lessons), translated by them.
OTHERS = (
    "Compute used",
    "GPU hours requested",
    "Allocated",
    "Remaining",
    "No GPU hours allocated or used by this date.",
    "Lessons and good practice",
    "Lessons recorded by the regulator from pilots, progress returns and exits, by theme. "
    "Proposals not yet recorded are left out.",
    "No lessons recorded by this date.",
    "Theme",
    "Evaluation",
)


def _every_enum() -> list[type[LabelledEnum]]:
    found: list[type[LabelledEnum]] = []
    todo = list(LabelledEnum.__subclasses__())
    while todo:
        enum = todo.pop()
        found.append(enum)
        todo += enum.__subclasses__()
    return found


def _records() -> list[str]:
    """The exit's own records (user text): outcome, lessons, conditions; lessons' texts."""
    texts = [
        str(getattr(uc, c) or "")
        for uc in db.session.scalars(sa.select(UseCase))
        for c in ("exit_outcome", "exit_lessons", "exit_conditions", "summary")
    ]
    texts += [
        str(v or "")
        for row in db.session.execute(sa.text("SELECT * FROM lesson")).all()
        for v in row
        if isinstance(v, str)
    ]
    return texts


def test_exit_report_and_proof_in_chinese(world: World, exited: Exited, tmp_path: Path) -> None:
    for kind, phrase in (
        (ReportKind.EXIT, "退出決定"),
        (ReportKind.EXIT_PROOF, "確認，"),
    ):
        issued = services.issue(
            kind, exited.production, as_at=None, user=world.reviewer, language="zh-Hant"
        )
        db.session.commit()
        assert issued.language == "zh_Hant"
        assert qpdf_check(issued.data, tmp_path).returncode == 0
        text = pdf_text(issued.data, tmp_path)
        assert phrase in text and "本報告以繁體中文撰寫" in text
        assert "獲准投產" in text
        allowed = [
            *_test_data(),
            *_records(),
            *_untranslated_labels(*_every_enum()),
            *OTHERS,
            "RESTRICTED",
        ]
        assert english_of_the_product(text, allowed) == []
        assert services.find_issued(issued.data) is not None
