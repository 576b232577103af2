"""The register: what is stored, re-download of the exact bytes, and verification."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.reports.conftest import Sample, pdf_text
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind


def test_issue_stores_bytes_hash_and_reference(
    world: World, sample: Sample, tmp_path: Path
) -> None:
    issued = services.issue(
        ReportKind.COHORT, world.cohort, as_at=date(2026, 2, 28), user=world.supervisor
    )
    db.session.commit()
    row = db.session.get(IssuedReport, issued.id)
    assert row is not None
    assert re.fullmatch(r"TR-\d{4}-\d{6}", row.reference)
    assert row.reference == f"TR-{row.generated_at.year}-{row.id:06d}"
    assert row.sha256 == hashlib.sha256(row.data).hexdigest()
    assert row.size == len(row.data)
    assert row.data.startswith(b"%PDF-")
    assert row.as_at == date(2026, 2, 28)
    assert row.generated_by_id == world.supervisor.id
    assert row.parameters["as_at"] == "2026-02-28"
    assert row.parameters["subject_id"] == world.cohort.id
    assert row.parameters["classification"] == "RESTRICTED"
    assert f"Reference {row.reference}" in pdf_text(row.data, tmp_path)


def test_classification_comes_from_config(app, world: World, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app.config["TRACKER_CLASSIFICATION"] = "CONFIDENTIAL — 機密"
    try:
        issued = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=None)
    finally:
        app.config["TRACKER_CLASSIFICATION"] = "RESTRICTED"
    text = pdf_text(issued.data, tmp_path)
    assert "CONFIDENTIAL — 機密" in text
    assert "Command line" in text


def test_find_issued_accepts_the_issue_and_rejects_one_changed_byte(world: World) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=None)
    db.session.commit()
    pdf = issued.data
    assert services.find_issued(pdf) is issued
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    assert services.find_issued(bytes(changed)) is None
    assert services.find_issued(pdf + b"\n") is None


def test_web_download_issues_and_registers(
    client: FlaskClient, world: World, sample: Sample
) -> None:
    login(client, world.supervisor)
    asked = client.post(f"/reports/cohort/{world.cohort.id}", data={"as_at": "2026-02-28"})
    assert asked.status_code == 302
    progress = client.get(asked.headers["Location"])
    assert progress.status_code == 200
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert "Ready" in progress.get_data(as_text=True)
    assert f"/reports/{row.id}/download" in progress.get_data(as_text=True)
    response = client.get(f"/reports/{row.id}/download")
    assert response.mimetype == "application/pdf"
    assert response.data == row.data
    assert f"filename={row.download_name}" in response.headers["Content-Disposition"]
    assert row.generated_by_id == world.supervisor.id
    # The register lists it and re-downloads exactly the stored bytes.
    page = client.get("/reports/")
    assert page.status_code == 200
    assert row.reference in page.get_data(as_text=True)
    again = client.get(f"/reports/{row.id}/download")
    assert again.status_code == 200 and again.data == row.data


def test_web_form_rejects_a_future_date(client: FlaskClient, world: World) -> None:
    login(client, world.supervisor)
    response = client.post(f"/reports/cohort/{world.cohort.id}", data={"as_at": "2999-01-01"})
    assert response.status_code == 200
    assert "cannot be in the future" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(IssuedReport)).first() is None


def test_use_case_report_before_creation_is_a_field_error(
    client: FlaskClient, world: World, sample: Sample
) -> None:
    login(client, world.supervisor)
    response = client.post(f"/reports/use-case/{sample.late.id}", data={"as_at": "2026-03-01"})
    assert response.status_code == 200
    assert "was not yet created on 01 Mar 2026" in response.get_data(as_text=True)


def test_web_verify(client: FlaskClient, world: World) -> None:
    issued = services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=world.reviewer)
    db.session.commit()
    login(client, world.supervisor)
    ok = client.post(
        "/reports/verify",
        data={"pdf": (io.BytesIO(issued.data), "report.pdf")},
        content_type="multipart/form-data",
    )
    body = ok.get_data(as_text=True)
    assert "Authentic and unchanged" in body and issued.reference in body
    assert f"/reports/{issued.id}/download" in body
    tampered = bytearray(issued.data)
    tampered[-20] ^= 0x20
    bad = client.post(
        "/reports/verify",
        data={"pdf": (io.BytesIO(bytes(tampered)), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert "Not an issued report" in bad.get_data(as_text=True)
    missing = client.post("/reports/verify", data={}, content_type="multipart/form-data")
    assert "Choose a PDF file." in missing.get_data(as_text=True)


def test_register_page_is_paginated_without_loading_pdfs(client: FlaskClient, world: World) -> None:
    for _ in range(3):
        services.issue(ReportKind.PROGRAMME, world.programme, as_at=None, user=world.supervisor)
    db.session.commit()
    login(client, world.reviewer)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        body = client.get("/reports/").get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert body.count("/download") == 3
    # The navigation's unread count checks report notifications against the register too.
    report_queries = [s for s in statements if "issued_report" in s and "notification" not in s]
    assert len(report_queries) <= 2  # the page and its count
    # The listing never fetches the stored PDFs (the count's subquery names the column but
    # reads no row data from it).
    listing = next(s for s in report_queries if "LIMIT" in s)
    assert "issued_report.data" not in listing
