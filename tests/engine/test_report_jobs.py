"""Reports produced by the job: registered once whatever happens to the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db, utcnow
from tracker.reports import jobs, services
from tracker.reports.models import IssuedReport, ReportKind, ReportRequest, RequestStatus
from tracker.unit_of_work import unit_of_work
from tracker.usecases import services as usecase_services
from tracker.usecases.models import Stage, UseCase
from tracker.usecases.workflow import BY_NAME


def _count_issued() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IssuedReport)) or 0


def _ask(world: World) -> int:
    with unit_of_work():
        request = services.request_system_report(ReportKind.COHORT, world.cohort, None)
    return request.id


def test_a_request_is_produced_once_however_often_the_job_runs(world: World) -> None:
    f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    request_id = _ask(world)
    assert jobs.produce(request_id) is True
    assert jobs.produce(request_id) is False
    assert _count_issued() == 1
    request = db.session.get(ReportRequest, request_id)
    assert request is not None and request.status is RequestStatus.DONE
    assert request.issued_report is not None
    assert request.issued_report.reference == services.reference_for(
        request_id, request.issued_report.generated_at.year
    )


def test_a_request_left_running_by_a_dead_worker_is_taken_up_again(app, world: World) -> None:  # type: ignore[no-untyped-def]
    request_id = _ask(world)
    # What a worker killed mid-way leaves: running, one attempt, no heartbeat for a while.
    stale = utcnow() - timedelta(seconds=app.config["TRACKER_JOB_STALE_SECONDS"] + 5)
    db.session.execute(
        sa.update(ReportRequest)
        .where(ReportRequest.id == request_id)
        .values(status=RequestStatus.RUNNING, attempts=1, heartbeat_at=stale)
    )
    db.session.commit()
    # A live worker's request is not taken from it...
    fresh = _ask(world)
    db.session.execute(
        sa.update(ReportRequest)
        .where(ReportRequest.id == fresh)
        .values(status=RequestStatus.RUNNING, attempts=1, heartbeat_at=utcnow())
    )
    db.session.commit()
    assert jobs.produce(fresh) is False
    # ...but the dead one's is.
    jobs.sweep_report_requests()
    db.session.expire_all()
    assert db.session.get(ReportRequest, request_id).status is RequestStatus.DONE
    assert db.session.get(ReportRequest, fresh).status is RequestStatus.RUNNING
    assert _count_issued() == 1


def test_a_request_that_keeps_failing_ends_as_failed(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    request_id = _ask(world)

    def broken(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(services, "render", broken)
    for _attempt in range(jobs.MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            jobs.produce(request_id)
        db.session.expire_all()
        assert db.session.get(ReportRequest, request_id).status is RequestStatus.QUEUED
    assert jobs.produce(request_id) is False
    db.session.expire_all()
    request = db.session.get(ReportRequest, request_id)
    assert request.status is RequestStatus.FAILED
    # People are told it failed and what to do; the exception's text goes to the log only.
    assert "could not be produced" in request.error
    assert "renderer crashed" not in request.error
    assert _count_issued() == 0


def test_the_web_request_answers_with_a_progress_page_then_the_pdf(
    app, client: FlaskClient, world: World
) -> None:  # type: ignore[no-untyped-def]
    login(client, world.supervisor)
    asked = client.post(f"/reports/cohort/{world.cohort.id}", data={})
    assert asked.status_code == 302
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    issued = db.session.scalars(sa.select(IssuedReport)).one()
    assert issued.reference in page
    status = client.get(asked.headers["Location"] + "/status").get_json()
    assert status["status"] == "done"
    assert status["download"] == f"/reports/{issued.id}/download"
    # Nobody else may follow the request, not even a colleague.
    colleague = app.test_client()
    login(colleague, world.reviewer)
    assert colleague.get(asked.headers["Location"]).status_code == 404
    assert colleague.get(asked.headers["Location"] + "/status").status_code == 404


def test_a_report_on_a_draft_stays_the_institutions_after_submission(
    app, client: FlaskClient, world: World
) -> None:  # type: ignore[no-untyped-def]
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.DRAFT)
    db.session.commit()
    login(client, world.bank_user)
    assert client.post(f"/reports/use-case/{uc.id}", data={}).status_code == 302
    report = db.session.scalars(sa.select(IssuedReport)).one()
    assert report.on_draft
    with unit_of_work():
        submitted = db.session.get(UseCase, uc.id)
        usecase_services.apply_transition(
            submitted, BY_NAME["submit"], world.bank_user, submitted.version
        )
    for outsider in (world.reviewer, world.supervisor, world.admin):
        other = app.test_client()
        login(other, outsider)
        assert report.reference not in other.get("/reports/").get_data(as_text=True)
        assert other.get(f"/reports/{report.id}/download").status_code == 404
    assert client.get(f"/reports/{report.id}/download").status_code == 200
