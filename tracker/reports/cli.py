"""``flask --app tracker report …``: issue PDF reports as the system, and verify issued ones."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.reports import jobs, services
from tracker.reports.models import ReportKind, ReportRequest, RequestStatus
from tracker.rules import RuleError
from tracker.unit_of_work import unit_of_work

report_cli = AppGroup("report", help="Issue PDF reports and check PDFs against the register.")


def _progress() -> Callable[[str], None]:
    started = time.monotonic()

    def echo(message: str) -> None:
        click.echo(f"[{time.monotonic() - started:6.1f}s] {message}", err=True)

    return echo


def _write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside ``path``; the caller renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(temporary)


# The report's language: en (the default) or zh-Hant (Traditional Chinese; zh_Hant too).
_LANGUAGE = click.option(
    "--lang",
    "language",
    default="en",
    show_default=True,
    metavar="LANG",
    help="The report's language: en (English) or zh-Hant (Traditional Chinese).",
)


def _language(value: str) -> str:
    try:
        return services.report_language(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a report language (en or zh-Hant).", param_hint="--lang"
        ) from None


def _issue(
    kind: ReportKind, subject_id: int, out: Path, as_at: datetime | None, language: str = "en"
) -> None:
    """Ask for the report as the system and produce it here, as a worker would: the figures are
    read, then the PDF laid out with no database lock held, then registered."""
    subject = services.load_subject(kind, subject_id)
    if subject is None:
        raise click.ClickException(f"There is no {services.SLUG_OF[kind]} with id {subject_id}.")
    code = _language(language)
    progress = _progress()
    try:
        with unit_of_work("report.request"):
            request_id = services.request_system_report(
                kind, subject, as_at.date() if as_at else None, code
            ).id
    except RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    jobs.produce(request_id, progress=progress)
    request = db.session.get(ReportRequest, request_id)
    assert request is not None
    if request.status is not RequestStatus.DONE or request.issued_report is None:
        raise click.ClickException(request.error or "The report could not be produced.")
    issued = request.issued_report
    temporary = _write_atomically(out, issued.data)
    temporary.replace(out)
    progress("registered")
    click.echo(
        f"Issued {issued.reference}: {issued.title}\n"
        f"  as at {issued.as_at:%d %b %Y}, {issued.size:,} bytes, sha256 {issued.sha256}\n"
        f"  language {issued.language}\n"
        f"  written to {out}"
    )


def _command(kind: ReportKind, name: str, argument: str) -> click.Command:
    @click.argument(argument, type=int)
    @click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Where to write the PDF.",
    )
    @click.option(
        "--as-at",
        "as_at",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Produce the report as at this date (YYYY-MM-DD); default today.",
    )
    @_LANGUAGE
    def command(out: Path, as_at: datetime | None, language: str, **kwargs: int) -> None:
        _issue(kind, kwargs[argument], out, as_at, language)

    article = "an" if kind.label[0].lower() in "aeiou" else "a"
    command.__doc__ = f"Issue {article} {kind.label.lower()} and write it to --out."
    return report_cli.command(name)(command)


_command(ReportKind.COHORT, "cohort", "cohort_id")
_command(ReportKind.PROGRAMME, "programme", "programme_id")
_command(ReportKind.INSTITUTION, "institution", "institution_id")
_command(ReportKind.USE_CASE, "use-case", "use_case_id")


@report_cli.command("exit")
@click.argument("use_case_id", type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF.",
)
@click.option(
    "--proof",
    is_flag=True,
    help="Issue the written proof of activities instead of the exit report.",
)
@click.option(
    "--as-at",
    "as_at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Produce it as at this date (YYYY-MM-DD, on or after the exit); default today.",
)
@_LANGUAGE
def exit_report(
    use_case_id: int, out: Path, proof: bool, as_at: datetime | None, language: str
) -> None:
    """Issue the exit report of a use case in production or discontinued (with --proof, the
    written proof of its activities in the sandbox) and write it to --out."""
    _issue(ReportKind.EXIT_PROOF if proof else ReportKind.EXIT, use_case_id, out, as_at, language)


@report_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(file: Path) -> None:
    """Say whether FILE is a report the register issued, unchanged (exit 1 if not)."""
    issued = services.find_issued(file.read_bytes())
    if issued is None:
        click.echo(
            f"NOT VERIFIED: {file} matches no issued report. It was not issued by this tracker, "
            "or it has been changed since.",
            err=True,
        )
        raise SystemExit(1)
    by = issued.generated_by.name if issued.generated_by else "the command line"
    click.echo(
        f"VERIFIED: {file} is {issued.reference}, unchanged.\n"
        f"  {issued.title}\n"
        f"  as at {issued.as_at:%d %b %Y}; issued {issued.generated_at:%d %b %Y %H:%M} UTC"
        f" by {by}\n"
        f"  language {issued.language}\n"
        f"  sha256 {issued.sha256}"
    )
