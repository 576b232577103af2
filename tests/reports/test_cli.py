"""``flask report …``: issue from the command line, and verify files."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.conftest import World
from tests.reports.conftest import Sample, pdf_text, qpdf_check
from tracker.extensions import db
from tracker.reports.models import IssuedReport, ReportKind


def run(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["report", *args])


def test_cohort_command_writes_and_registers(
    app: Flask, world: World, sample: Sample, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "c1.pdf"
    result = run(app, "cohort", str(world.cohort.id), "--out", str(out), "--as-at", "2026-02-28")
    assert result.exit_code == 0, result.output + result.stderr
    db.session.expire_all()
    row = db.session.scalars(db.select(IssuedReport)).one()
    assert out.read_bytes() == row.data
    assert row.generated_by_id is None
    assert row.kind is ReportKind.COHORT
    assert row.parameters["issued_from"] == "command line"
    assert row.reference in result.output
    assert "collecting the figures" in result.stderr  # progress goes to stderr
    assert qpdf_check(row.data, tmp_path).returncode == 0
    text = pdf_text(row.data, tmp_path)
    assert "Command line" in text
    assert "As at 28 Feb 2026" in text
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_each_kind_has_a_command(app: Flask, world: World, sample: Sample, tmp_path: Path) -> None:
    for command, subject_id in (
        ("programme", world.programme.id),
        ("institution", world.bank.id),
        ("use-case", sample.piloted.id),
    ):
        out = tmp_path / f"{command}.pdf"
        result = run(app, command, str(subject_id), "--out", str(out))
        assert result.exit_code == 0, result.output + result.stderr
        assert out.read_bytes().startswith(b"%PDF-")
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 3


def test_errors_are_reported_without_a_register_row(
    app: Flask, world: World, sample: Sample, tmp_path: Path
) -> None:
    out = tmp_path / "x.pdf"
    missing = run(app, "cohort", "999999", "--out", str(out))
    assert missing.exit_code != 0 and "no cohort with id 999999" in missing.stderr
    future = run(app, "cohort", str(world.cohort.id), "--out", str(out), "--as-at", "2999-01-01")
    assert future.exit_code != 0 and "in the future" in future.stderr
    before = run(app, "use-case", str(sample.late.id), "--out", str(out), "--as-at", "2026-03-01")
    assert before.exit_code != 0 and "not yet created" in before.stderr
    assert not out.exists()
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) == 0


def test_verify_accepts_issued_and_rejects_one_changed_byte(
    app: Flask, world: World, tmp_path: Path
) -> None:
    out = tmp_path / "c1.pdf"
    assert run(app, "cohort", str(world.cohort.id), "--out", str(out)).exit_code == 0
    row = db.session.scalars(db.select(IssuedReport)).one()
    ok = run(app, "verify", str(out))
    assert ok.exit_code == 0
    assert "VERIFIED" in ok.output and row.reference in ok.output and row.title in ok.output
    assert "the command line" in ok.output
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(out.read_bytes())
    data[1000] = (data[1000] + 1) % 256
    tampered.write_bytes(bytes(data))
    bad = run(app, "verify", str(tampered))
    assert bad.exit_code == 1
    assert "NOT VERIFIED" in bad.stderr
