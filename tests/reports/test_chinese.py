"""Reports in Traditional Chinese: asked for on the page, the command line and the API; the PDF
has no English of the product's own; the register records the language; both languages verify."""

from __future__ import annotations

import io
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api, api_as  # noqa: F401  (the fixture)
from tests.conftest import World, login
from tests.i18n.scan import _WORD, is_prose
from tests.reports.conftest import Sample, pdf_info, pdf_text, qpdf_check
from tracker import i18n
from tracker.auth.models import Role, User
from tracker.enums import LabelledEnum
from tracker.extensions import db
from tracker.institutions.models import Category, Institution
from tracker.programmes.models import Cohort, CohortStatus, Programme
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest
from tracker.usecases.models import (
    Incident,
    KpiValue,
    Milestone,
    MilestoneStatus,
    ProgressReturn,
    Severity,
    Stage,
    UseCase,
)

# Text that stays as it is in a Chinese report: the command that asks for the English version.
KEPT = ("--lang en",)


def _untranslated_labels(*enums: type[LabelledEnum]) -> list[str]:
    """Labels of other areas' enums that the catalogue does not translate yet (their owners
    fill them in); shown as recorded, they are not this area's English."""
    with i18n.language(i18n.CHINESE):
        return [m.label for enum in enums for m in enum if i18n.gettext(m.label) == m.label]


def _test_data() -> list[str]:
    """Every text the test records hold: titles, names, narratives (user text in English)."""
    texts: list[str] = []
    for model, columns in (
        (UseCase, ("title", "summary", "kpis", "problem_statement", "reference")),
        (Milestone, ("title",)),
        (ProgressReturn, ("narrative", "attested_by_name", "attested_by_title")),
        (KpiValue, ("kpi", "value")),
        (Incident, ("description",)),
        (Institution, ("name",)),
        (Category, ("name",)),
        (Programme, ("name", "description")),
        (Cohort, ("name",)),
        (User, ("name",)),
    ):
        for row in db.session.scalars(sa.select(model)):
            texts += [str(getattr(row, c) or "") for c in columns]
    return texts


def english_of_the_product(text: str, allowed: list[str]) -> list[str]:
    """Lines of a PDF's text that read as English, once the allowed texts' words are set aside.
    Words are compared, not lines: table cells wrap user text over several lines (and chart
    labels, drawn at an angle, come out of pdftotext in pieces)."""
    words = {w.lower() for a in allowed for w in _WORD.findall(a)}
    left = []
    for line in text.splitlines():
        for kept in KEPT:
            line = line.replace(kept, " ")
        own = [
            w
            for w in _WORD.findall(line)
            if w.lower() not in words and not any(w.lower() in a for a in words)
        ]
        if own and is_prose(" ".join(own)):
            left.append(line)
    return left


def _others(report: IssuedReport) -> list[str]:
    """Sentences other areas write into the report that their owners translate."""
    del report
    return ["Decided within time: of. Still in review: of which overdue:"]


