"""Publication of an exit report: both sides' consent recorded, withdrawal before publication,
refusals with clear messages (what was typed kept), 409 on a stale version, and the public
abstract page with the verifiable report reference and nothing internal."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.exits.conftest import Exited
from tests.usecases.test_query_counts import count_queries
from tracker.exits import services as exit_services
from tracker.exits.models import ExitPublication
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind


def _version(uc_id: int) -> str:
    db.session.expire_all()
    record = exit_services.publication_of(uc_id)
    return str(record.version if record else 0)


def _post(client: FlaskClient, uc_id: int, action: str, **data: str):  # type: ignore[no-untyped-def]
    data.setdefault("version", _version(uc_id))
    return client.post(f"/use-cases/{uc_id}/exit/{action}", data=data)


def _switch(client: FlaskClient, user) -> None:  # type: ignore[no-untyped-def]
    client.post("/logout", data={})
    login(client, user)


ABSTRACT = "A fraud hotline tested transcript triage; analyst hours saved beat the target."


def test_both_sides_consent_then_the_regulator_publishes(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    report = services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
    db.session.commit()
    login(client, world.reviewer)
    assert _post(client, uc.id, "consent").status_code == 302
    refused = _post(client, uc.id, "publish", abstract=ABSTRACT)
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "The institution has not consented to publication" in body
    assert ABSTRACT in body  # what was typed is kept
    assert exit_services.publication_of(uc.id).published_at is None  # type: ignore[union-attr]
    _switch(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}/exit").get_data(as_text=True)
    assert "Consent to publication for your institution" in page
    assert "/exit/publish" not in page  # the institution does not publish
    assert _post(client, uc.id, "consent").status_code == 302
    assert _post(client, uc.id, "publish", abstract=ABSTRACT).status_code == 403
    _switch(client, world.reviewer)
    empty = _post(client, uc.id, "publish", abstract="  ")
    assert empty.status_code == 400
    assert "Write the abstract the public page shows." in empty.get_data(as_text=True)
    published = _post(client, uc.id, "publish", abstract=ABSTRACT)
    assert published.status_code == 302
    record = exit_services.publication_of(uc.id)
    assert record is not None and record.published and record.report_id == report.id
    assert record.institution_consent_by_id == world.bank_user.id
    assert record.regulator_consent_by_id == world.reviewer.id
    # Once published, consent stays.
    late = _post(client, uc.id, "withdraw")
    assert late.status_code == 400 and "already published" in late.get_data(as_text=True)
    # The public pages, signed out.
    client.post("/logout", data={})
    index = client.get("/published/").get_data(as_text=True)
    assert uc.title in index and f"/published/{record.slug}" in index
    public = client.get(f"/published/{record.slug}")
    assert public.status_code == 200
    text = public.get_data(as_text=True)
    for shown in (uc.title, world.bank.display_name, world.category.name, ABSTRACT):
        assert shown in text
    assert "Approved for production" in text
    assert report.reference in text and report.sha256 in text
    # Never internal notes, the exit fields or scores.
    for hidden in (uc.exit_conditions, uc.exit_lessons, "Score", "Regulator only"):
        assert hidden not in text
    assert client.get("/published/no-such-report").status_code == 404


def test_either_side_may_withdraw_before_publication(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
    db.session.commit()
    login(client, world.bank_user)
    assert _post(client, uc.id, "consent").status_code == 302
    again = _post(client, uc.id, "consent")
    assert again.status_code == 400 and "already consented" in again.get_data(as_text=True)
    assert _post(client, uc.id, "withdraw").status_code == 302
    record = exit_services.publication_of(uc.id)
    assert record is not None and record.institution_consent_at is None
    _switch(client, world.reviewer)
    assert _post(client, uc.id, "consent").status_code == 302
    refused = _post(client, uc.id, "publish", abstract=ABSTRACT)
    assert "The institution has not consented" in refused.get_data(as_text=True)
    assert _post(client, uc.id, "withdraw").status_code == 302
    db.session.expire_all()
    assert exit_services.publication_of(uc.id).regulator_consent_at is None  # type: ignore[union-attr]


def test_a_stale_version_is_409_and_changes_nothing(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
    db.session.commit()
    login(client, world.bank_user)
    read = _version(uc.id)
    assert _post(client, uc.id, "consent", version=read).status_code == 302
    _switch(client, world.reviewer)
    stale = _post(client, uc.id, "consent", version=read)
    assert stale.status_code == 409
    assert "changed since you read it" in stale.get_data(as_text=True)
    record = exit_services.publication_of(uc.id)
    assert record is not None and record.regulator_consent_at is None
    assert _post(client, uc.id, "consent").status_code == 302
    kept = _post(client, uc.id, "publish", abstract=ABSTRACT, version=read)
    assert kept.status_code == 409 and ABSTRACT in kept.get_data(as_text=True)
    db.session.expire_all()
    assert exit_services.publication_of(uc.id).published_at is None  # type: ignore[union-attr]


def test_no_publication_before_an_exit_report_or_an_exit(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    login(client, world.bank_user)
    assert _post(client, uc.id, "consent").status_code == 302
    _switch(client, world.reviewer)
    assert _post(client, uc.id, "consent").status_code == 302
    refused = _post(client, uc.id, "publish", abstract=ABSTRACT)
    assert "Issue the exit report before publishing it." in refused.get_data(as_text=True)
    pilot = client.get(f"/use-cases/{exited.pilot.id}/exit").get_data(as_text=True)
    assert "only for a use case approved for production or discontinued" in pilot
    stopped = _post(client, exited.pilot.id, "consent")
    assert stopped.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(ExitPublication)) == 1


def test_public_index_query_count_is_bounded(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    counts = []
    for uc in (exited.production, exited.discontinued):
        services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
        db.session.commit()
        for user in (world.bank_user, world.reviewer):
            _switch(client, user)
            assert _post(client, uc.id, "consent").status_code == 302
        assert _post(client, uc.id, "publish", abstract=ABSTRACT).status_code == 302
        client.post("/logout", data={})
        with count_queries() as statements:
            assert client.get("/published/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 3


def test_exit_page_query_count_does_not_grow(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    login(client, world.reviewer)
    counts = []
    for issued in (1, 4):
        while db.session.scalar(db.select(db.func.count()).select_from(IssuedReport)) < issued:
            services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
        db.session.commit()
        with count_queries() as statements:
            assert client.get(f"/use-cases/{uc.id}/exit").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 17, counts
