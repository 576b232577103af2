"""The exit page and the public pages of published exit reports in Traditional Chinese: every
text of the product's own translated (test data aside), the key phrases in Chinese."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import World, login
from tests.exits.conftest import Exited
from tests.i18n.helpers import english_left
from tests.returns.chinese import ELSEWHERE, ZH, main
from tracker.exits import services as exit_services
from tracker.extensions import db
from tracker.reports import services
from tracker.reports.models import ReportKind

# The report buttons are translated too: nothing allowed.
REPORT_BUTTONS: tuple[str, ...] = ()
ABSTRACT = "A fraud hotline tested transcript triage; analyst hours saved beat the target."


def _post(client: FlaskClient, uc_id: int, action: str, **data: str):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    record = exit_services.publication_of(uc_id)
    data.setdefault("version", str(record.version if record else 0))
    return client.post(f"/use-cases/{uc_id}/exit/{action}", data=data)


def test_the_exit_page_and_the_public_pages_in_chinese(
    client: FlaskClient, world: World, exited: Exited
) -> None:
    uc = exited.production
    report = services.issue(ReportKind.EXIT, uc, as_at=None, user=world.reviewer)
    db.session.commit()
    data = (
        *ELSEWHERE,
        *REPORT_BUTTONS,
        uc.title,
        report.reference,
        ABSTRACT,
        world.bank.display_name,
    )
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}/exit{ZH}").get_data(as_text=True)
    assert english_left(main(page), allowed=data) == []
    assert "退出報告及書面證明" in page and "代表貴機構同意公開發布" in page
    assert _post(client, uc.id, "consent").status_code == 302
    client.post("/logout", data={})
    login(client, world.reviewer)
    client.get(f"/use-cases/{uc.id}/exit{ZH}")  # shows "signed out"
    refused = _post(client, uc.id, "publish", abstract="  ")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert english_left(main(html), allowed=(*data, world.bank_user.name)) == []
    assert "請撰寫公開頁面顯示的摘要。" in html and "代表監管機構同意公開發布" in html
    assert _post(client, uc.id, "consent").status_code == 302
    assert _post(client, uc.id, "publish", abstract=ABSTRACT).status_code == 302
    record = exit_services.publication_of(uc.id)
    assert record is not None
    client.post("/logout", data={})
    client.get(f"/published/{ZH}")  # shows "signed out"
    index = client.get("/published/").get_data(as_text=True)
    public = (*data, world.category.name)
    assert english_left(main(index), allowed=public) == []
    assert "已公開發布的退出報告" in index
    text = client.get(f"/published/{record.slug}").get_data(as_text=True)
    assert english_left(main(text), allowed=(*public, report.sha256)) == []
    assert "獲准投產" in text and "具此指紋的報告副本即為已發出的版本，未經改動。" in text