def test_cohort_report_in_chinese_has_no_english_of_its_own(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(
        ReportKind.COHORT, world.cohort, as_at=None, user=world.supervisor, language="zh-Hant"
    )
    db.session.commit()
    assert issued.language == "zh_Hant"
    request = db.session.get(ReportRequest, issued.request_id)
    assert request is not None and request.language == "zh_Hant"
    check = qpdf_check(issued.data, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    text = pdf_text(issued.data, tmp_path)
    for phrase in ("批次進度報告", "行政摘要", "需要關注", "應用案例一覽", "目錄", "數字的基礎"):
        assert phrase in text, phrase
    # The cover names the language and how to have the other one.
    assert "本報告以繁體中文撰寫" in text and "--lang en" in text
    # Dates as Babel writes them in Traditional Chinese, e.g. 2026年12月1日.
    assert re.search(r"截至\s*\d{4}年\d{1,2}月\d{1,2}日", text)
    assert "第 1 頁" in text
    allowed = [
        *_test_data(),
        *_untranslated_labels(Stage, Severity, MilestoneStatus, CohortStatus, Role),
        *_others(issued),
        # The regulator's code and the classification marking are printed as they are.
        "RESTRICTED",
    ]
    assert english_of_the_product(text, allowed) == []
    assert pdf_info(issued.data, tmp_path)["Title"] == issued.title
    assert issued.title.startswith("批次進度報告：")
    assert issued.download_name.startswith("GenA-I-Sandbox-Cohort-1-progress-")


def test_english_report_names_its_language_and_the_other(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=world.supervisor)
    assert issued.language == "en"
    text = pdf_text(issued.data, tmp_path)
    assert "This report is in English." in text
    assert "--lang zh-Hant" in text
    assert "批次進度報告" not in text


def test_every_kind_renders_in_chinese(world: World, sample: Sample, tmp_path: Path) -> None:
    for kind, subject in (
        (ReportKind.PROGRAMME, world.programme),
        (ReportKind.INSTITUTION, world.bank),
        (ReportKind.USE_CASE, sample.piloted),
    ):
        issued = services.issue(kind, subject, as_at=None, user=world.admin, language="zh_Hant")
        assert qpdf_check(issued.data, tmp_path).returncode == 0
        text = pdf_text(issued.data, tmp_path)
        assert "本報告以繁體中文撰寫" in text
        assert issued.language == "zh_Hant"


def test_both_languages_verify_and_the_page_shows_the_language(
    client: FlaskClient, world: World, sample: Sample
) -> None:
    chinese = services.issue(
        ReportKind.COHORT, world.cohort, as_at=None, user=world.reviewer, language="zh-Hant"
    )
    english = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=world.reviewer)
    db.session.commit()
    assert chinese.sha256 != english.sha256
    login(client, world.supervisor)
    for issued, name in ((chinese, "繁體中文"), (english, "English")):
        page = client.post(
            "/reports/verify",
            data={"pdf": (io.BytesIO(issued.data), "report.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert "Authentic and unchanged" in page and issued.reference in page
        assert name in page
    register = client.get("/reports/").get_data(as_text=True)
    assert "繁體中文" in register and "English" in register


def test_generate_page_offers_the_language_and_defaults_to_the_users(
    client: FlaskClient, world: World, sample: Sample
) -> None:
    world.supervisor.language = "zh_Hant"
    db.session.commit()
    login(client, world.supervisor)
    page = client.get(f"/reports/cohort/{world.cohort.id}").get_data(as_text=True)
    assert 'value="zh_Hant" checked' in page or re.search(r'checked[^>]*value="zh_Hant"', page)
    response = client.post(f"/reports/cohort/{world.cohort.id}", data={"language": "en"})
    assert response.status_code == 302
    asked = db.session.scalars(sa.select(ReportRequest).order_by(ReportRequest.id.desc())).first()
    assert asked is not None and asked.language == "en"
    # The small button elsewhere sends the page's language; without one, the page's is taken.
    client.post(f"/reports/cohort/{world.cohort.id}", data={})
    asked = db.session.scalars(sa.select(ReportRequest).order_by(ReportRequest.id.desc())).first()
    assert asked is not None and asked.language == "zh_Hant"


def test_command_line_lang(app: Flask, world: World, sample: Sample, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for spelling in ("zh-Hant", "zh_Hant"):
        out = tmp_path / f"{spelling}.pdf"
        result = runner.invoke(
            args=["report", "cohort", str(world.cohort.id), "--out", str(out), "--lang", spelling]
        )
        assert result.exit_code == 0, result.output + result.stderr
        assert "language zh_Hant" in result.output
        assert "批次進度報告" in pdf_text(out.read_bytes(), tmp_path)
    verified = runner.invoke(args=["report", "verify", str(out)])
    assert verified.exit_code == 0 and "language zh_Hant" in verified.output
    english = tmp_path / "en.pdf"
    result = runner.invoke(
        args=["report", "cohort", str(world.cohort.id), "--out", str(english), "--lang", "en"]
    )
    assert result.exit_code == 0 and "language en" in result.output
    bad = runner.invoke(
        args=["report", "cohort", str(world.cohort.id), "--out", str(english), "--lang", "fr"]
    )
    assert bad.exit_code != 0 and "not a report language" in bad.stderr
    rows = db.session.scalars(sa.select(IssuedReport.language).order_by(IssuedReport.id)).all()
    assert rows == ["zh_Hant", "zh_Hant", "en"]


def test_report_pages_in_chinese(client: FlaskClient, world: World, sample: Sample) -> None:
    from tests.i18n.helpers import english_left

    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=world.supervisor)
    db.session.commit()
    login(client, world.supervisor)
    allowed = (
        "GenA.I. Sandbox",
        "Cohort 1",
        world.supervisor.name,
        issued.title,
        "English",
        "KB",
    )
    for url, phrase in (
        (f"/reports/cohort/{world.cohort.id}?lang=zh-Hant", "發出報告 (PDF)"),
        ("/reports/?lang=zh-Hant", "報告登記冊"),
        ("/reports/verify?lang=zh-Hant", "以報告登記冊核實 PDF"),
        (f"/reports/requests/{issued.request_id}?lang=zh-Hant", "下載 PDF"),
    ):
        html = client.get(url).get_data(as_text=True)
        assert phrase in html, url
        # This area's part of the page (the navigation is another's).
        main = html[html.index("<main") : html.index("</main>")]
        assert english_left(main, allowed=allowed) == [], url


def test_the_api_asks_for_a_language(world: World, sample: Sample, api_as, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    supervisor: Api = api_as(world.supervisor)
    asked = supervisor.post(
        "/reports", {"kind": "cohort", "subject_id": world.cohort.id, "language": "zh-Hant"}
    )
    assert asked.status_code == 202, asked.json
    assert asked.json["language"] == "zh_Hant"
    done = supervisor.get(asked.headers["Location"].removeprefix("/api/v1")).json
    assert done["status"] == "done" and done["report"]["language"] == "zh_Hant"
    pdf = supervisor.get(f"/reports/{done['report']['id']}/pdf").data
    assert "批次進度報告" in pdf_text(pdf, tmp_path)
    english = supervisor.post("/reports", {"kind": "cohort", "subject_id": world.cohort.id})
    assert english.json["language"] == "en"
    wrong = supervisor.post(
        "/reports", {"kind": "cohort", "subject_id": world.cohort.id, "language": "fr"}
    )
    assert wrong.status_code in (400, 422)
    assert "Must be one of" in str(wrong.json)
