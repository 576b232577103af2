"""The exit report and the written proof: from the command line and the web, registered,
verifiable, checked with pdftotext and qpdf; refused for a use case that has not exited."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World, local_today, login
from tests.exits.conftest import EXIT_DAYS_AGO, Exited
from tests.reports.conftest import pdf_info, pdf_text, qpdf_check
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind


def run(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["report", *args])


def _verify(client: FlaskClient, pdf: bytes) -> str:
    response = client.post(
        "/reports/verify",
        data={"pdf": (io.BytesIO(pdf), "exit.pdf")},
        content_type="multipart/form-data",
    )
    return response.get_data(as_text=True)


def test_exit_report_from_the_command_line_verifies(
    app: Flask, client: FlaskClient, world: World, exited: Exited, tmp_path: Path
) -> None:
    out = tmp_path / "exit.pdf"
    result = run(app, "exit", str(exited.production.id), "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    db.session.expire_all()
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert row.kind is ReportKind.EXIT
    assert out.read_bytes() == row.data
    assert hashlib.sha256(out.read_bytes()).hexdigest() == row.sha256
    assert row.sha256 in result.output
    assert qpdf_check(row.data, tmp_path).returncode == 0
    info = pdf_info(row.data, tmp_path)
    assert info["Title"].startswith("Exit report: ")
    text = pdf_text(row.data, tmp_path)
    for expected in (
        "Exit report",
        "Approved for production",
        "Results against each KPI target",
        "Analyst hours saved per week",
        "False-positive rate",
        "Not met",  # 14 % against a 10 % target, lower is better
        "Sandbox plan versions agreed",
        "Quarterly model validation reported to the HKMA.",
        "Transcript service outage",
        "on its own",
        "Sample outputs every day",
        "Evidence reviewed",
        "Compute",
        row.reference,
    ):
        assert expected in text, expected
    assert "Met" in text.replace("Not met", "")
    login(client, world.supervisor)
    body = _verify(client, out.read_bytes())
    assert "Authentic and unchanged" in body and row.reference in body
    assert "Not an issued report" in _verify(client, out.read_bytes()[:-30] + b"x" * 30)


def test_written_proof_with_the_proof_flag(
    app: Flask, client: FlaskClient, world: World, exited: Exited, tmp_path: Path
) -> None:
    out = tmp_path / "proof.pdf"
    result = run(app, "exit", str(exited.production.id), "--proof", "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert row.kind is ReportKind.EXIT_PROOF
    assert row.download_name.endswith(f"proof-of-activities-{row.as_at}-{row.reference}.pdf")
    assert qpdf_check(row.data, tmp_path).returncode == 0
    text = pdf_text(row.data, tmp_path)
    for expected in (
        "Written proof of activities",
        "confirms that",
        "took part in",
        "Progress returns filed",
        "Milestones reached",
        "Shadow run complete",
        "Approved for production",
        row.reference,
    ):
        assert expected in text, expected
    assert "Results against each KPI target" not in text
    login(client, world.bank_user)
    assert row.reference in _verify(client, row.data)


def test_discontinued_use_case_gives_its_reason(
    app: Flask, world: World, exited: Exited, tmp_path: Path
) -> None:
    report = services.issue(ReportKind.EXIT, exited.discontinued, as_at=None, user=world.reviewer)
    text = pdf_text(report.data, tmp_path)
    assert "Discontinued" in text and "Accuracy too low." in text
    assert "Reason for discontinuing" in text


def test_refused_before_the_exit(
    app: Flask, client: FlaskClient, world: World, exited: Exited, tmp_path: Path
) -> None:
    out = tmp_path / "x.pdf"
    pilot = run(app, "exit", str(exited.pilot.id), "--out", str(out))
    assert pilot.exit_code != 0
    assert "only for a use case approved for production or discontinued" in pilot.stderr
    early = (local_today() - timedelta(days=EXIT_DAYS_AGO + 2)).isoformat()
    before = run(app, "exit", str(exited.production.id), "--out", str(out), "--as-at", early)
    assert before.exit_code != 0 and "had not been approved for production" in before.stderr
    assert not out.exists()
    login(client, world.reviewer)
    page = client.post(f"/reports/exit-proof/{exited.pilot.id}", data={})
    assert page.status_code == 200
    assert "only for a use case approved for production" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 0


def test_from_the_use_case_page_through_the_background_request(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{exited.production.id}").get_data(as_text=True)
    assert f'action="/reports/exit/{exited.production.id}"' in page
    assert f'action="/reports/exit-proof/{exited.production.id}"' in page
    pilot_page = client.get(f"/use-cases/{exited.pilot.id}").get_data(as_text=True)
    assert "/reports/exit/" not in pilot_page
    asked = client.post(f"/reports/exit/{exited.production.id}", data={})
    assert asked.status_code == 302 and "/reports/requests/" in asked.headers["Location"]
    status = client.get(asked.headers["Location"] + "/status").get_json()
    assert status["status"] == "done" and status["download"]
    pdf = client.get(status["download"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert row.kind is ReportKind.EXIT and row.generated_by_id == world.bank_user.id
    assert hashlib.sha256(pdf.data).hexdigest() == row.sha256


def test_as_at_the_exit_day_leaves_out_what_came_later(
    world: World, exited: Exited, tmp_path: Path
) -> None:
    uc = exited.production
    exit_day = local_today() - timedelta(days=EXIT_DAYS_AGO)
    then = services.issue(ReportKind.EXIT, uc, as_at=exit_day, user=world.reviewer)
    now = services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
    then_text, now_text = pdf_text(then.data, tmp_path), pdf_text(now.data, tmp_path)
    # The lesson was recorded today, after the exit.
    assert "Sample outputs every day" in now_text
    assert "Sample outputs every day" not in then_text
    assert "No lessons recorded by this date." in then_text
    # The plan version and the KPI results were already there at the exit.
    for text in (then_text, now_text):
        assert "Sandbox plan versions agreed" in text and "Not met" in text
    assert f"As at {exit_day:%d %b %Y}" in then_text
