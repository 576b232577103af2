"""The AI evidence register: its rules, its history and review marks, its pages and the
register as it stood at a past date."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask.testing import FlaskClient

from tests import factories as f
from tests.conftest import World, login
from tests.evidence.conftest import entry_data, entry_form, evaluation, selected_case, stated
from tracker.evidence import services
from tracker.evidence.models import (
    ActivityKind,
    Direction,
    EvidenceActivity,
    EvidenceEntry,
    EvidenceRevision,
    Outcome,
)
from tracker.evidence.queries import evidence_as_at, evidence_reviewed_as_at
from tracker.extensions import db
from tracker.rules import ConflictError, NotAllowedError, RuleError
from tracker.unit_of_work import unit_of_work
from tracker.usecases.models import Document, HistoryIsAppendOnlyError, Stage


def _add(world: World, use_case, **overrides) -> EvidenceEntry:  # type: ignore[no-untyped-def]
    with unit_of_work():
        entry = services.add_entry(use_case, world.bank_user, entry_data(**overrides))
    return entry


# ---------------------------------------------------------------- rules


def test_an_entry_is_one_iteration_numbered_in_order(world: World) -> None:
    uc = selected_case(world)
    first = _add(world, uc)
    second = _add(world, uc, model_version="1.1")
    assert (first.iteration, second.iteration) == (1, 2)
    [revision] = db.session.scalars(
        db.select(EvidenceRevision).where(EvidenceRevision.entry_id == first.id)
    )
    assert revision.number == 1 and revision.content["model_version"] == "1.0"


def test_a_threshold_without_a_result_is_refused(world: World) -> None:
    uc = selected_case(world)
    with pytest.raises(RuleError) as caught, unit_of_work():
        services.add_entry(uc, world.bank_user, entry_data(evaluations=(evaluation(result=""),)))
    assert "A threshold needs the result" in caught.value.errors["evaluations.0.result"][0]
    assert db.session.scalar(db.select(db.func.count()).select_from(EvidenceEntry)) == 0


@pytest.mark.parametrize(
    ("result", "threshold", "direction", "expected"),
    [
        ("0.91", "0.85", Direction.HIGHER, Outcome.PASS),
        ("0.80", "0.85", Direction.HIGHER, Outcome.FAIL),
        ("0.85", "0.85", Direction.HIGHER, Outcome.PASS),
        ("2.5", "3", Direction.LOWER, Outcome.PASS),
        ("3.5", "3", Direction.LOWER, Outcome.FAIL),
    ],
)
def test_pass_or_fail_follows_from_result_threshold_and_direction(
    world: World, result: str, threshold: str, direction: Direction, expected: Outcome
) -> None:
    uc = selected_case(world)
    row = evaluation(result=result, threshold=threshold, direction=direction)
    entry = _add(world, uc, evaluations=(row,))
    assert entry.evaluations[0].outcome is expected
    [view] = evidence_as_at(uc.id)
    assert view.evaluations[0].outcome is expected and view.evaluations[0].derived


def test_a_stated_outcome_is_kept_where_no_threshold_decides(world: World) -> None:
    uc = selected_case(world)
    entry = _add(world, uc, evaluations=(stated(Outcome.FAIL),))
    assert entry.evaluations[0].outcome is Outcome.FAIL
    [view] = evidence_as_at(uc.id)
    assert not view.evaluations[0].derived


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (evaluation(stated_outcome=Outcome.FAIL), "stated_outcome", "is a pass"),
        (evaluation(direction=None), "direction", "which side of the threshold"),
        (evaluation(result="ninety"), "result", "as a number"),
        (evaluation(threshold="high"), "threshold", "as a number"),
        (evaluation(metric=""), "metric", "Name the metric"),
        (evaluation(threshold="", direction=Direction.LOWER), "threshold", "Give the threshold"),
    ],
)
def test_bad_evaluations_are_refused_with_their_field(
    world: World, row: services.EvaluationData, field: str, message: str
) -> None:
    uc = selected_case(world)
    with pytest.raises(RuleError) as caught:
        services.add_entry(uc, world.bank_user, entry_data(evaluations=(row,)))
    assert message in " ".join(caught.value.errors[f"evaluations.0.{field}"])


def test_every_missing_field_is_reported_at_once(world: World) -> None:
    uc = selected_case(world)
    with pytest.raises(RuleError) as caught:
        services.add_entry(
            uc,
            world.bank_user,
            entry_data(
                model_name="",
                provider=" ",
                technique=None,
                hosting=None,
                guardrails="",
                human_oversight="",
                evaluations=(services.EvaluationData(),),
            ),
        )
    assert set(caught.value.errors) == {
        "model_name",
        "provider",
        "technique",
        "hosting",
        "guardrails",
        "human_oversight",
        "evaluations",
    }


def test_only_the_use_cases_own_documents_can_be_linked(world: World) -> None:
    uc = selected_case(world)
    other = selected_case(world)
    mine = Document(
        use_case_id=uc.id,
        filename="eval.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        data=b"pdf",
    )
    theirs = Document(
        use_case_id=other.id,
        filename="x.pdf",
        content_type="application/pdf",
        size=3,
        sha256="1" * 64,
        data=b"pdf",
    )
    db.session.add_all([mine, theirs])
    db.session.commit()
    with pytest.raises(RuleError) as caught:
        services.add_entry(uc, world.bank_user, entry_data(document_ids=(mine.id, theirs.id)))
    assert "document_ids" in caught.value.errors
    db.session.rollback()
    entry = _add(world, uc, document_ids=(mine.id,))
    assert [d.filename for d in entry.documents] == ["eval.pdf"]
    assert [d.filename for d in evidence_as_at(uc.id)[0].documents] == ["eval.pdf"]


# fmt: off
RECORDERS = [
    # stage                     bank   other bank  partner  regulator  supervisor
    (Stage.UNDER_REVIEW,        False, False,      False,   False,     False),
    (Stage.SELECTED,            True,  False,      False,   False,     False),
    (Stage.PILOT,               True,  False,      False,   False,     False),
    (Stage.PRODUCTION,          True,  False,      False,   False,     False),
]
# fmt: on


@pytest.mark.parametrize(
    ("stage", "bank", "other", "partner", "regulator", "supervisor"), RECORDERS
)
def test_only_the_institution_records_once_selected(  # noqa: PLR0913
    world: World,
    stage: Stage,
    bank: bool,
    other: bool,
    partner: bool,
    regulator: bool,
    supervisor: bool,
) -> None:
    uc = selected_case(world, stage=stage)
    users = [
        world.bank_user,
        world.other_bank_user,
        world.partner_user,
        world.reviewer,
        world.supervisor,
    ]
    for user, allowed in zip(users, [bank, other, partner, regulator, supervisor], strict=True):
        if allowed:
            services.add_entry(uc, user, entry_data())
            db.session.rollback()
        else:
            with pytest.raises(NotAllowedError):
                services.add_entry(uc, user, entry_data())


# ---------------------------------------------------------------- edits and reviews


def test_a_stale_edit_is_a_conflict_and_saves_nothing(world: World) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    read = entry.version
    with unit_of_work():
        services.update_entry(entry, uc, world.bank_user, entry_data(model_version="1.1"), read)
    with pytest.raises(ConflictError) as caught, unit_of_work():
        services.update_entry(entry, uc, world.bank_user, entry_data(model_version="9"), read)
    assert caught.value.last_change is not None
    assert "revision 2" in caught.value.last_change.what
    db.session.expire_all()
    assert db.session.get(EvidenceEntry, entry.id).model_version == "1.1"  # type: ignore[union-attr]


def test_review_is_on_record_and_an_edit_after_it_clears_it(world: World, freeze_time) -> None:  # type: ignore[no-untyped-def]
    freeze_time(datetime(2026, 3, 2, 2, 0))
    uc = selected_case(world)
    entry = _add(world, uc)
    freeze_time(datetime(2026, 3, 9, 2, 0))
    with unit_of_work():
        services.mark_reviewed(entry, uc, world.reviewer, entry.version, "Evaluations adequate.")
    assert entry.reviewed_by_id == world.reviewer.id
    assert entry.reviewed_at == datetime(2026, 3, 9, 2, 0)
    with pytest.raises(RuleError, match="already marked reviewed"):
        services.mark_reviewed(entry, uc, world.reviewer, entry.version)
    db.session.rollback()
    freeze_time(datetime(2026, 3, 16, 2, 0))
    with unit_of_work():
        services.update_entry(
            entry, uc, world.bank_user, entry_data(limitations="More."), entry.version
        )
    assert entry.reviewed_at is None and entry.reviewed_by_id is None
    kinds = [
        a.kind
        for a in db.session.scalars(db.select(EvidenceActivity).order_by(EvidenceActivity.id))
    ]
    assert kinds == [ActivityKind.REVIEWED, ActivityKind.REVIEW_CLEARED]
    [view] = evidence_as_at(uc.id)
    assert not view.reviewed and view.revision == 2
    assert "after the review" in view.activity[-1].body
    # As at the day of the review it stood reviewed, at revision 1.
    [then] = evidence_as_at(uc.id, datetime(2026, 3, 10))
    assert then.reviewed and then.reviewed_by == world.reviewer.name and then.revision == 1
    assert [v.entry_id for v in evidence_reviewed_as_at(uc.id, datetime(2026, 3, 10))] == [entry.id]
    assert evidence_reviewed_as_at(uc.id) == ()


def test_a_review_of_a_changed_entry_is_a_conflict(world: World) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    read = entry.version
    with unit_of_work():
        services.update_entry(entry, uc, world.bank_user, entry_data(model_version="2"), read)
    with pytest.raises(ConflictError):
        services.mark_reviewed(entry, uc, world.reviewer, read)


def test_comments_and_reviews_are_for_the_regulator_of_the_programme(world: World) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    for user in (world.bank_user, world.partner_user, world.supervisor, world.ia_reviewer):
        with pytest.raises(NotAllowedError):
            services.comment(entry, uc, user, "Looks fine")
        with pytest.raises(NotAllowedError):
            services.mark_reviewed(entry, uc, user, entry.version)
    with pytest.raises(RuleError):
        services.comment(entry, uc, world.reviewer, "  ")
    with unit_of_work():
        services.comment(entry, uc, world.sfc_reviewer, "Add the bias figures by age band.")
    assert evidence_as_at(uc.id)[0].comments[0].body == "Add the bias figures by age band."


def test_history_rows_are_never_changed(world: World) -> None:
    uc = selected_case(world)
    _add(world, uc)
    revision = db.session.scalars(db.select(EvidenceRevision)).one()
    revision.content = {}
    with pytest.raises(HistoryIsAppendOnlyError):
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- as at a past date


def test_the_register_as_at_a_past_date_shows_entries_as_they_were(
    world: World,
    freeze_time,  # type: ignore[no-untyped-def]
) -> None:
    freeze_time(datetime(2026, 2, 1, 2, 0))
    uc = selected_case(world)
    first = _add(world, uc, evaluations=(evaluation(result="0.80"),))
    freeze_time(datetime(2026, 3, 1, 2, 0))
    with unit_of_work():
        services.update_entry(
            first,
            uc,
            world.bank_user,
            entry_data(evaluations=(evaluation(result="0.90"),)),
            first.version,
        )
    _add(world, uc, model_version="2.0")
    assert evidence_as_at(uc.id, datetime(2026, 1, 31)) == ()
    [in_february] = evidence_as_at(uc.id, datetime(2026, 2, 15))
    assert in_february.evaluations[0].result == 0.80
    assert in_february.evaluations[0].outcome is Outcome.FAIL
    now = evidence_as_at(uc.id)
    assert [v.model_version for v in now] == ["1.0", "2.0"]
    assert now[0].evaluations[0].outcome is Outcome.PASS


def test_the_use_case_report_shows_the_evidence_in_force_then(
    world: World,
    freeze_time,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from tests.reports.conftest import pdf_text
    from tests.reports.test_layout import FONT, IMPRINT
    from tracker.reports import data, layout

    freeze_time(datetime(2026, 2, 1, 2, 0))
    uc = selected_case(world)
    entry = _add(world, uc, model_name="FraudLens", model_version="0.9")
    freeze_time(datetime(2026, 3, 1, 2, 0))
    with unit_of_work():
        services.update_entry(
            entry,
            uc,
            world.bank_user,
            entry_data(model_name="FraudLens", model_version="1.4"),
            entry.version,
        )
    freeze_time(datetime(2026, 3, 5, 2, 0))
    then = data.use_case_report(
        uc, data.AsAt.for_day(datetime(2026, 2, 10).date(), "Asia/Hong_Kong")
    )
    assert [v.model_version for v in then.evidence] == ["0.9"]
    text = pdf_text(layout.render(then, IMPRINT, cjk_font=FONT), tmp_path)
    assert "AI evidence" in text and "FraudLens 0.9" in text and "1.4" not in text
    assert "Recall on confirmed fraud" in text
    today = data.use_case_report(uc, data.AsAt.for_day(None, "Asia/Hong_Kong"))
    assert [v.model_version for v in today.evidence] == ["1.4"]


# ---------------------------------------------------------------- pages


def test_the_institution_records_an_iteration_through_the_form(
    client: FlaskClient, world: World
) -> None:
    uc = selected_case(world)
    login(client, world.bank_user)
    page = client.get(f"/use-cases/{uc.id}")
    assert f"/use-cases/{uc.id}/evidence" in page.get_data(as_text=True)
    assert client.get(f"/use-cases/{uc.id}/evidence/new").status_code == 200
    response = client.post(f"/use-cases/{uc.id}/evidence/new", data=entry_form())
    assert response.status_code == 302
    entry = db.session.scalars(db.select(EvidenceEntry)).one()
    assert [e.metric for e in entry.evaluations] == ["Recall"]
    register = client.get(f"/use-cases/{uc.id}/evidence").get_data(as_text=True)
    assert "Iteration 1" in register and "1 of 1" in register


def test_bad_input_keeps_what_was_typed(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{uc.id}/evidence/new",
        data=entry_form(**{"evaluations-0-result": "", "model_version": "7.7-rc"}),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "A threshold needs the result" in html
    assert 'value="7.7-rc"' in html and 'value="0.85"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(EvidenceEntry)) == 0


def test_a_stale_form_answers_409_with_the_input_kept(client: FlaskClient, world: World) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    read = entry.version
    with unit_of_work():
        services.update_entry(entry, uc, world.bank_user, entry_data(model_version="1.1"), read)
    login(client, world.bank_user)
    response = client.post(
        f"/use-cases/{uc.id}/evidence/{entry.id}/edit",
        data=entry_form(version=str(read), model_version="my-typing"),
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'value="my-typing"' in html and "changed by someone else" in html


def test_the_regulator_comments_and_marks_reviewed_through_the_page(
    client: FlaskClient, world: World
) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    login(client, world.reviewer)
    base = f"/use-cases/{uc.id}/evidence/{entry.id}"
    assert "Mark revision 1 reviewed" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/comments", data={"body": ""}).status_code == 400
    assert client.post(f"{base}/comments", data={"body": "Add drift figures."}).status_code == 302
    assert client.post(f"{base}/review", data={"version": "99"}).status_code == 409
    assert client.post(f"{base}/review", data={"version": str(entry.version)}).status_code == 302
    html = client.get(base).get_data(as_text=True)
    assert "Reviewed" in html and "Add drift figures." in html and "Mark revision" not in html


def test_the_register_page_reads_a_bounded_number_of_queries(
    client: FlaskClient, world: World
) -> None:
    from tests.usecases.test_query_counts import count_queries

    uc = selected_case(world)
    login(client, world.reviewer)
    _add(world, uc)
    with count_queries() as few:
        assert client.get(f"/use-cases/{uc.id}/evidence").status_code == 200
    for n in range(5):
        entry = _add(world, uc, model_version=f"2.{n}")
        with unit_of_work():
            services.comment(entry, uc, world.reviewer, "Seen.")
    with count_queries() as many:
        assert client.get(f"/use-cases/{uc.id}/evidence").status_code == 200
    assert len(many) == len(few)


# A literal table: who may open or post to each evidence route. "bank" is the lead institution
# (Harbour Bank), "other" another bank, "partner" the technology partner named on the use case,
# "hkma" regulator staff of the programme, "sfc" staff of a participating regulator, "ia" staff
# of another programme's regulator, "super" the HKMA's supervisor.
USERS = (
    "bank_user",
    "other_bank_user",
    "partner_user",
    "reviewer",
    "sfc_reviewer",
    "ia_reviewer",
    "supervisor",
)
# fmt: off
ACCESS: dict[tuple[str, str], tuple[int, ...]] = {
    #                                        bank other prtn hkma  sfc   ia  super
    ("GET",  "/evidence"):                   (200, 404, 200, 200, 200, 404, 200),
    ("GET",  "/evidence/new"):               (200, 404, 403, 403, 403, 404, 403),
    ("POST", "/evidence/new"):               (302, 404, 403, 403, 403, 404, 403),
    ("GET",  "/evidence/{entry}"):           (200, 404, 200, 200, 200, 404, 200),
    ("GET",  "/evidence/{entry}/edit"):      (200, 404, 403, 403, 403, 404, 403),
    ("POST", "/evidence/{entry}/edit"):      (302, 404, 403, 403, 403, 404, 403),
    ("POST", "/evidence/{entry}/comments"):  (403, 404, 403, 302, 302, 404, 403),
    ("POST", "/evidence/{entry}/review"):    (403, 404, 403, 302, 302, 404, 403),
    ("GET",  "/evidence/9999"):              (404, 404, 404, 404, 404, 404, 404),
}
# fmt: on
CASES = [
    (method, path, user, status)
    for (method, path), row in ACCESS.items()
    for user, status in zip(USERS, row, strict=True)
]


@pytest.mark.parametrize(("method", "path", "user", "status"), CASES)
def test_access(
    client: FlaskClient, world: World, method: str, path: str, user: str, status: int
) -> None:
    uc = selected_case(world)
    entry = _add(world, uc)
    url = f"/use-cases/{uc.id}" + path.format(entry=entry.id)
    login(client, getattr(world, user))
    bodies = {
        "/evidence/new": entry_form(),
        "/evidence/{entry}/edit": entry_form(version=str(entry.version)),
        "/evidence/{entry}/comments": {"body": "Noted."},
        "/evidence/{entry}/review": {"version": str(entry.version)},
    }
    response = client.get(url) if method == "GET" else client.post(url, data=bodies[path])
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_draft_and_an_unselected_proposal_have_no_register_to_edit(
    client: FlaskClient, world: World
) -> None:
    uc = selected_case(world, stage=Stage.UNDER_REVIEW)
    login(client, world.bank_user)
    assert client.get(f"/use-cases/{uc.id}/evidence/new").status_code == 403
    assert "AI evidence register" not in client.get(f"/use-cases/{uc.id}").get_data(as_text=True)


def test_a_draft_has_no_register_the_regulator_may_see(client: FlaskClient, world: World) -> None:
    draft = f.create_use_case(world.cohort, world.bank, world.category)
    db.session.commit()
    login(client, world.reviewer)
    assert client.get(f"/use-cases/{draft.id}/evidence").status_code == 404
