# ruff: noqa: E501  (the table reads one route to a line)
"""Who may open which page: the external expert against every route of the application (found
by iterating ``app.url_map``, so a route added later without a row here fails the test), and
every role against the committee's own pages. Literal tables of route → status."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.committee.conftest import Panel
from tests.conftest import login
from tracker.api.models import ApiToken, TokenScope
from tracker.api.tokens import hash_secret
from tracker.extensions import db

# (method, rule) -> (URL, status for the signed-in external expert). The expert sits on the
# cohort's committee and is assigned {uc} (no conflict declared: {assignment}) and {uc2} (not
# yet declared: {pending}); {other} is a colleague's assignment. Even the assigned proposal is
# 404 on every use-case page: an expert sees it on the committee's pages only.
# fmt: off
EXPERT: dict[tuple[str, str], tuple[str, int]] = {
    ("GET", "/static/<path:filename>"): ("/static/css/app.css", 200),
    ("GET", "/"): ("/", 302),
    ("GET", "/healthz"): ("/healthz", 200),
    ("GET", "/login"): ("/login", 302),
    ("POST", "/login"): ("/login", 302),
    ("POST", "/logout"): ("/logout", 302),
    ("POST", "/language"): ("/language", 303),
    # An empty form is refused with its error beside the field, on the account page.
    ("POST", "/account/language"): ("/account/language", 400),
    ("GET", "/account"): ("/account", 200),
    ("POST", "/account"): ("/account", 200),
    # The committee's pages: what is assigned, and nothing else.
    ("GET", "/committee/reviews"): ("/committee/reviews", 200),
    ("GET", "/committee/assignments/<int:id>/declare"): ("/committee/assignments/{pending}/declare", 200),
    ("POST", "/committee/assignments/<int:id>/declare"): ("/committee/assignments/{other}/declare", 404),
    ("GET", "/committee/assignments/<int:id>"): ("/committee/assignments/{assignment}", 200),
    ("POST", "/committee/assignments/<int:id>"): ("/committee/assignments/{other}", 404),
    ("GET", "/committee/use-cases/<int:id>/determination"): ("/committee/use-cases/{uc}/determination", 404),
    ("POST", "/committee/use-cases/<int:id>/determination"): ("/committee/use-cases/{uc}/determination", 404),
    ("GET", "/committee/cohorts/<int:id>"): ("/committee/cohorts/{cohort}", 404),
    ("GET", "/committee/cohorts/<int:id>/setup"): ("/committee/cohorts/{cohort}/setup", 404),
    ("POST", "/committee/cohorts/<int:id>/setup"): ("/committee/cohorts/{cohort}/setup", 404),
    ("GET", "/committee/cohorts/<int:id>/criteria"): ("/committee/cohorts/{cohort}/criteria", 404),
    ("POST", "/committee/cohorts/<int:id>/criteria"): ("/committee/cohorts/{cohort}/criteria", 404),
    ("GET", "/committee/cohorts/<int:id>/assign"): ("/committee/cohorts/{cohort}/assign", 404),
    ("POST", "/committee/cohorts/<int:id>/assign"): ("/committee/cohorts/{cohort}/assign", 404),
    ("POST", "/committee/cohorts/<int:id>/spread"): ("/committee/cohorts/{cohort}/spread", 404),
    ("POST", "/committee/cohorts/<int:id>/slate"): ("/committee/cohorts/{cohort}/slate", 404),
    # Notifications: their own only.
    ("GET", "/notifications/"): ("/notifications/", 200),
    ("POST", "/notifications/read-all"): ("/notifications/read-all", 302),
    ("POST", "/notifications/<int:notification_id>/read"): ("/notifications/999/read", 404),
    ("GET", "/notifications/preferences"): ("/notifications/preferences", 200),
    ("POST", "/notifications/preferences"): ("/notifications/preferences", 200),
    ("GET", "/notifications/unsubscribe/<token>"): ("/notifications/unsubscribe/nonsense", 404),
    ("POST", "/notifications/unsubscribe/<token>"): ("/notifications/unsubscribe/nonsense", 404),
    ("GET", "/notifications/outbox"): ("/notifications/outbox", 403),
    ("GET", "/notifications/outbox/<int:mail_id>"): ("/notifications/outbox/1", 404),
    ("GET", "/notifications/who-is-told"): ("/notifications/who-is-told", 403),
    # The workspace: dashboard, lists, board, CSV, charts.
    ("GET", "/dashboard"): ("/dashboard", 302),
    ("GET", "/board"): ("/board", 403),
    ("GET", "/cohorts/"): ("/cohorts/", 403),
    ("GET", "/cohorts/<int:id>"): ("/cohorts/{cohort}", 404),
    ("GET", "/programmes/<int:id>"): ("/programmes/{programme}", 404),
    ("GET", "/institutions/"): ("/institutions/", 403),
    ("GET", "/institutions/<int:id>"): ("/institutions/{bank}", 404),
    ("GET", "/api/charts/funnel"): ("/api/charts/funnel", 403),
    ("GET", "/api/charts/stage-category"): ("/api/charts/stage-category", 403),
    # Use cases, the assigned one included.
    ("GET", "/use-cases/"): ("/use-cases/", 403),
    ("GET", "/use-cases/export.csv"): ("/use-cases/export.csv", 403),
    ("GET", "/use-cases/institutions.json"): ("/use-cases/institutions.json", 403),
    ("GET", "/use-cases/queue"): ("/use-cases/queue", 403),
    ("POST", "/use-cases/bulk"): ("/use-cases/bulk", 403),
    ("POST", "/use-cases/saved-filters"): ("/use-cases/saved-filters", 403),
    ("GET", "/use-cases/saved-filters/<int:id>"): ("/use-cases/saved-filters/1", 404),
    ("POST", "/use-cases/saved-filters/<int:id>/delete"): ("/use-cases/saved-filters/1/delete", 404),
    ("GET", "/use-cases/new"): ("/use-cases/new", 403),
    ("POST", "/use-cases/new"): ("/use-cases/new", 403),
    ("GET", "/use-cases/<int:id>"): ("/use-cases/{uc}", 404),
    ("GET", "/use-cases/<int:id>/edit"): ("/use-cases/{uc}/edit", 404),
    ("POST", "/use-cases/<int:id>/edit"): ("/use-cases/{uc}/edit", 404),
    ("GET", "/use-cases/<int:id>/actions/<name>"): ("/use-cases/{uc}/actions/select", 404),
    ("POST", "/use-cases/<int:id>/actions/<name>"): ("/use-cases/{uc}/actions/select", 404),
    ("GET", "/use-cases/<int:id>/review"): ("/use-cases/{uc}/review", 404),
    ("POST", "/use-cases/<int:id>/review"): ("/use-cases/{uc}/review", 404),
    ("GET", "/use-cases/<int:id>/milestones/new"): ("/use-cases/{uc}/milestones/new", 404),
    ("POST", "/use-cases/<int:id>/milestones/new"): ("/use-cases/{uc}/milestones/new", 404),
    ("GET", "/use-cases/<int:id>/milestones/<int:milestone_id>"): ("/use-cases/{uc}/milestones/1", 404),
    ("POST", "/use-cases/<int:id>/milestones/<int:milestone_id>"): ("/use-cases/{uc}/milestones/1", 404),
    ("GET", "/use-cases/<int:id>/returns/new"): ("/use-cases/{uc}/returns/new", 404),
    ("POST", "/use-cases/<int:id>/returns/new"): ("/use-cases/{uc}/returns/new", 404),
    ("GET", "/use-cases/<int:id>/returns/<int:return_id>"): ("/use-cases/{uc}/returns/1", 404),
    ("POST", "/use-cases/<int:id>/returns/<int:return_id>"): ("/use-cases/{uc}/returns/1", 404),
    ("POST", "/use-cases/<int:id>/returns/<int:return_id>/incidents/<int:incident_id>/resolve"): ("/use-cases/{uc}/returns/1/incidents/1/resolve", 404),
    ("POST", "/use-cases/<int:id>/documents"): ("/use-cases/{uc}/documents", 404),
    ("GET", "/use-cases/<int:id>/documents/<int:document_id>"): ("/use-cases/{uc}/documents/1", 404),
    ("POST", "/use-cases/<int:id>/messages"): ("/use-cases/{uc}/messages", 404),
    # Reports: the register, generating, progress, downloads, verification.
    ("GET", "/reports/"): ("/reports/", 403),
    ("GET", "/reports/verify"): ("/reports/verify", 403),
    ("POST", "/reports/verify"): ("/reports/verify", 403),
    ("GET", "/reports/<any(cohort, programme, institution, 'use-case', exit, 'exit-proof'):slug>/<int:subject_id>"): ("/reports/use-case/{uc}", 404),
    ("POST", "/reports/<any(cohort, programme, institution, 'use-case', exit, 'exit-proof'):slug>/<int:subject_id>"): ("/reports/exit/{uc}", 404),
    ("GET", "/reports/requests/<int:request_id>"): ("/reports/requests/1", 404),
    ("GET", "/reports/requests/<int:request_id>/status"): ("/reports/requests/1/status", 404),
    ("GET", "/reports/<int:report_id>/download"): ("/reports/1/download", 404),
    # The exit of a use case and the public pages of published exit reports.
    ("GET", "/use-cases/<int:id>/exit"): ("/use-cases/{uc}/exit", 404),
    ("POST", "/use-cases/<int:id>/exit/consent"): ("/use-cases/{uc}/exit/consent", 404),
    ("POST", "/use-cases/<int:id>/exit/withdraw"): ("/use-cases/{uc}/exit/withdraw", 404),
    ("POST", "/use-cases/<int:id>/exit/publish"): ("/use-cases/{uc}/exit/publish", 404),
    ("GET", "/published/"): ("/published/", 200),
    ("GET", "/published/<slug>"): ("/published/nothing-here", 404),
    # Administration.
    ("GET", "/admin/categories/"): ("/admin/categories/", 403),
    ("GET", "/admin/categories/new"): ("/admin/categories/new", 403),
    ("POST", "/admin/categories/new"): ("/admin/categories/new", 403),
    ("GET", "/admin/categories/<int:record_id>/edit"): ("/admin/categories/{category}/edit", 404),
    ("POST", "/admin/categories/<int:record_id>/edit"): ("/admin/categories/{category}/edit", 404),
    ("POST", "/admin/categories/<int:record_id>/<any(deactivate, reactivate):action>"): ("/admin/categories/{category}/deactivate", 404),
    ("GET", "/admin/cohorts/"): ("/admin/cohorts/", 403),
    ("GET", "/admin/cohorts/new"): ("/admin/cohorts/new", 403),
    ("POST", "/admin/cohorts/new"): ("/admin/cohorts/new", 403),
    ("GET", "/admin/cohorts/<int:record_id>/edit"): ("/admin/cohorts/{cohort}/edit", 404),
    ("POST", "/admin/cohorts/<int:record_id>/edit"): ("/admin/cohorts/{cohort}/edit", 404),
    ("POST", "/admin/cohorts/<int:record_id>/close"): ("/admin/cohorts/{cohort}/close", 404),
    ("GET", "/admin/institutions/"): ("/admin/institutions/", 403),
    ("GET", "/admin/institutions/new"): ("/admin/institutions/new", 403),
    ("POST", "/admin/institutions/new"): ("/admin/institutions/new", 403),
    ("GET", "/admin/institutions/<int:record_id>/edit"): ("/admin/institutions/{bank}/edit", 404),
    ("POST", "/admin/institutions/<int:record_id>/edit"): ("/admin/institutions/{bank}/edit", 404),
    ("POST", "/admin/institutions/<int:record_id>/<any(deactivate, reactivate):action>"): ("/admin/institutions/{bank}/deactivate", 404),
    ("GET", "/admin/programmes/"): ("/admin/programmes/", 403),
    ("GET", "/admin/programmes/new"): ("/admin/programmes/new", 403),
    ("POST", "/admin/programmes/new"): ("/admin/programmes/new", 403),
    ("GET", "/admin/programmes/<int:record_id>/edit"): ("/admin/programmes/{programme}/edit", 404),
    ("POST", "/admin/programmes/<int:record_id>/edit"): ("/admin/programmes/{programme}/edit", 404),
    ("POST", "/admin/programmes/<int:record_id>/<any(deactivate, reactivate):action>"): ("/admin/programmes/{programme}/deactivate", 404),
    ("GET", "/admin/regulators/"): ("/admin/regulators/", 403),
    ("GET", "/admin/regulators/new"): ("/admin/regulators/new", 403),
    ("POST", "/admin/regulators/new"): ("/admin/regulators/new", 403),
    ("GET", "/admin/regulators/<int:record_id>/edit"): ("/admin/regulators/1/edit", 404),
    ("POST", "/admin/regulators/<int:record_id>/edit"): ("/admin/regulators/1/edit", 404),
    ("POST", "/admin/regulators/<int:record_id>/<any(deactivate, reactivate):action>"): ("/admin/regulators/1/deactivate", 404),
    ("GET", "/admin/users/"): ("/admin/users/", 403),
    ("GET", "/admin/users/new"): ("/admin/users/new", 403),
    ("POST", "/admin/users/new"): ("/admin/users/new", 403),
    ("GET", "/admin/users/<int:record_id>/edit"): ("/admin/users/1/edit", 404),
    ("POST", "/admin/users/<int:record_id>/edit"): ("/admin/users/1/edit", 404),
    ("POST", "/admin/users/<int:record_id>/<any(deactivate, reactivate):action>"): ("/admin/users/1/deactivate", 404),
    # API tokens (none for experts) and the API's documentation.
    ("POST", "/account/api-tokens/"): ("/account/api-tokens/", 403),
    ("POST", "/account/api-tokens/<int:token_id>/revoke"): ("/account/api-tokens/1/revoke", 404),
    ("GET", "/api/docs/"): ("/api/docs/", 403),
    ("GET", "/api/docs/data"): ("/api/docs/data", 403),
    ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", 200),
    # The API itself: it reads no session cookie, and experts hold no token; its published
    # description is public.
    ("GET", "/api/v1/me"): ("/api/v1/me", 401),
    ("GET", "/api/v1/categories"): ("/api/v1/categories", 401),
    ("GET", "/api/v1/cohorts"): ("/api/v1/cohorts", 401),
    ("GET", "/api/v1/technology-partners"): ("/api/v1/technology-partners", 401),
    ("GET", "/api/v1/use-cases"): ("/api/v1/use-cases", 401),
    ("POST", "/api/v1/use-cases"): ("/api/v1/use-cases", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>"): ("/api/v1/use-cases/{uc}", 401),
    ("PATCH", "/api/v1/use-cases/<apiid:id>"): ("/api/v1/use-cases/{uc}", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/history"): ("/api/v1/use-cases/{uc}/history", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/transitions/<name>"): ("/api/v1/use-cases/{uc}/transitions/select", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/review"): ("/api/v1/use-cases/{uc}/review", 401),
    ("PUT", "/api/v1/use-cases/<apiid:id>/review"): ("/api/v1/use-cases/{uc}/review", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/milestones"): ("/api/v1/use-cases/{uc}/milestones", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/milestones"): ("/api/v1/use-cases/{uc}/milestones", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/milestones/<apiid:milestone_id>"): ("/api/v1/use-cases/{uc}/milestones/1", 401),
    ("PUT", "/api/v1/use-cases/<apiid:id>/milestones/<apiid:milestone_id>"): ("/api/v1/use-cases/{uc}/milestones/1", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/returns"): ("/api/v1/use-cases/{uc}/returns", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/returns"): ("/api/v1/use-cases/{uc}/returns", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/returns/<apiid:return_id>"): ("/api/v1/use-cases/{uc}/returns/1", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/returns/<apiid:return_id>/comments"): ("/api/v1/use-cases/{uc}/returns/1/comments", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/incidents"): ("/api/v1/use-cases/{uc}/incidents", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/incidents/<apiid:incident_id>/resolution"): ("/api/v1/use-cases/{uc}/incidents/1/resolution", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/messages"): ("/api/v1/use-cases/{uc}/messages", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/messages"): ("/api/v1/use-cases/{uc}/messages", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/documents"): ("/api/v1/use-cases/{uc}/documents", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/documents"): ("/api/v1/use-cases/{uc}/documents", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/documents/<apiid:document_id>/content"): ("/api/v1/use-cases/{uc}/documents/1/content", 401),
    ("POST", "/api/v1/reports"): ("/api/v1/reports", 401),
    ("GET", "/api/v1/reports/requests/<apiid:request_id>"): ("/api/v1/reports/requests/1", 401),
    ("GET", "/api/v1/reports/<apiid:report_id>/pdf"): ("/api/v1/reports/1/pdf", 401),
    ("GET", "/api/v1/webhook"): ("/api/v1/webhook", 401),
    ("PUT", "/api/v1/webhook"): ("/api/v1/webhook", 401),
    ("DELETE", "/api/v1/webhook"): ("/api/v1/webhook", 401),
    # Accounts by e-mail and two-factor sign-in: open to the expert as to everyone.
    ("GET", "/account/two-factor"): ("/account/two-factor", 200),
    ("POST", "/account/two-factor/start"): ("/account/two-factor/start", 302),
    ("POST", "/account/two-factor/confirm"): ("/account/two-factor/confirm", 400),
    ("POST", "/account/two-factor/disable"): ("/account/two-factor/disable", 400),
    ("POST", "/account/two-factor/recovery-codes"): ("/account/two-factor/recovery-codes", 400),
    ("GET", "/login/code"): ("/login/code", 302),
    ("POST", "/login/code"): ("/login/code", 302),
    ("GET", "/login/forgot"): ("/login/forgot", 302),
    ("POST", "/login/forgot"): ("/login/forgot", 302),
    ("GET", "/login/reset/<token>"): ("/login/reset/nonsense", 302),
    ("POST", "/login/reset/<token>"): ("/login/reset/nonsense", 302),
    ("GET", "/invitation/<token>"): ("/invitation/nonsense", 302),
    ("POST", "/invitation/<token>"): ("/invitation/nonsense", 302),
    # Administration added with the clocks and accounts: closed.
    ("GET", "/admin/closures/"): ("/admin/closures/", 403),
    ("POST", "/admin/closures/"): ("/admin/closures/", 403),
    ("POST", "/admin/closures/<int:record_id>/remove"): ("/admin/closures/1/remove", 404),
    ("GET", "/admin/cohorts/<int:record_id>/clocks"): ("/admin/cohorts/{cohort}/clocks", 404),
    ("POST", "/admin/cohorts/<int:record_id>/clocks"): ("/admin/cohorts/{cohort}/clocks", 404),
    ("GET", "/admin/programmes/<int:record_id>/clocks"): ("/admin/programmes/{programme}/clocks", 404),
    ("POST", "/admin/programmes/<int:record_id>/clocks"): ("/admin/programmes/{programme}/clocks", 404),
    ("POST", "/admin/users/<int:record_id>/invite"): ("/admin/users/1/invite", 404),
    ("POST", "/admin/users/<int:record_id>/reset-two-factor"): ("/admin/users/1/reset-two-factor", 404),
    ("GET", "/admin/users/two-factor"): ("/admin/users/two-factor", 403),
    ("POST", "/admin/users/two-factor"): ("/admin/users/two-factor", 403),
    # The pilot's records (plan, schedule, incidents, evidence, compute, lessons): none.
    ("GET", "/use-cases/<int:id>/plan"): ("/use-cases/{uc}/plan", 404),
    ("GET", "/use-cases/<int:id>/plan/versions/<int:number>"): ("/use-cases/{uc}/plan/versions/1", 404),
    ("GET", "/use-cases/<int:id>/plan/edit"): ("/use-cases/{uc}/plan/edit", 404),
    ("POST", "/use-cases/<int:id>/plan/edit"): ("/use-cases/{uc}/plan/edit", 404),
    ("POST", "/use-cases/<int:id>/plan/submit"): ("/use-cases/{uc}/plan/submit", 404),
    ("POST", "/use-cases/<int:id>/plan/agree"): ("/use-cases/{uc}/plan/agree", 404),
    ("POST", "/use-cases/<int:id>/plan/request-changes"): ("/use-cases/{uc}/plan/request-changes", 404),
    ("POST", "/use-cases/<int:id>/plan/breaches/<int:breach_id>/decide"): ("/use-cases/{uc}/plan/breaches/1/decide", 404),
    ("GET", "/use-cases/<int:id>/schedule"): ("/use-cases/{uc}/schedule", 404),
    ("POST", "/use-cases/<int:id>/schedule"): ("/use-cases/{uc}/schedule", 404),
    ("GET", "/use-cases/<int:id>/expected-returns/request"): ("/use-cases/{uc}/expected-returns/request", 404),
    ("POST", "/use-cases/<int:id>/expected-returns/request"): ("/use-cases/{uc}/expected-returns/request", 404),
    ("GET", "/use-cases/<int:id>/expected-returns/<int:expected_id>/waive"): ("/use-cases/{uc}/expected-returns/1/waive", 404),
    ("POST", "/use-cases/<int:id>/expected-returns/<int:expected_id>/waive"): ("/use-cases/{uc}/expected-returns/1/waive", 404),
    ("GET", "/use-cases/<int:id>/incidents"): ("/use-cases/{uc}/incidents", 404),
    ("GET", "/use-cases/<int:id>/incidents/new"): ("/use-cases/{uc}/incidents/new", 404),
    ("POST", "/use-cases/<int:id>/incidents/new"): ("/use-cases/{uc}/incidents/new", 404),
    ("GET", "/use-cases/<int:id>/incidents/<int:incident_id>"): ("/use-cases/{uc}/incidents/1", 404),
    ("POST", "/use-cases/<int:id>/incidents/<int:incident_id>/acknowledge"): ("/use-cases/{uc}/incidents/1/acknowledge", 404),
    ("POST", "/use-cases/<int:id>/incidents/<int:incident_id>/resolve"): ("/use-cases/{uc}/incidents/1/resolve", 404),
    ("GET", "/use-cases/<int:id>/incidents/<int:incident_id>/suspend"): ("/use-cases/{uc}/incidents/1/suspend", 404),
    ("POST", "/use-cases/<int:id>/incidents/<int:incident_id>/suspend"): ("/use-cases/{uc}/incidents/1/suspend", 404),
    ("GET", "/use-cases/<int:id>/evidence"): ("/use-cases/{uc}/evidence", 404),
    ("GET", "/use-cases/<int:id>/evidence/new"): ("/use-cases/{uc}/evidence/new", 404),
    ("POST", "/use-cases/<int:id>/evidence/new"): ("/use-cases/{uc}/evidence/new", 404),
    ("GET", "/use-cases/<int:id>/evidence/<int:entry_id>"): ("/use-cases/{uc}/evidence/1", 404),
    ("GET", "/use-cases/<int:id>/evidence/<int:entry_id>/edit"): ("/use-cases/{uc}/evidence/1/edit", 404),
    ("POST", "/use-cases/<int:id>/evidence/<int:entry_id>/edit"): ("/use-cases/{uc}/evidence/1/edit", 404),
    ("POST", "/use-cases/<int:id>/evidence/<int:entry_id>/comments"): ("/use-cases/{uc}/evidence/1/comments", 404),
    ("POST", "/use-cases/<int:id>/evidence/<int:entry_id>/review"): ("/use-cases/{uc}/evidence/1/review", 404),
    ("GET", "/use-cases/<int:id>/compute"): ("/use-cases/{uc}/compute", 404),
    ("POST", "/use-cases/<int:id>/compute/allocations"): ("/use-cases/{uc}/compute/allocations", 404),
    ("POST", "/use-cases/<int:id>/compute/usage"): ("/use-cases/{uc}/compute/usage", 404),
    ("GET", "/programmes/<int:id>/compute"): ("/programmes/{programme}/compute", 404),
    ("GET", "/use-cases/<int:id>/lessons"): ("/use-cases/{uc}/lessons", 404),
    ("POST", "/use-cases/<int:id>/lessons"): ("/use-cases/{uc}/lessons", 404),
    ("POST", "/use-cases/<int:id>/lessons/<int:lesson_id>/record"): ("/use-cases/{uc}/lessons/1/record", 404),
    ("GET", "/lessons/"): ("/lessons/", 403),
    ("GET", "/api/v1/use-cases/<apiid:id>/evidence"): ("/api/v1/use-cases/{uc}/evidence", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/evidence/<apiid:entry_id>"): ("/api/v1/use-cases/{uc}/evidence/1", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/plan"): ("/api/v1/use-cases/{uc}/plan", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/plan/versions"): ("/api/v1/use-cases/{uc}/plan/versions", 401),
    ("POST", "/api/v1/use-cases/<apiid:id>/incidents"): ("/api/v1/use-cases/{uc}/incidents", 401),
    ("GET", "/api/v1/use-cases/<apiid:id>/incidents/<apiid:incident_id>"): ("/api/v1/use-cases/{uc}/incidents/1", 401),
    ("GET", "/api/v1/<path:rest>"): ("/api/v1/nothing-here", 401),
    ("POST", "/api/v1/<path:rest>"): ("/api/v1/nothing-here", 401),
    ("PUT", "/api/v1/<path:rest>"): ("/api/v1/nothing-here", 401),
    ("PATCH", "/api/v1/<path:rest>"): ("/api/v1/nothing-here", 401),
    ("DELETE", "/api/v1/<path:rest>"): ("/api/v1/nothing-here", 401),
}
# fmt: on


def _url(template: str, panel: Panel) -> str:
    w = panel.world
    return template.format(
        uc=panel.uc.id,
        cohort=w.cohort.id,
        programme=w.programme.id,
        bank=w.bank.id,
        category=w.category.id,
        assignment=panel.cleared.id,
        pending=panel.pending.id,
        other=panel.colleague_on_uc.id,
    )


def test_every_route_has_a_row_for_the_expert(app: Flask):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes - set(EXPERT) == set(), "a route without a row in the expert's table"
    assert set(EXPERT) - routes == set(), "a row for a route that no longer exists"


@pytest.mark.parametrize(("route", "expected"), list(EXPERT.items()), ids=lambda v: str(v))
def test_the_external_expert_sees_only_what_is_assigned(
    client: FlaskClient, panel: Panel, route: tuple[str, str], expected: tuple[str, int]
) -> None:
    login(client, panel.expert)
    method, _rule = route
    url, status = expected
    data = {"email": panel.expert.email, "password": "x"} if url == "/login" else {}
    response = client.open(_url(url, panel), method=method, data=data)
    assert response.status_code == status


def test_the_expert_reaches_the_review_queue_from_the_root(client: FlaskClient, panel: Panel):
    login(client, panel.expert)
    assert client.get("/dashboard").headers["Location"].endswith("/committee/reviews")


def test_an_expert_token_made_before_the_role_changed_is_refused(client: FlaskClient, panel: Panel):
    token = ApiToken(
        user_id=panel.expert.id,
        name="old",
        prefix="st_old",
        secret_hash=hash_secret("st_old_secret"),
        scope=TokenScope.READ,
    )
    db.session.add(token)
    db.session.commit()
    response = client.get("/api/v1/use-cases", headers={"Authorization": "Bearer st_old_secret"})
    assert response.status_code == 401


USERS = (
    "admin",
    "reviewer",
    "sfc_reviewer",
    "ia_reviewer",
    "supervisor",
    "bank_user",
    "partner_user",
    "expert",
    "other_expert",
)

# The committee's pages for every role. HKMA leads the programme (reviewer), SFC takes part,
# IA does not; the expert is on the committee, the other expert is not. Nothing here is routed
# to the SFC (Harbour and Lion Rock banks are HKMA's), so its determination page is 403.
# fmt: off
COMMITTEE_PAGES: dict[str, tuple[int, ...]] = {
    #                                              adm  hkma  sfc   ia  sup  bank prtn  exp  oexp
    "/committee/reviews":                         (403, 200, 200, 200, 403, 403, 403, 200, 200),
    "/committee/cohorts/{cohort}":                (200, 200, 200, 404, 404, 404, 404, 404, 404),
    "/committee/cohorts/{cohort}/setup":          (200, 200, 403, 404, 404, 404, 404, 404, 404),
    "/committee/cohorts/{cohort}/criteria":       (200, 200, 403, 404, 404, 404, 404, 404, 404),
    "/committee/cohorts/{cohort}/assign":         (200, 200, 403, 404, 404, 404, 404, 404, 404),
    "/committee/assignments/{assignment}":        (404, 404, 404, 404, 404, 404, 404, 200, 404),
    "/committee/assignments/{pending}/declare":   (404, 404, 404, 404, 404, 404, 404, 200, 404),
    "/committee/use-cases/{uc}/determination":    (403, 403, 403, 404, 403, 403, 403, 404, 404),
}
# fmt: on


@pytest.mark.parametrize(
    ("page", "user", "status"),
    [
        (page, user, status)
        for page, row in COMMITTEE_PAGES.items()
        for user, status in zip(USERS, row, strict=True)
    ],
)
def test_committee_pages_by_role(
    client: FlaskClient, panel: Panel, page: str, user: str, status: int
) -> None:
    who = getattr(panel, user) if user in ("expert", "other_expert") else getattr(panel.world, user)
    login(client, who)
    assert client.get(_url(page, panel)).status_code == status


@pytest.mark.parametrize("page", list(COMMITTEE_PAGES))
def test_anonymous_is_sent_to_sign_in(client: FlaskClient, panel: Panel, page: str) -> None:
    response = client.get(_url(page, panel))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
