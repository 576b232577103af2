"""Download names: after the subject, the kind, the as-at date and the reference."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.reports.conftest import LONG_WORD, Sample
from tracker.extensions import db
from tracker.reports.models import IssuedReport, ReportKind


def named(kind: ReportKind, title: str) -> str:
    report = IssuedReport(
        title=title, kind=kind, as_at=date(2026, 12, 1), reference="TR-2026-000001"
    )
    return report.download_name


@pytest.mark.parametrize(
    ("kind", "title", "expected"),
    [
        (
            ReportKind.COHORT,
            "Cohort progress report: GenA.I. Sandbox — Cohort 1",
            "GenA-I-Sandbox-Cohort-1-progress-2026-12-01-TR-2026-000001.pdf",
        ),
        (
            ReportKind.PROGRAMME,
            "Programme report: GenA.I. Sandbox++",
            "GenA-I-Sandbox-programme-2026-12-01-TR-2026-000001.pdf",
        ),
        (
            ReportKind.INSTITUTION,
            "Institution report: Harbour Bank 海港銀行",
            "Harbour-Bank-海港銀行-institution-2026-12-01-TR-2026-000001.pdf",
        ),
        (
            ReportKind.USE_CASE,
            'Use-case report: UC-00012 <b>Fraud & "AI"</b>/../\u202eevil.exe\x00 🚀',
            "UC-00012-b-Fraud-AI-b-evil-exe-use-case-2026-12-01-TR-2026-000001.pdf",
        ),
    ],
)
def test_download_name(kind: ReportKind, title: str, expected: str) -> None:
    assert named(kind, title) == expected


def test_download_name_is_bounded() -> None:
    name = named(ReportKind.USE_CASE, f"Use-case report: UC-00001 {LONG_WORD} more words")
    assert name == "UC-00001-use-case-2026-12-01-TR-2026-000001.pdf"
    name = named(ReportKind.USE_CASE, f"Use-case report: {LONG_WORD}")
    assert name.startswith(LONG_WORD[:60] + "-use-case-")
    assert len(named(ReportKind.USE_CASE, "Use-case report: " + "反詐騙 " * 200).encode()) < 255


def test_downloads_carry_the_name_with_an_ascii_fallback(
    client: FlaskClient, world: World, sample: Sample
) -> None:
    login(client, world.supervisor)
    asked = client.post(f"/reports/cohort/{world.cohort.id}", data={"as_at": "2026-02-28"})
    assert client.get(asked.headers["Location"]).status_code == 200
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert row.download_name.endswith(f"-progress-2026-02-28-{row.reference}.pdf")
    disposition = client.get(f"/reports/{row.id}/download").headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename={row.download_name}" in disposition
    # A name with Chinese goes as UTF-8 in filename*, with an ASCII filename for old clients.
    row.title = "Institution report: Harbour Bank 海港銀行"
    db.session.commit()
    chinese = client.get(f"/reports/{row.id}/download").headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote(row.download_name)}" in chinese
    assert "filename=Harbour-Bank--" in chinese
