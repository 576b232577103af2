"""The links of lists and boards to a use case are the addresses ``url_for`` builds, under any
script root, with the address worked out once per request."""

from __future__ import annotations

import pytest
from flask import Flask, request, url_for

from tracker.web import MAX_ID, use_case_url

IDS = [1, 7, 42, 2024, 123456, MAX_ID - 1, MAX_ID]


@pytest.mark.parametrize("root", ["", "/tracker", "/sandbox/2147483647x"])
def test_a_link_is_the_address_url_for_builds(app: Flask, root: str) -> None:
    with app.test_request_context("/", base_url=f"http://localhost{root}"):
        for use_case_id in IDS:
            assert use_case_url(use_case_id) == url_for("usecases.detail", id=use_case_id)
        assert use_case_url(42).startswith(f"{root}/use-cases/")


def test_each_request_builds_its_own_address(app: Flask) -> None:
    with app.test_request_context("/", base_url="http://localhost/one"):
        assert use_case_url(5) == "/one/use-cases/5"
        assert request._use_case_url == ("/one/use-cases/", "")  # type: ignore[attr-defined]
    with app.test_request_context("/", base_url="http://localhost/two"):
        assert use_case_url(5) == "/two/use-cases/5"


def test_outside_a_request_it_is_url_for(app: Flask) -> None:
    app.config["SERVER_NAME"] = "tracker.example"
    with app.app_context():
        assert (
            use_case_url(3)
            == url_for("usecases.detail", id=3)
            == "http://tracker.example/use-cases/3"
        )


def test_the_templates_link_through_it(app: Flask) -> None:
    with app.test_request_context("/"):
        html = app.jinja_env.from_string(
            '{% from "_macros/ui.html" import title_link %}{{ title_link(uc, "#returns") }}'
        ).render(uc={"id": 9, "title": "Fraud <model>"})
    assert 'href="/use-cases/9#returns"' in html
    assert "Fraud &lt;model&gt;" in html
