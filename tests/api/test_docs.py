"""The API's documentation: the OpenAPI 3.1 document, the reference page on vendored assets with
no inline script, and the data dictionary of returns and incidents."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_the_openapi_document_is_3_1_and_documents_every_operation(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 25
    for path, method, op in operations:
        assert op.get("summary"), (method, path)
        assert "default" in op["responses"], (method, path)
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if method == "post":
            assert "Idempotency-Key" in headers, path
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert "/api/v1/use-cases/{id}/transitions/{name}" in spec["paths"]
    assert all("unrouted" not in path and "{rest}" not in path for path in spec["paths"])


def test_the_reference_page_loads_only_vendored_scripts(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "no script"
    for attributes, body in scripts:
        assert body.strip() == "", "inline script"
        source = re.search(r'src="([^"]+)"', attributes).group(1)
        assert source.startswith("/static/vendor/redoc/")
        assert (ROOT / source.lstrip("/")).is_file()
    assert "https://" not in html.replace("https://www.rfc-editor.org", "")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-eval" not in policy
    assert 'spec-url="/api/v1/openapi.json"' in html
    assert (ROOT / "static/vendor/redoc/LICENSE").is_file()


def test_the_data_dictionary_explains_returns_incidents_and_problems(client):
    response = client.get("/api/docs/data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for needle in (
        'id="returns"',
        'id="incidents"',
        "<code>kpi_values</code>",
        "<code>attested</code>",
        "<code>critical</code> (Critical)",
        "<code>amber</code> (Amber)",
        'id="problem-rule"',
        'id="problem-conflict"',
        "<code>start_pilot</code>",
    ):
        assert needle in html, needle
