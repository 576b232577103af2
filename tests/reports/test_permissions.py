"""Who may issue which report, and who sees which issued report. Literal tables."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.institutions.models import Institution, InstitutionKind
from tracker.programmes.models import Cohort, Programme
from tracker.reports import services
from tracker.reports.models import IssuedReport, ReportKind
from tracker.usecases.models import Stage, UseCase


@dataclass
class Subjects:
    cohort: Cohort  # HKMA-led programme, SFC taking part
    other_cohort: Cohort  # IA programme
    programme: Programme
    other_programme: Programme
    bank: Institution  # HKMA-supervised, a use case in the HKMA programme
    other_bank: Institution  # HKMA-supervised
    insurer: Institution  # IA-supervised, a use case in the IA programme
    partner: Institution
    bank_case: UseCase  # led by bank, partner named
    other_bank_case: UseCase
    insurer_case: UseCase
    bank_exit: UseCase  # led by bank, approved for production, partner named


@pytest.fixture
def subjects(world: World) -> Subjects:
    w = world
    insurer = f.create_institution(w.ia, InstitutionKind.INSURER, name="Victoria Insurance")
    s = Subjects(
        cohort=w.cohort,
        other_cohort=w.other_cohort,
        programme=w.programme,
        other_programme=w.other_programme,
        bank=w.bank,
        other_bank=w.other_bank,
        insurer=insurer,
        partner=w.partner,
        bank_case=f.create_use_case(
            w.cohort, w.bank, w.category, stage=Stage.SUBMITTED, partners=[w.partner]
        ),
        other_bank_case=f.create_use_case(
            w.cohort, w.other_bank, w.category, stage=Stage.SUBMITTED
        ),
        insurer_case=f.create_use_case(w.other_cohort, insurer, w.category, stage=Stage.PILOT),
        bank_exit=f.create_use_case(
            w.cohort, w.bank, w.category, stage=Stage.PRODUCTION, partners=[w.partner]
        ),
    )
    db.session.commit()
    return s


URL = {
    "cohort": ("cohort", "cohort"),
    "other_cohort": ("cohort", "other_cohort"),
    "programme": ("programme", "programme"),
    "other_programme": ("programme", "other_programme"),
    "bank": ("institution", "bank"),
    "other_bank": ("institution", "other_bank"),
    "insurer": ("institution", "insurer"),
    "partner": ("institution", "partner"),
    "bank_case": ("use-case", "bank_case"),
    "other_bank_case": ("use-case", "other_bank_case"),
    "insurer_case": ("use-case", "insurer_case"),
    "bank_exit": ("exit", "bank_exit"),
    "bank_exit_proof": ("exit-proof", "bank_exit"),
}

# user, subject -> status of POST /reports/<kind>/<id> (302: asked for, on to its progress page)
GENERATE = [
    ("admin", "cohort", 302),
    ("admin", "other_cohort", 302),
    ("admin", "programme", 302),
    ("admin", "other_programme", 302),
    ("admin", "insurer", 302),
    ("admin", "insurer_case", 302),
    ("supervisor", "cohort", 302),
    ("supervisor", "other_cohort", 404),
    ("supervisor", "programme", 302),
    ("supervisor", "other_programme", 404),
    ("supervisor", "bank", 302),
    ("supervisor", "other_bank", 302),
    ("supervisor", "insurer", 404),  # an institution they may not know of (issue 9.2)
    ("supervisor", "bank_case", 302),
    ("supervisor", "insurer_case", 404),
    ("reviewer", "cohort", 302),
    ("reviewer", "other_cohort", 404),
    ("reviewer", "programme", 302),
    ("reviewer", "bank", 302),
    ("reviewer", "insurer", 404),  # an institution they may not know of (issue 9.2)
    ("reviewer", "bank_case", 302),
    ("reviewer", "insurer_case", 404),
    ("sfc_reviewer", "cohort", 302),
    ("sfc_reviewer", "programme", 302),
    ("sfc_reviewer", "bank", 302),
    ("sfc_reviewer", "other_bank", 302),
    ("sfc_reviewer", "insurer", 404),  # an institution they may not know of (issue 9.2)
    ("sfc_reviewer", "bank_case", 302),
    ("ia_reviewer", "cohort", 404),
    ("ia_reviewer", "other_cohort", 302),
    ("ia_reviewer", "programme", 404),
    ("ia_reviewer", "other_programme", 302),
    ("ia_reviewer", "bank", 404),  # an institution they may not know of (issue 9.2)
    ("ia_reviewer", "insurer", 302),
    ("ia_reviewer", "bank_case", 404),
    ("ia_reviewer", "insurer_case", 302),
    ("bank_user", "cohort", 404),
    ("bank_user", "programme", 404),
    ("bank_user", "bank", 302),
    ("bank_user", "other_bank", 404),
    ("bank_user", "insurer", 404),
    ("bank_user", "bank_case", 302),
    ("bank_user", "other_bank_case", 404),
    ("other_bank_user", "bank", 404),
    ("other_bank_user", "other_bank", 302),
    ("other_bank_user", "bank_case", 404),
    ("other_bank_user", "other_bank_case", 302),
    ("partner_user", "partner", 302),
    ("partner_user", "bank", 404),
    ("partner_user", "bank_case", 403),
    ("partner_user", "cohort", 404),
    # Exit reports and written proof: the institution, the programme's regulators, supervisors.
    ("admin", "bank_exit", 302),
    ("supervisor", "bank_exit", 302),
    ("reviewer", "bank_exit", 302),
    ("reviewer", "bank_exit_proof", 302),
    ("sfc_reviewer", "bank_exit", 302),
    ("ia_reviewer", "bank_exit", 404),
    ("bank_user", "bank_exit", 302),
    ("bank_user", "bank_exit_proof", 302),
    ("other_bank_user", "bank_exit", 404),
    ("other_bank_user", "bank_exit_proof", 404),
    ("partner_user", "bank_exit", 403),
    ("partner_user", "bank_exit_proof", 403),
]


@pytest.mark.parametrize(("user", "subject", "status"), GENERATE)
def test_who_may_issue(
    client: FlaskClient, world: World, subjects: Subjects, user: str, subject: str, status: int
) -> None:
    slug, attribute = URL[subject]
    target = getattr(subjects, attribute)
    login(client, getattr(world, user))
    response = client.post(f"/reports/{slug}/{target.id}", data={})
    assert response.status_code == status
    issued = db.session.scalars(db.select(IssuedReport)).all()
    assert len(issued) == (1 if status == 302 else 0)


def test_missing_subject_is_404(client: FlaskClient, world: World) -> None:
    login(client, world.admin)
    assert client.post("/reports/cohort/999999").status_code == 404
    assert client.post("/reports/lemon/1").status_code == 404


def test_forms_require_csrf(app, world: World, subjects: Subjects) -> None:  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        from tests.conftest import csrf_token

        client.post(
            "/login",
            data={
                "email": world.supervisor.email,
                "password": f.PASSWORD,
                "csrf_token": csrf_token(login_page),
            },
        )
        response = client.post(f"/reports/cohort/{subjects.cohort.id}", data={})
        assert response.status_code == 400
        form = client.get(f"/reports/cohort/{subjects.cohort.id}").get_data(as_text=True)
        ok = client.post(
            f"/reports/cohort/{subjects.cohort.id}", data={"csrf_token": csrf_token(form)}
        )
        assert ok.status_code == 302 and "/reports/requests/" in ok.headers["Location"]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# Reports issued by: (name, kind, subject, issuer)
ISSUED = [
    ("hkma_cohort_by_admin", ReportKind.COHORT, "cohort", "admin"),
    ("bank_by_admin", ReportKind.INSTITUTION, "bank", "admin"),
    ("bank_by_supervisor", ReportKind.INSTITUTION, "bank", "supervisor"),
    ("bank_case_by_bank", ReportKind.USE_CASE, "bank_case", "bank_user"),
    ("bank_by_bank", ReportKind.INSTITUTION, "bank", "bank_user"),
    ("ia_cohort_by_ia", ReportKind.COHORT, "other_cohort", "ia_reviewer"),
    ("bank_exit_by_reviewer", ReportKind.EXIT, "bank_exit", "reviewer"),
    ("bank_proof_by_reviewer", ReportKind.EXIT_PROOF, "bank_exit", "reviewer"),
]
EXITS = {"bank_exit_by_reviewer", "bank_proof_by_reviewer"}

# viewer -> the issued reports they may list and download
SEES = {
    "admin": {
        "hkma_cohort_by_admin",
        "bank_by_admin",
        "bank_by_supervisor",
        "bank_case_by_bank",
        "bank_by_bank",
        "ia_cohort_by_ia",
        *EXITS,
    },
    "supervisor": {"hkma_cohort_by_admin", "bank_by_supervisor", "bank_case_by_bank", *EXITS},
    "reviewer": {"hkma_cohort_by_admin", "bank_by_supervisor", "bank_case_by_bank", *EXITS},
    "sfc_reviewer": {"hkma_cohort_by_admin", "bank_case_by_bank", *EXITS},
    "ia_reviewer": {"ia_cohort_by_ia"},
    # Exit PDFs of its own use cases, whoever issued them.
    "bank_user": {"bank_case_by_bank", "bank_by_bank", *EXITS},
    "other_bank_user": set(),
    "partner_user": set(),
}


@pytest.mark.parametrize("viewer", list(SEES))
def test_who_sees_issued_reports(
    client: FlaskClient, world: World, subjects: Subjects, viewer: str
) -> None:
    ids = {}
    for name, kind, subject, issuer in ISSUED:
        report = services.issue(
            kind, getattr(subjects, subject), as_at=None, user=getattr(world, issuer)
        )
        ids[name] = report
    db.session.commit()
    login(client, getattr(world, viewer))
    listing = client.get("/reports/").get_data(as_text=True)
    for name, report in ids.items():
        expected = name in SEES[viewer]
        assert (report.reference in listing) is expected, name
        status = client.get(f"/reports/{report.id}/download").status_code
        assert status == (200 if expected else 404), name


def test_report_button_macro(client: FlaskClient, world: World, subjects: Subjects) -> None:
    from flask import render_template_string

    template = (
        '{% from "reports/_download.html" import report_button %}'
        "{{ report_button('cohort', cohort_id) }}|{{ report_button('use-case', case_id) }}"
    )
    login(client, world.bank_user)
    with client.application.test_request_context():
        from flask_login import login_user

        login_user(world.bank_user)
        html = render_template_string(
            template, cohort_id=subjects.cohort.id, case_id=subjects.bank_case.id
        )
        cohort_part, case_part = html.split("|")
        assert cohort_part.strip() == ""
        assert f'action="/reports/use-case/{subjects.bank_case.id}"' in case_part
        assert 'name="csrf_token"' in case_part
        assert 'name="as_at"' in case_part and "<label" in case_part
        login_user(world.supervisor)
        html = render_template_string(
            template, cohort_id=subjects.cohort.id, case_id=subjects.bank_case.id
        )
        assert f'action="/reports/cohort/{subjects.cohort.id}"' in html


def test_institution_reports_stay_with_the_remit_they_were_issued_for(
    client: FlaskClient, world: World, subjects: Subjects
) -> None:
    report = services.issue(
        ReportKind.INSTITUTION, subjects.bank, as_at=None, user=world.supervisor
    )
    # The issuer later moves from the HKMA to the SFC.
    world.supervisor.regulator_id = world.sfc.id
    db.session.commit()
    login(client, world.sfc_reviewer)
    assert client.get(f"/reports/{report.id}/download").status_code == 404
    client.post("/logout", data={})
    login(client, world.reviewer)
    assert client.get(f"/reports/{report.id}/download").status_code == 200
