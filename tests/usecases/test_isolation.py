"""Who reaches which use-case URL. The table is written out by hand, not derived from the code.

Columns: the bank that leads the use case, a competitor bank, the named technology partner,
HKMA staff (lead regulator), IA staff (no part in the programme), an HKMA supervisor, an admin,
and an anonymous visitor. The use case is piloting, with a return, a document and messages.
POSTs are sent without content: 400 means the request passed the access checks and failed
validation; 403 and 404 mean it was stopped before.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.usecases import services
from tracker.usecases.models import Message, MilestoneStatus, Rag, Severity, Stage

USERS = ("bank", "other_bank", "partner", "reviewer", "ia", "supervisor", "admin", "anon")
WORLD_ATTR = {
    "bank": "bank_user",
    "other_bank": "other_bank_user",
    "partner": "partner_user",
    "reviewer": "reviewer",
    "ia": "ia_reviewer",
    "supervisor": "supervisor",
    "admin": "admin",
}

# method, URL template -> expected status per user, in the order of USERS.
TABLE: list[tuple[str, str, tuple[int, ...]]] = [
    ("GET", "/use-cases/{uc}", (200, 404, 200, 200, 404, 200, 200, 302)),
    ("GET", "/use-cases/{uc}/edit", (403, 404, 403, 403, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/actions/suspend", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/actions/withdraw", (200, 404, 403, 403, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/actions/no-such-action", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/{uc}/review", (403, 404, 403, 403, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/milestones/new", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/milestones/{ms}", (403, 404, 403, 200, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/returns/new", (200, 404, 403, 403, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/returns/{ret}", (200, 404, 200, 200, 404, 200, 200, 302)),
    ("POST", "/use-cases/{uc}/returns/{ret}", (403, 404, 403, 400, 404, 403, 403, 302)),
    ("GET", "/use-cases/{uc}/documents/{doc}", (200, 404, 200, 200, 404, 200, 200, 302)),
    (
        "POST",
        "/use-cases/{uc}/returns/{ret}/incidents/{inc}/resolve",
        (400, 404, 403, 400, 404, 403, 403, 302),
    ),
    ("POST", "/use-cases/{uc}/messages", (400, 404, 403, 400, 404, 403, 403, 302)),
    # A refused upload goes back to the use-case page (303) instead of answering 400.
    ("POST", "/use-cases/{uc}/documents", (303, 404, 403, 303, 404, 403, 403, 302)),
    # Another use case's return, milestone and document reached through this use case's URL.
    ("GET", "/use-cases/{uc}/returns/{other_ret}", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/{uc}/milestones/{other_ms}", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/{uc}/documents/{other_doc}", (404, 404, 404, 404, 404, 404, 404, 302)),
    ("GET", "/use-cases/queue", (403, 403, 403, 200, 200, 200, 200, 302)),
    ("GET", "/use-cases/new", (200, 200, 403, 403, 403, 403, 403, 302)),
    ("GET", "/use-cases/999999", (404, 404, 404, 404, 404, 404, 404, 302)),
]


@dataclass
class Objects:
    ids: dict[str, int]


def _pilot_with_records(world: World, institution, partners) -> dict[str, int]:  # type: ignore[no-untyped-def]
    uc = f.create_use_case(
        world.cohort, institution, world.category, stage=Stage.PILOT, partners=partners
    )
    user = world.bank_user if institution is world.bank else world.other_bank_user
    filed = services.file_return(
        uc,
        user,
        services.ReturnData(
            period_start=uc.pilot_started_on,
            period_end=uc.pilot_started_on,
            rag=Rag.GREEN,
            narrative="On track.",
            attested_by_name="A. Manager",
            attested_by_title="CRO",
            kpi_values=tuple((kpi, "1") for kpi in uc.kpi_list),
            incidents=(
                services.IncidentData(
                    "Wrong answer shown", Severity.LOW, "", "", occurred_on=uc.pilot_started_on
                ),
            ),
        ),
    )
    doc = services.add_document(uc, user, "plan.pdf", b"%PDF-1.4\n%minimal\n")
    ms = services.save_milestone(
        uc,
        None,
        user=world.reviewer,
        title="Go live",
        planned_on=uc.pilot_started_on,
        actual_on=None,
        status=MilestoneStatus.PLANNED,
    )
    services.post_message(uc, world.reviewer, "Internal: watch the false-positive rate.", True)
    db.session.flush()
    inc = filed.incidents[0].id
    return {"uc": uc.id, "ret": filed.id, "doc": doc.id, "ms": ms.id, "inc": inc}


@pytest.fixture
def objects(world: World) -> Objects:
    own = _pilot_with_records(world, world.bank, [world.partner])
    other = _pilot_with_records(world, world.other_bank, [])
    db.session.commit()
    return Objects(
        {**own, "other_ret": other["ret"], "other_doc": other["doc"], "other_ms": other["ms"]}
    )


@pytest.mark.parametrize(("method", "template", "expected"), TABLE)
def test_access_table(app, world: World, objects: Objects, method, template, expected):
    url = template.format(**objects.ids)
    for who, status in zip(USERS, expected, strict=True):
        client = app.test_client()
        if who != "anon":
            login(client, getattr(world, WORLD_ATTR[who]))
        response = client.open(url, method=method, data={})
        assert response.status_code == status, f"{who} {method} {url}"


def test_competitor_sees_nothing_of_the_other_bank(client, world: World, objects: Objects):
    """Lion Rock Bank's user gets 404 on every URL of Harbour Bank's use case and records."""
    login(client, world.other_bank_user)
    ids = objects.ids
    for url in (
        f"/use-cases/{ids['uc']}",
        f"/use-cases/{ids['uc']}/returns/{ids['ret']}",
        f"/use-cases/{ids['uc']}/documents/{ids['doc']}",
        f"/use-cases/{ids['uc']}/edit",
        f"/use-cases/{ids['uc']}/actions/withdraw",
        f"/use-cases/{ids['uc']}/returns/new",
    ):
        assert client.get(url).status_code == 404, url


def test_institution_users_never_see_internal_messages(client, world: World, objects: Objects):
    uc = objects.ids["uc"]
    login(client, world.reviewer)
    client.post(
        f"/use-cases/{uc}/messages",
        data={"body": "Please send the model card.", "internal": "institution"},
    )
    page = client.get(f"/use-cases/{uc}").get_data(as_text=True)
    assert "Internal: watch the false-positive rate." in page
    client.post("/logout", data={})
    for user in (world.bank_user, world.partner_user):
        login(client, user)
        page = client.get(f"/use-cases/{uc}").get_data(as_text=True)
        assert "Please send the model card." in page
        assert "watch the false-positive rate" not in page
        assert "Internal to the regulator" not in page and "Internal note" not in page
        client.post("/logout", data={})


def test_institution_user_cannot_mark_a_message_internal(client, world: World, objects: Objects):
    uc = objects.ids["uc"]
    login(client, world.bank_user)
    for marked in ("y", "internal"):
        body = f"Hello regulator ({marked})"
        client.post(f"/use-cases/{uc}/messages", data={"body": body, "internal": marked})
        message = db.session.query(Message).filter_by(body=body).one()
        assert message.internal is False


def test_a_draft_is_the_institutions_own_until_submitted(client, world: World):
    draft = f.create_use_case(world.cohort, world.bank, world.category, title="Quiet draft")
    db.session.commit()
    login(client, world.reviewer)
    assert client.get(f"/use-cases/{draft.id}").status_code == 404
    assert "Quiet draft" not in client.get("/use-cases/").get_data(as_text=True)
    assert "Quiet draft" not in client.get("/board").get_data(as_text=True)
    client.post("/logout", data={})
    login(client, world.bank_user)
    version = db.session.get(type(draft), draft.id).version  # type: ignore[union-attr]
    response = client.post(
        f"/use-cases/{draft.id}/actions/submit", data={"version": version, "reason": ""}
    )
    assert response.status_code == 302
    client.post("/logout", data={})
    login(client, world.reviewer)
    assert client.get(f"/use-cases/{draft.id}").status_code == 200


def test_a_named_partner_does_not_see_the_lead_institutions_draft(client, world: World):
    draft = f.create_use_case(
        world.cohort, world.bank, world.category, title="Partnered draft", partners=[world.partner]
    )
    db.session.commit()
    login(client, world.partner_user)
    assert client.get(f"/use-cases/{draft.id}").status_code == 404
    assert "Partnered draft" not in client.get("/use-cases/").get_data(as_text=True)


def test_reports_never_carry_a_draft_outside_its_institution(client, world: World):
    from tracker.reports import services as reports
    from tracker.reports.models import ReportKind

    draft = f.create_use_case(world.cohort, world.bank, world.category, title="Secret draft")
    withdrawn = f.create_use_case(world.cohort, world.bank, world.category, title="Never sent")
    withdrawn.stage = Stage.WITHDRAWN  # withdrawn straight from draft: never submitted
    db.session.commit()
    own = reports.issue(ReportKind.USE_CASE, draft, as_at=None, user=world.bank_user)
    db.session.commit()
    login(client, world.supervisor)
    assert client.get(f"/reports/use-case/{draft.id}").status_code == 404
    assert client.get(f"/reports/{own.id}/download").status_code == 404
    assert own.reference not in client.get("/reports/").get_data(as_text=True)
    from tracker.reports import data

    cohort = data.cohort_report(world.cohort, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    titles = {v.title for v in cohort.use_cases}
    assert "Secret draft" not in titles and "Never sent" not in titles
    assert cohort.summary.total == 0
    client.post("/logout", data={})
    login(client, world.admin)
    assert client.get(f"/reports/{own.id}/download").status_code == 404
    client.post("/logout", data={})
    login(client, world.bank_user)
    assert client.get(f"/reports/{own.id}/download").status_code == 200
