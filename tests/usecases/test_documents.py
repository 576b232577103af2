"""Documents: type checked by content, names sanitised, size bounded, access by use case."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.usecases.models import Document, Stage
from tracker.usecases.services import UploadError, add_document, sanitise_filename

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def use_case(world: World):  # type: ignore[no-untyped-def]
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    return uc


@pytest.mark.parametrize(
    ("name", "content", "stored_as", "content_type"),
    [
        ("plan.pdf", PDF, "plan.pdf", "application/pdf"),
        ("diagram.PNG", PNG, "diagram.png", "image/png"),
        (
            "模型說明.docx",
            _docx(),
            "模型說明.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("../../etc/passwd.pdf", PDF, "passwd.pdf", "application/pdf"),
        ('a<b>:"c|?*.pdf', PDF, "a_b_c.pdf", "application/pdf"),
    ],
)
def test_accepted_uploads(world: World, use_case, name, content, stored_as, content_type):
    doc = add_document(use_case, world.bank_user, name, content)
    assert (doc.filename, doc.content_type, doc.size) == (stored_as, content_type, len(content))
    assert len(doc.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "Only PDF, Word, Excel and image files"),
        ("report.png", PDF, "content is PDF"),
        ("report", PDF, "content is PDF"),
        ("empty.pdf", b"", "empty"),
        ("page.html", b"<html><script>alert(1)</script></html>", "Only PDF"),
    ],
)
def test_refused_uploads(world: World, use_case, name, content, message):
    with pytest.raises(UploadError, match=message):
        add_document(use_case, world.bank_user, name, content)


def test_size_limit(app, world: World, use_case):
    app.config["TRACKER_MAX_UPLOAD_BYTES"] = 1024
    try:
        with pytest.raises(UploadError, match="larger than"):
            add_document(use_case, world.bank_user, "big.pdf", PDF + b"0" * 2000)
    finally:
        app.config["TRACKER_MAX_UPLOAD_BYTES"] = 20 * 1024 * 1024


def test_sanitise_keeps_chinese_and_drops_paths():
    assert sanitise_filename("C:\\Users\\x\\報告.pdf", "pdf") == "報告.pdf"
    assert sanitise_filename("...", "pdf") == "document.pdf"
    assert len(sanitise_filename("a" * 400 + ".pdf", "pdf")) == 154


def test_upload_and_download_through_the_web(client, world: World, use_case):
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{use_case.id}/documents",
        data={"file": (io.BytesIO(PDF), "proposal deck.pdf"), "description": "Deck"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    doc = db.session.query(Document).one()
    response = client.get(f"/use-cases/{use_case.id}/documents/{doc.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]


def test_refused_upload_is_explained_beside_the_field(client, world: World, use_case):
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{use_case.id}/documents",
        data={"file": (io.BytesIO(b"MZ\x90\x00 executable"), "tool.pdf"), "description": "Kept"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/use-cases/{use_case.id}#documents")
    page = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert "Only PDF, Word, Excel and image files" in page
    assert 'value="Kept"' in page
    assert db.session.query(Document).count() == 0
