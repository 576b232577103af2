"""A refused or oversized upload returns to the use-case page: the address bar never holds the
POST-only upload URL, and what the user typed is kept where it can be."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tracker.extensions import db
from tracker.usecases.models import Document, Stage, UseCase

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def use_case(world: World) -> UseCase:
    uc = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    return uc


def _upload(client: FlaskClient, use_case: UseCase, **data: object) -> object:
    return client.post(
        f"/use-cases/{use_case.id}/documents", data=data, content_type="multipart/form-data"
    )


def test_a_refused_upload_redirects_to_the_use_case_and_keeps_the_description(
    client: FlaskClient, world: World, use_case: UseCase
) -> None:
    login(client, world.bank_user)
    response = _upload(client, use_case, description="Board minutes, March")
    assert response.status_code == 303  # See Other: a reload fetches the page, never re-posts
    assert response.headers["Location"] == f"/use-cases/{use_case.id}#documents"

    page = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert 'id="file-error"' in page and "Choose a file to upload." in page
    assert 'value="Board minutes, March"' in page
    assert '<a class="alert-link" href="#file">File: Choose a file to upload.</a>' in page
    # Shown once: the next visit starts from an empty form.
    again = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert "Board minutes, March" not in again and 'id="file-error"' not in again


def test_what_a_refused_upload_kept_stays_with_its_use_case(
    client: FlaskClient, world: World, use_case: UseCase
) -> None:
    other = f.create_use_case(world.cohort, world.bank, world.category, stage=Stage.SUBMITTED)
    db.session.commit()
    login(client, world.bank_user)
    _upload(client, use_case, description="For the first case only")
    page = client.get(f"/use-cases/{other.id}").get_data(as_text=True)
    assert "For the first case only" not in page and 'id="file-error"' not in page


@pytest.fixture
def small_limit(app: Flask) -> Iterator[None]:
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    yield
    app.config["MAX_CONTENT_LENGTH"] = saved


def test_an_upload_over_the_limit_returns_to_the_documents_with_the_limit_explained(
    client: FlaskClient, world: World, use_case: UseCase, small_limit: None
) -> None:
    login(client, world.bank_user)
    response = _upload(client, use_case, file=(io.BytesIO(PDF + b"0" * 4096), "big.pdf"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/use-cases/{use_case.id}#documents"
    page = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert "The document was not uploaded: files can be up to 20 MB." in page
    assert 'id="file-error"' in page and "The file is larger than 20 MB." in page
    assert db.session.query(Document).count() == 0


def test_other_requests_over_the_limit_still_get_the_error_page(
    client: FlaskClient, world: World, use_case: UseCase, small_limit: None
) -> None:
    login(client, world.reviewer)
    response = client.post(f"/use-cases/{use_case.id}/messages", data={"body": "x" * 4096})
    assert response.status_code == 413
    assert "Uploads are limited to 20 MB." in response.get_data(as_text=True)


def test_the_file_field_carries_the_limit_for_the_page_to_check(
    client: FlaskClient, world: World, use_case: UseCase
) -> None:
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{use_case.id}").get_data(as_text=True)
    assert f'data-max-bytes="{20 * 1024 * 1024}"' in page
